import { z } from 'zod';
import { CAPACITY_POOLS, ChannelId } from '@switchboard/contracts';
import { STRATEGIES } from '@switchboard/routing';
import { EXAMPLE_IDS, exampleAt } from './schemas.ts';

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

const settingsExample: QueueSettings = {
  name: 'Support RU',
  strategy: 'least_load',
  loadMode: 'ratio',
  autoAccept: false,
  offerTimeoutS: 30,
  maxOfferAttempts: 5,
  maxMisses: 3,
  maxQueueSize: 500,
  maxWaitS: 1800,
  maxWaitAction: 'overflow',
  overflowQueueId: null,
  overflowWhenNoAgents: false,
  businessHoursId: EXAMPLE_IDS.businessHours,
  slaPolicyId: EXAMPLE_IDS.slaPolicy,
  offlinePolicy: 'requeue_after_grace',
  offlineGraceS: 120,
  sticky: true,
  stickyWaitS: 300,
  fairnessBurst: 5,
  releaseOnPending: true,
  afterHoursMessage: 'Мы работаем с 9:00 до 18:00 по Москве и ответим утром.',
  queueFullMessage: null,
  abandonedMessage: null,
};

export const QueueSettingsPatch = QueueSettings.partial()
  .strict()
  .meta({ examples: [{ autoAccept: true, offerTimeoutS: 45, afterHoursMessage: 'We are open 9:00–18:00 Moscow time and will answer in the morning.' }] });

export const StepBody = z.object({
  requiredSkills: z.array(SkillRequirement).max(20).default([]),
  ringMax: z.number().int().min(1).max(100).nullable().default(null).describe('members with a ring up to this one; null: every ring'),
  timeoutS: Seconds(1).nullable().default(null).describe('widen to the next step after this long; null: stay'),
  skipIfNoAgents: z.boolean().default(false),
});
const stepsExample = [
  { requiredSkills: [{ skill: 'russian', min: 3 }], ringMax: 1, timeoutS: 60, skipIfNoAgents: true },
  { requiredSkills: [], ringMax: null, timeoutS: null, skipIfNoAgents: false },
];
export const StepsBody = z
  .array(StepBody)
  .max(20)
  .describe('the steps in order; step numbers are positions, from 1')
  .meta({ examples: [stepsExample] });
export const StepDto = StepBody.extend({ stepNo: z.number().int() });

export const MemberEntry = z.object({ agentId: z.uuid(), ring: z.number().int().min(1).max(100).default(1) });
export const MembersBody = z
  .union([
    z.array(MemberEntry).max(1000),
    z.object({ members: z.array(MemberEntry).max(1000) }),
    z.object({ memberIds: z.array(z.uuid()).max(1000).describe('agent ids, all in ring 1') }),
  ])
  .describe('[{ agentId, ring }], { members: [{ agentId, ring }] } or { memberIds: [...] }')
  .meta({
    examples: [
      [{ agentId: EXAMPLE_IDS.agent, ring: 1 }, { agentId: EXAMPLE_IDS.supervisor, ring: 2 }],
      { memberIds: [EXAMPLE_IDS.agent, EXAMPLE_IDS.supervisor] },
    ],
  });

export const QueueDetailDto = QueueSettings.extend({
  id: z.uuid(),
  createdAt: z.date(),
  memberIds: z.array(z.uuid()),
  members: z.array(z.object({ agentId: z.uuid(), ring: z.number().int() })),
  steps: z.array(StepDto),
}).meta({
  id: 'QueueDetail',
  examples: [
    {
      ...settingsExample,
      id: EXAMPLE_IDS.queue,
      createdAt: exampleAt('08:00:00'),
      memberIds: [EXAMPLE_IDS.agent, EXAMPLE_IDS.supervisor],
      members: [{ agentId: EXAMPLE_IDS.agent, ring: 1 }, { agentId: EXAMPLE_IDS.supervisor, ring: 2 }],
      steps: stepsExample.map((step, i) => ({ ...step, stepNo: i + 1 })),
    },
  ],
});

export const SkillDto = z.object({ id: z.uuid(), name: z.string() }).meta({ id: 'Skill', examples: [{ id: EXAMPLE_IDS.skill, name: 'russian' }] });
const skillsExample = [{ skill: 'russian', proficiency: 5 }, { skill: 'billing', proficiency: 3 }];
export const AgentSkillsBody = z
  .array(z.object({ skill: z.string().trim().min(1).max(100), proficiency: z.number().int().min(1).max(5) }))
  .max(200)
  .meta({ examples: [skillsExample] });
export const AgentSkillsDto = z
  .object({ agentId: z.uuid(), skills: z.array(z.object({ skill: z.string(), proficiency: z.number().int() })) })
  .meta({ examples: [{ agentId: EXAMPLE_IDS.agent, skills: skillsExample }] });

