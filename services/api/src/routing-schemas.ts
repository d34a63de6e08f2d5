import { z } from 'zod';
import { CAPACITY_POOLS, ChannelId } from '@switchboard/contracts';
import { STRATEGIES } from '@switchboard/routing';

/**
 * Request and response shapes of the routing administration routes (queues' routing
 * settings, steps, rings, skills, capacity, rules, calendars, SLA policies). Like schemas.ts,
 * responses are whitelists.
 */

const Seconds = (min: number) => z.number().int().min(min).max(30 * 86_400);
const Message = z.string().trim().min(1).max(4096).nullable();

export const SkillRequirement = z.object({ skill: z.string().trim().min(1).max(100), min: z.number().int().min(1).max(5) });

/** Every routing setting of a queue; PATCH takes any subset. */
export const QueueSettings = z.object({
  name: z.string().trim().min(1).max(200),
  strategy: z.enum(STRATEGIES),
  loadMode: z.enum(['ratio', 'absolute']).describe('least_load: share of capacity in use (ratio) or free slots (absolute)'),
  autoAccept: z.boolean().describe('assign at once (true) or offer and wait for an accept (false)'),
  offerTimeoutS: Seconds(1),
  maxOfferAttempts: z.number().int().min(1).max(100),
  maxMisses: z.number().int().min(1).max(100).describe('offers missed in a row before the agent is set away'),
  maxQueueSize: z.number().int().min(1).max(1_000_000).nullable(),
  maxWaitS: Seconds(1).nullable(),
  maxWaitAction: z.enum(['close', 'overflow']),
  overflowQueueId: z.uuid().nullable(),
  overflowWhenNoAgents: z.boolean(),
  businessHoursId: z.uuid().nullable(),
  slaPolicyId: z.uuid().nullable(),
  offlinePolicy: z.enum(['keep', 'requeue_after_grace', 'requeue_if_unanswered']),
  offlineGraceS: Seconds(0),
  sticky: z.boolean(),
  stickyWaitS: Seconds(0),
  fairnessBurst: z.number().int().min(1).max(1000),
  releaseOnPending: z.boolean(),
  afterHoursMessage: Message,
  queueFullMessage: Message,
  abandonedMessage: Message,
});
export type QueueSettings = z.infer<typeof QueueSettings>;

export const QueueSettingsPatch = QueueSettings.partial().strict();

export const StepBody = z.object({
  requiredSkills: z.array(SkillRequirement).max(20).default([]),
  ringMax: z.number().int().min(1).max(100).nullable().default(null).describe('members with a ring up to this one; null: every ring'),
  timeoutS: Seconds(1).nullable().default(null).describe('widen to the next step after this long; null: stay'),
  skipIfNoAgents: z.boolean().default(false),
});
export const StepsBody = z.array(StepBody).max(20).describe('the steps in order; step numbers are positions, from 1');
export const StepDto = StepBody.extend({ stepNo: z.number().int() });

export const MemberEntry = z.object({ agentId: z.uuid(), ring: z.number().int().min(1).max(100).default(1) });
export const MembersBody = z
  .union([
    z.array(MemberEntry).max(1000),
    z.object({ members: z.array(MemberEntry).max(1000) }),
    z.object({ memberIds: z.array(z.uuid()).max(1000).describe('agent ids, all in ring 1') }),
  ])
  .describe('[{ agentId, ring }], { members: [{ agentId, ring }] } or { memberIds: [...] }');

export const QueueDetailDto = QueueSettings.extend({
  id: z.uuid(),
  createdAt: z.date(),
  memberIds: z.array(z.uuid()),
  members: z.array(z.object({ agentId: z.uuid(), ring: z.number().int() })),
  steps: z.array(StepDto),
}).meta({ id: 'QueueDetail' });

export const SkillDto = z.object({ id: z.uuid(), name: z.string() }).meta({ id: 'Skill' });
export const AgentSkillsBody = z.array(z.object({ skill: z.string().trim().min(1).max(100), proficiency: z.number().int().min(1).max(5) })).max(200);
export const AgentSkillsDto = z.object({ agentId: z.uuid(), skills: z.array(z.object({ skill: z.string(), proficiency: z.number().int() })) });

