import { parseReplyAddress, threadDecision, type KnownThread, type ParsedEmail, type ThreadDecision } from '@switchboard/channels';
import type { Queryable } from '@switchboard/db';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Conversation extends KnownThread {
  threadKey: string;
}

export interface ResolvedThread {
  decision: ThreadDecision;
  /** The thread key of the conversation the mail continues; undefined for a new one. */
  threadKey?: string;
}

/**
 * Prefetches every conversation the mail's headers could point at (one query for the
 * Message-IDs, one for the conversations), then lets the pure `threadDecision` choose.
 * Participants are the conversation's contact: only its customer may continue it.
 */
export async function resolveThread(db: Queryable, inboxId: string, parsed: ParsedEmail): Promise<ResolvedThread> {
  const ids = [...new Set([...(parsed.inReplyTo ? [parsed.inReplyTo] : []), ...parsed.references])];
  const byMessage = new Map<string, string>();
  if (ids.length > 0) {
    const { rows } = await db.query<{ externalId: string; conversationId: string }>(
      `select external_id as "externalId", conversation_id as "conversationId" from messages where inbox_id = $1 and external_id = any($2::text[])`,
      [inboxId, ids],
    );
    for (const row of rows) byMessage.set(row.externalId, row.conversationId);
  }
  const tokens = [...parsed.to, ...parsed.cc].map((a) => parseReplyAddress(a)?.token).filter((t): t is string => !!t && UUID.test(t));
  const wanted = [...new Set([...byMessage.values(), ...tokens])];
  const conversations = new Map<string, Conversation>();
  if (wanted.length > 0) {
    const { rows } = await db.query<{ id: string; threadKey: string; participants: string[] }>(
      `select c.id, c.thread_key as "threadKey",
              array(select ci.external_id from contact_identities ci where ci.contact_id = c.contact_id and ci.inbox_id = c.inbox_id) as participants
         from conversations c where c.inbox_id = $1 and c.id = any($2::uuid[])`,
      [inboxId, wanted],
    );
    for (const row of rows) conversations.set(row.id, { conversationId: row.id, threadKey: row.threadKey, participants: row.participants });
  }
  const decision = threadDecision(
    parsed,
    { byMessageId: (id) => conversations.get(byMessage.get(id) ?? '') },
    (address) => conversations.get(parseReplyAddress(address)?.token ?? ''),
  );
  return { decision, threadKey: decision.conversationId ? conversations.get(decision.conversationId)?.threadKey : undefined };
}