const Units = z.number().int().min(0).max(100_000);
export const CapacityBody = z
  .union([
    z.object({ total: Units, costs: z.partialRecord(ChannelId, z.number().int().min(1).max(100_000)) }).strict(),
    z.partialRecord(z.enum(CAPACITY_POOLS), Units),
  ])
  .describe('per channel ({ "webchat": 3, "telegram": 5, "voice": 1 }; unlisted channels get 0; voice is for callback requests) or weighted units ({ total, costs: { voice: 100, webchat: 20 } })')
  .meta({ examples: [{ webchat: 3, telegram: 5, voice: 1 }, { total: 100, costs: { voice: 100, webchat: 20, telegram: 20 } }] });
export const CapacityDto = z
  .object({
    agentId: z.uuid(),
    mode: z.enum(['channels', 'weighted']),
    pools: z.array(z.object({ pool: z.string().describe("a channel, or '*' for weighted units"), capacity: z.number().int(), active: z.number().int(), pendingOffers: z.number().int() })),
    costs: z.record(z.string(), z.number().int()).describe('units per conversation by channel (weighted mode)'),
  })
  .meta({
    id: 'AgentCapacity',
    examples: [
      {
        agentId: EXAMPLE_IDS.agent,
        mode: 'channels',
        pools: [
          { pool: 'telegram', capacity: 5, active: 2, pendingOffers: 1 },
          { pool: 'webchat', capacity: 3, active: 1, pendingOffers: 0 },
          { pool: 'voice', capacity: 1, active: 0, pendingOffers: 0 },
        ],
        costs: {},
      },
    ],
  });

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
export const RoutingRulePatch = RuleFields.partial()
  .strict()
  .meta({ examples: [{ enabled: false }, { priority: 20, ageAdjustS: 600 }] });
export const RoutingRuleBody = RuleFields.extend({
  position: RuleFields.shape.position.default(100),
  match: RuleMatch.default({}),
  priority: RuleFields.shape.priority.default(0),
  requiredSkills: RuleFields.shape.requiredSkills.default([]),
  ageAdjustS: RuleFields.shape.ageAdjustS.default(0),
  enabled: z.boolean().default(true),
}).meta({
  examples: [
    {
      name: 'VIP customers writing in Russian',
      position: 10,
      match: { channel: ['telegram', 'whatsapp'], language: 'ru', contactAttributes: { vip: true } },
      queueId: EXAMPLE_IDS.queue,
      priority: 50,
      requiredSkills: [{ skill: 'russian', min: 3 }],
      ageAdjustS: 300,
    },
  ],
});
export const RoutingRuleDto = RuleFields.extend({ id: z.uuid(), createdAt: z.date() }).meta({
  id: 'RoutingRule',
  examples: [
    {
      id: EXAMPLE_IDS.rule,
      name: 'VIP customers writing in Russian',
      position: 10,
      match: { channel: ['telegram', 'whatsapp'], language: 'ru', contactAttributes: { vip: true } },
      queueId: EXAMPLE_IDS.queue,
      priority: 50,
      requiredSkills: [{ skill: 'russian', min: 3 }],
      ageAdjustS: 300,
      enabled: true,
      createdAt: exampleAt('08:00:00'),
    },
  ],
});

const SlaFields = z.object({
  name: z.string().trim().min(1).max(200),
  firstResponseS: Seconds(1).nullable(),
  nextResponseS: Seconds(1).nullable(),
  resolutionS: Seconds(1).nullable(),
  businessHoursOnly: z.boolean(),
  breachPriorityBoost: z.number().int().min(0).max(1000).describe('raise the priority this much on a breach'),
  pauseWhenPending: z.boolean(),
});
const slaExample = {
  name: 'Standard',
  firstResponseS: 300,
  nextResponseS: 900,
  resolutionS: 86_400,
  businessHoursOnly: true,
  breachPriorityBoost: 100,
  pauseWhenPending: true,
};
export const SlaPolicyPatch = SlaFields.partial()
  .strict()
  .meta({ examples: [{ firstResponseS: 120, breachPriorityBoost: 200 }] });
export const SlaPolicyBody = SlaFields.extend({
  firstResponseS: SlaFields.shape.firstResponseS.default(null),
  nextResponseS: SlaFields.shape.nextResponseS.default(null),
  resolutionS: SlaFields.shape.resolutionS.default(null),
  businessHoursOnly: z.boolean().default(false),
  breachPriorityBoost: SlaFields.shape.breachPriorityBoost.default(0),
  pauseWhenPending: z.boolean().default(true),
}).meta({ examples: [slaExample] });
export const SlaPolicyDto = SlaFields.extend({ id: z.uuid(), createdAt: z.date() }).meta({
  id: 'SlaPolicy',
  examples: [{ ...slaExample, id: EXAMPLE_IDS.slaPolicy, createdAt: exampleAt('08:00:00') }],
});