const Units = z.number().int().min(0).max(100_000);
export const CapacityBody = z
  .union([
    z.object({ total: Units, costs: z.partialRecord(ChannelId, z.number().int().min(1).max(100_000)) }).strict(),
    z.partialRecord(z.enum(CAPACITY_POOLS), Units),
  ])
  .describe('per channel ({ "webchat": 3, "telegram": 5, "voice": 1 }; unlisted channels get 0; voice is for callback requests) or weighted units ({ total, costs: { voice: 100, webchat: 20 } })');
export const CapacityDto = z
  .object({
    agentId: z.uuid(),
    mode: z.enum(['channels', 'weighted']),
    pools: z.array(z.object({ pool: z.string().describe("a channel, or '*' for weighted units"), capacity: z.number().int(), active: z.number().int(), pendingOffers: z.number().int() })),
    costs: z.record(z.string(), z.number().int()).describe('units per conversation by channel (weighted mode)'),
  })
  .meta({ id: 'AgentCapacity' });

const Language = z.string().trim().min(2).max(20);
export const RuleMatch = z
  .object({
    channel: z.union([ChannelId, z.array(ChannelId).min(1).max(20)]).optional().describe('one channel or any of several'),
    inboxId: z.union([z.uuid(), z.array(z.uuid()).min(1).max(100)]).optional(),
    language: z.union([Language, z.array(Language).min(1).max(50)]).optional().describe('"es" also matches "es-MX"'),
    keywords: z.array(z.string().trim().min(1).max(100)).max(100).optional(),
    contactAttributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .strict();
const RuleFields = z.object({
  name: z.string().trim().min(1).max(200),
  position: z.number().int().min(0).max(1_000_000).describe('lower runs first; the first matching rule decides'),
  match: RuleMatch,
  queueId: z.uuid(),
  priority: z.number().int().min(-1000).max(1000),
  requiredSkills: z.array(SkillRequirement).max(20),
  ageAdjustS: z.number().int().min(-86_400).max(86_400).describe('seconds added to the waiting age (VIP bump)'),
  enabled: z.boolean(),
});
// a PATCH must not reset what it does not mention, so it gets the fields without defaults
export const RoutingRulePatch = RuleFields.partial().strict();
export const RoutingRuleBody = RuleFields.extend({
  position: RuleFields.shape.position.default(100),
  match: RuleMatch.default({}),
  priority: RuleFields.shape.priority.default(0),
  requiredSkills: RuleFields.shape.requiredSkills.default([]),
  ageAdjustS: RuleFields.shape.ageAdjustS.default(0),
  enabled: z.boolean().default(true),
});
export const RoutingRuleDto = RuleFields.extend({ id: z.uuid(), createdAt: z.date() }).meta({ id: 'RoutingRule' });

const SlaFields = z.object({
  name: z.string().trim().min(1).max(200),
  firstResponseS: Seconds(1).nullable(),
  nextResponseS: Seconds(1).nullable(),
  resolutionS: Seconds(1).nullable(),
  businessHoursOnly: z.boolean(),
  breachPriorityBoost: z.number().int().min(0).max(1000).describe('raise the priority this much on a breach'),
  pauseWhenPending: z.boolean(),
});
export const SlaPolicyPatch = SlaFields.partial().strict();
export const SlaPolicyBody = SlaFields.extend({
  firstResponseS: SlaFields.shape.firstResponseS.default(null),
  nextResponseS: SlaFields.shape.nextResponseS.default(null),
  resolutionS: SlaFields.shape.resolutionS.default(null),
  businessHoursOnly: z.boolean().default(false),
  breachPriorityBoost: SlaFields.shape.breachPriorityBoost.default(0),
  pauseWhenPending: z.boolean().default(true),
});
export const SlaPolicyDto = SlaFields.extend({ id: z.uuid(), createdAt: z.date() }).meta({ id: 'SlaPolicy' });
