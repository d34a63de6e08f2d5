import { conversationVisibility, SELECT_CONVERSATION, type Conversation, type Viewer } from './conversations.ts';
import { appendEvent } from './events.ts';
import type { Queryable } from './pool.ts';

/**
 * What an agent tool uses to work conversations beside reading and replying: labels, priority,
 * full-text search over messages, a contact's history, and canned responses. Callers check
 * who may act; every read here that takes a viewer applies the conversation visibility rule.
 */

/** Adds and removes labels in one statement, so concurrent edits of one conversation compose. */
export async function changeLabels(
  db: Queryable,
  conversationId: string,
  change: { add?: readonly string[]; remove?: readonly string[] },
  agentId: string | null,
): Promise<string[] | undefined> {
  const { rows } = await db.query<{ labels: string[]; changed: boolean }>(
    `with old as (select labels from conversations where id = $1 for update),
          next as (
            select coalesce(array(select distinct l from unnest(old.labels || $2::text[]) as l where l <> all($3::text[]) order by l), '{}') as labels
              from old
          ),
          updated as (
            update conversations c set labels = next.labels, updated_at = now()
              from next, old where c.id = $1 and next.labels is distinct from old.labels
            returning c.labels
          )
     select next.labels, exists(select 1 from updated) as changed from next`,
    [conversationId, change.add ?? [], change.remove ?? []],
  );
  const row = rows[0];
  if (!row) return undefined;
  if (row.changed) {
    await appendEvent(db, { type: 'conversation.labels_changed', conversationId, agentId, payload: { labels: row.labels } });
  }
  return row.labels;
}

/** Labels on conversations `viewer` may see, with how many carry each. */
export async function labelsInUse(db: Queryable, viewer: Viewer): Promise<{ label: string; count: number }[]> {
  const params: unknown[] = [];
  const { rows } = await db.query<{ label: string; count: number }>(
    `select l as label, count(*)::int as count
       from conversations c cross join lateral unnest(c.labels) as l
      where ${conversationVisibility(viewer, params)}
      group by l order by l`,
    params,
  );
  return rows;
}

/**
 * Sets the routing priority (the dispatcher works highest first) under the row lock; the version
 * bump makes a dispatcher that read the old row retry. Says which queue to re-dispatch when the
 * conversation is waiting, since its place in line moved. Undefined when there is no such row.
 */
export async function setPriority(
  db: Queryable,
  conversationId: string,
  priority: number,
  agentId: string | null,
): Promise<{ previous: number; changed: boolean; waitingIn: string | null } | undefined> {
  const { rows } = await db.query<{ previous: number; queueId: string | null; state: string }>(
    `select priority as previous, queue_id as "queueId", routing_state as state from conversations where id = $1 for update`,
    [conversationId],
  );
  const row = rows[0];
  if (!row) return undefined;
  if (row.previous === priority) return { previous: priority, changed: false, waitingIn: null };
  await db.query(`update conversations set priority = $2, version = version + 1, updated_at = now() where id = $1`, [conversationId, priority]);
  await appendEvent(db, { type: 'conversation.priority_changed', conversationId, agentId, payload: { priority, previous: row.previous } });
  return { previous: row.previous, changed: true, waitingIn: row.state === 'queued' ? row.queueId : null };
}

export interface SearchMatch {
  messageId: string;
  seq: number;
  isPrivate: boolean;
  direction: 'in' | 'out';
  snippet: string;
  createdAt: Date;
}

export interface SearchHit {
  conversation: Conversation;
  matches: SearchMatch[];
  /** The newest matching message: the page order, and the cursor's position. */
  lastMatchAt: string;
}

/** Highlight markers: plain text, so a snippet is safe to show anywhere (no HTML from ts_headline). */
export const SNIPPET_START = '**';
export const SNIPPET_STOP = '**';
// written out rather than in a CTE, so the planner sees a constant and uses the GIN index
const EN = `websearch_to_tsquery('english', $1)`;
const RU = `websearch_to_tsquery('russian', $1)`;
const EITHER = `(${EN} || ${RU})`;
const HEADLINE_OPTIONS = `StartSel=${SNIPPET_START}, StopSel=${SNIPPET_STOP}, MaxWords=25, MinWords=8, MaxFragments=2, FragmentDelimiter=" … "`;

