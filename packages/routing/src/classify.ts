import type { InboundEvent } from '@switchboard/contracts';
import type { Queryable } from '@switchboard/db';
import { classifyByRules, type Classification, type RoutingRule, type RuleFacts } from './rules.ts';

/** Enabled rules in the order they are tried (position, then age). */
export async function loadRoutingRules(db: Queryable): Promise<RoutingRule[]> {
  const { rows } = await db.query(
    `select id, position, enabled, match, queue_id as "queueId", priority, required_skills as "requiredSkills", age_adjust_s as "ageAdjustS"
       from routing_rules where enabled order by position, created_at, id`,
  );
  return rows as RoutingRule[];
}

/**
 * The facts rules look at: channel and inbox of the conversation, the customer's locale (as
 * the channel reported it, else as remembered on the contact), the text that opened or
 * reopened it, and the contact's attributes.
 */
export async function loadRuleFacts(db: Queryable, conversationId: string, event: Pick<InboundEvent, 'sender' | 'content'>): Promise<{ facts: RuleFacts; defaultQueueId: string | null } | undefined> {
  const { rows } = await db.query<{ channel: string; inboxId: string; attributes: Record<string, unknown> | null; defaultQueueId: string | null }>(
    `select c.channel, c.inbox_id as "inboxId", k.attributes, i.default_queue_id as "defaultQueueId"
       from conversations c join inboxes i on i.id = c.inbox_id join contacts k on k.id = c.contact_id
      where c.id = $1`,
    [conversationId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const attributes = row.attributes ?? {};
  const remembered = typeof attributes.locale === 'string' ? attributes.locale : null;
  return {
    facts: { channel: row.channel, inboxId: row.inboxId, locale: event.sender.locale ?? remembered, text: event.content.text ?? null, contactAttributes: attributes },
    defaultQueueId: row.defaultQueueId,
  };
}

/** Where the conversation goes, by the first matching rule, else the inbox's default queue. */
export async function classifyConversation(db: Queryable, conversationId: string, event: Pick<InboundEvent, 'sender' | 'content'>): Promise<Classification | undefined> {
  const loaded = await loadRuleFacts(db, conversationId, event);
  if (!loaded) return undefined;
  return classifyByRules(await loadRoutingRules(db), loaded.facts, loaded.defaultQueueId);
}
