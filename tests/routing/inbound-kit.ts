import type { ChannelId, InboundEvent } from '@switchboard/contracts';
import { recordInbound, withTransaction, type InboundOutcome } from '@switchboard/db';
import { routeInbound, type InboundRouting } from '@switchboard/routing';
import type { World } from './world.ts';

/**
 * Customer messages through the same transaction the router runs (recordInbound, then
 * routeInbound at the world's manual clock), plus the business hours, SLA policies and rules
 * that classification and SLA read. Everything is written to the real database.
 */
export interface InboundKit {
  /** A fresh inbox routed to `defaultQueueId` (or nowhere). */
  inbox(channel: ChannelId, defaultQueueId: string | null): Promise<string>;
  send(inboxId: string, input: { from: string; text?: string; locale?: string; channel?: ChannelId }): Promise<{ outcome: Extract<InboundOutcome, { kind: 'stored' }>; routing: InboundRouting }>;
  businessHours(input: { timeZone: string; weekly: Record<string, [string, string][]>; holidays?: string[] }): Promise<string>;
  slaPolicy(input: { frtS?: number; nrtS?: number; rtS?: number; businessHoursOnly?: boolean; boost?: number; pauseWhenPending?: boolean }): Promise<string>;
  setQueue(queueId: string, columns: Record<string, unknown>): Promise<void>;
  rule(input: { position: number; match: Record<string, unknown>; queueId: string; priority?: number; requiredSkills?: unknown[]; ageAdjustS?: number; enabled?: boolean }): Promise<string>;
  /** Outbound messages of a conversation, oldest first. */
  outbound(conversationId: string): Promise<{ id: string; text: string; status: string; authorAgentId: string | null }[]>;
  timers(conversationId: string): Promise<{ kind: string; anchorMessageId: string | null; startedAt: Date; dueAt: Date | null; pausedAt: Date | null; metAt: Date | null; breachedAt: Date | null }[]>;
}

export function inboundKit(w: World): InboundKit {
  let n = 0;
  const kit: InboundKit = {
    async inbox(channel, defaultQueueId) {
      const { rows } = await w.pool.query<{ id: string }>(
        `insert into inboxes(channel, name, default_queue_id) values ($1, $2, $3) returning id`,
        [channel, `${channel} inbox ${++n}`, defaultQueueId],
      );
      return rows[0]!.id;
    },
    async send(inboxId, input) {
      const id = `${input.from}:${++n}`;
      const at = w.clock.now().toISOString();
      const event: InboundEvent = {
        eventId: `kit-${id}`,
        inboxId,
        channel: input.channel ?? 'telegram',
        type: 'message',
        externalMessageId: id,
        thread: { externalId: input.from },
        sender: { externalId: input.from, name: `Customer ${input.from}`, ...(input.locale ? { locale: input.locale } : {}) },
        content: { text: input.text ?? 'hello', attachments: [] },
        sentAt: at,
        receivedAt: at,
        raw: {},
      };
      return withTransaction(w.pool, async (tx) => {
        const outcome = await recordInbound(tx, event);
        if (outcome.kind !== 'stored') throw new Error(`expected the message to be stored, got ${outcome.kind}`);
        const routing = await routeInbound(tx, { conversationId: outcome.conversationId, messageId: outcome.messageId, conversation: outcome.conversation, event, now: w.clock.now() });
        return { outcome, routing };
      });
    },
    async businessHours(input) {
      const { rows } = await w.pool.query<{ id: string }>(
        `insert into business_hours(name, time_zone, weekly, holidays) values ('hours', $1, $2, $3) returning id`,
        [input.timeZone, JSON.stringify(input.weekly), JSON.stringify(input.holidays ?? [])],
      );
      return rows[0]!.id;
    },
    async slaPolicy(input) {
      const { rows } = await w.pool.query<{ id: string }>(
        `insert into sla_policies(name, first_response_s, next_response_s, resolution_s, business_hours_only, breach_priority_boost, pause_when_pending)
         values ('policy', $1, $2, $3, $4, $5, $6) returning id`,
        [input.frtS ?? null, input.nrtS ?? null, input.rtS ?? null, input.businessHoursOnly ?? false, input.boost ?? 0, input.pauseWhenPending ?? true],
      );
      return rows[0]!.id;
    },
    async setQueue(queueId, columns) {
      for (const [column, value] of Object.entries(columns)) await w.pool.query(`update queues set ${column} = $2 where id = $1`, [queueId, value]);
    },
    async rule(input) {
      const { rows } = await w.pool.query<{ id: string }>(
        `insert into routing_rules(name, position, match, queue_id, priority, required_skills, age_adjust_s, enabled)
         values ('rule', $1, $2, $3, $4, $5, $6, $7) returning id`,
        [input.position, JSON.stringify(input.match), input.queueId, input.priority ?? 0, JSON.stringify(input.requiredSkills ?? []), input.ageAdjustS ?? 0, input.enabled ?? true],
      );
      return rows[0]!.id;
    },
    async outbound(conversationId) {
      const { rows } = await w.pool.query(
        `select id, text, status, author_agent_id as "authorAgentId" from messages where conversation_id = $1 and direction = 'out' order by seq`,
        [conversationId],
      );
      return rows;
    },
    async timers(conversationId) {
      const { rows } = await w.pool.query(
        `select kind, anchor_message_id as "anchorMessageId", started_at as "startedAt", due_at as "dueAt", paused_at as "pausedAt",
                met_at as "metAt", breached_at as "breachedAt" from sla_timers where conversation_id = $1 order by id`,
        [conversationId],
      );
      return rows;
    },
  };
  return kit;
}