/**
 * Conversations with messages matching `query` (web-search syntax: words, "phrases", -not, or),
 * read as English and as Russian. Newest match first; `before` continues after a page's last
 * hit. Private notes match too: every caller of the API is staff.
 */
export async function searchMessages(
  db: Queryable,
  viewer: Viewer,
  input: { query: string; limit: number; matchesPerConversation: number; before?: { at: string; id: string } },
): Promise<SearchHit[]> {
  const params: unknown[] = [input.query];
  const visible = conversationVisibility(viewer, params);
  let after = '';
  if (input.before) {
    params.push(input.before.at, input.before.id);
    after = `where (h.last_match_at, h.conversation_id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
  }
  params.push(input.limit, input.matchesPerConversation, HEADLINE_OPTIONS);
  const [limit, perConversation, options] = [params.length - 2, params.length - 1, params.length].map((n) => `$${n}`);
  const { rows } = await db.query<{ conversationId: string; lastMatchAt: string; matches: SearchMatch[] }>(
    `with hits as (
            select m.conversation_id, max(m.created_at) as last_match_at
              from messages m join conversations c on c.id = m.conversation_id
             where m.search_tsv @@ ${EITHER} and ${visible}
             group by m.conversation_id
          ),
          page as (select * from hits h ${after} order by h.last_match_at desc, h.conversation_id desc limit ${limit})
     select p.conversation_id as "conversationId",
            to_char(p.last_match_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "lastMatchAt",
            (select coalesce(jsonb_agg(jsonb_build_object(
                      'messageId', x.id, 'seq', x.seq, 'isPrivate', x.is_private, 'direction', x.direction,
                      'createdAt', x.created_at,
                      'snippet', case when to_tsvector('english', coalesce(x.text, '')) @@ ${EN}
                                      then ts_headline('english', x.text, ${EN}, ${options})
                                      else ts_headline('russian', x.text, ${RU}, ${options}) end)
                      order by x.seq desc), '[]')
               from (select m.* from messages m where m.conversation_id = p.conversation_id and m.search_tsv @@ ${EITHER}
                      order by m.seq desc limit ${perConversation}) x) as matches
       from page p
      order by p.last_match_at desc, p.conversation_id desc`,
    params,
  );
  if (!rows.length) return [];
  const conversations = await conversationsById(db, rows.map((r) => r.conversationId));
  return rows.map((r) => ({
    conversation: conversations.get(r.conversationId)!,
    lastMatchAt: r.lastMatchAt,
    matches: r.matches.map((m) => ({ ...m, seq: Number(m.seq), createdAt: new Date(m.createdAt) })),
  }));
}

async function conversationsById(db: Queryable, ids: string[]): Promise<Map<string, Conversation>> {
  const { rows } = await db.query(`${SELECT_CONVERSATION} where c.id = any($1::uuid[])`, [ids]);
  return new Map((rows as Conversation[]).map((c) => [c.id, c]));
}

/**
 * A contact's conversations in every inbox and channel that `viewer` may see, newest first.
 * `before` is the (created_at, id) of the previous page's last one, in PostgreSQL's text form.
 */
export async function contactConversations(
  db: Queryable,
  viewer: Viewer,
  contactId: string,
  input: { limit: number; before?: { at: string; id: string } },
): Promise<(Conversation & { position: string })[]> {
  const params: unknown[] = [contactId];
  const where = ['c.contact_id = $1', conversationVisibility(viewer, params)];
  if (input.before) {
    params.push(input.before.at, input.before.id);
    where.push(`(c.created_at, c.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(input.limit);
  const { rows } = await db.query(
    `${SELECT_CONVERSATION.replace(
      ' as contact',
      ` as contact, to_char(c.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as position`,
    )} where ${where.join(' and ')} order by c.created_at desc, c.id desc limit $${params.length}`,
    params,
  );
  return rows as (Conversation & { position: string })[];
}

export async function contactExists(db: Queryable, contactId: string): Promise<boolean> {
  const { rowCount } = await db.query(`select 1 from contacts where id = $1`, [contactId]);
  return rowCount === 1;
}
