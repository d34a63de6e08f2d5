import { mayReplaceCountry, type CountrySource } from '@switchboard/contracts';
import { appendEvent } from './events.ts';
import type { Queryable } from './pool.ts';
import { conversationVisibility, type Viewer } from './conversations.ts';

/** A customer; identities tie them to channels. A merged contact is a tombstone with `mergedIntoId`. */
export interface Contact {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  /** ISO 3166-1 alpha-2; null when nothing the customer sent named a country (docs/reports.md "Regions"). */
  country: string | null;
  countrySource: CountrySource | null;
  attributes: Record<string, unknown>;
  mergedIntoId: string | null;
  mergedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Where the contact is reachable: one account on one inbox. */
export interface ContactIdentity {
  id: string;
  inboxId: string;
  channel: string;
  externalId: string;
  username: string | null;
  unreachableAt: Date | null;
  createdAt: Date;
}

export interface ContactMerge {
  id: string;
  intoContactId: string;
  fromContactId: string;
  mergedBy: string | null;
  mergedAt: Date;
  identityIds: string[];
  conversationIds: string[];
  undoneAt: Date | null;
  undoneBy: string | null;
  restoredConversationIds: string[] | null;
}

type Attributes = Record<string, unknown>;
type Fillable = 'name' | 'email' | 'phone';
const FILLABLE: readonly Fillable[] = ['name', 'email', 'phone'];

/** What a merge copied into the kept contact's empty fields; an undo takes back what is still unchanged. */
interface Filled {
  name?: string;
  email?: string;
  phone?: string;
  attributes?: Attributes;
  /** The merged contact's country, taken because its source ranks higher; `replaced` is what the kept one had. */
  country?: { country: string; source: CountrySource; replaced: { country: string; source: CountrySource } | null };
}

const CONTACT_COLUMNS = `k.id, k.name, k.email, k.phone, k.country, k.country_source as "countrySource", k.attributes, k.merged_into_id as "mergedIntoId", k.merged_at as "mergedAt",
         k.created_at as "createdAt", k.updated_at as "updatedAt"`;
const SELECT_CONTACT = `select ${CONTACT_COLUMNS} from contacts k`;

const SELECT_MERGE = `
  select id, into_contact_id as "intoContactId", from_contact_id as "fromContactId", merged_by as "mergedBy",
         merged_at as "mergedAt", identity_ids as "identityIds", conversation_ids as "conversationIds",
         undone_at as "undoneAt", undone_by as "undoneBy", restored_conversation_ids as "restoredConversationIds"
    from contact_merges`;

/**
 * Agents see the contacts of conversations they can see (the rule of conversations.ts); a
 * tombstone is seen through the contact it was merged into. Supervisors and admins see all.
 */
function visibility(viewer: Viewer, params: unknown[]): string {
  if (viewer.role !== 'agent') return 'true';
  return `exists (select 1 from conversations c where c.contact_id = coalesce(k.merged_into_id, k.id) and ${conversationVisibility(viewer, params)})`;
}

const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

export interface ContactFilter {
  /** Part of a name, email or phone (phone digits match whatever the punctuation), or an exact external id. */
  q?: string;
  /** Contacts created before this position, newest first; createdAt in PostgreSQL's text form keeps microseconds. */
  cursor?: { createdAt: string; id: string };
  limit: number;
}

/** A page of live (unmerged) contacts, each with its position for the next cursor. */
export async function listContacts(db: Queryable, viewer: Viewer, filter: ContactFilter): Promise<(Contact & { position: string })[]> {
  const params: unknown[] = [];
  const where = ['k.merged_into_id is null', visibility(viewer, params)];
  if (filter.q) {
    params.push(likePattern(filter.q));
    const like = `$${params.length}`;
    const match = [`k.name ilike ${like}`, `k.email ilike ${like}`, `k.phone ilike ${like}`];
    const digits = filter.q.replace(/\D/g, '');
    if (digits.length >= 3) {
      params.push(`%${digits}%`);
      match.push(`regexp_replace(k.phone, '\\D', '', 'g') like $${params.length}`);
    }
    params.push(filter.q);
    match.push(`exists (select 1 from contact_identities ci where ci.contact_id = k.id and (ci.external_id = $${params.length} or ci.username = $${params.length}))`);
    where.push(`(${match.join(' or ')})`);
  }
  if (filter.cursor) {
    params.push(filter.cursor.createdAt, filter.cursor.id);
    where.push(`(k.created_at, k.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(filter.limit);
  // the position at microsecond precision: a cursor built from a JS Date would skip rows within one millisecond
  const { rows } = await db.query(
    `select ${CONTACT_COLUMNS}, to_char(k.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as position
       from contacts k where ${where.join(' and ')} order by k.created_at desc, k.id desc limit $${params.length}`,
    params,
  );
  return rows as (Contact & { position: string })[];
}

export async function getContact(db: Queryable, id: string, viewer?: Viewer): Promise<Contact | undefined> {
  const params: unknown[] = [id];
  const where = ['k.id = $1', viewer ? visibility(viewer, params) : 'true'];
  const { rows } = await db.query(`${SELECT_CONTACT} where ${where.join(' and ')}`, params);
  return rows[0] as Contact | undefined;
}

export async function listIdentities(db: Queryable, contactId: string): Promise<ContactIdentity[]> {
  const { rows } = await db.query(
    `select id, inbox_id as "inboxId", channel, external_id as "externalId", username, unreachable_at as "unreachableAt", created_at as "createdAt"
       from contact_identities where contact_id = $1 order by created_at, id`,
    [contactId],
  );
  return rows as ContactIdentity[];
}

export interface ContactInput {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  /** Set by a person, so source `admin`: never overwritten by a derived one. Null clears it (derivation may fill it again). */
  country?: string | null;
  /** Shallow merge on update: a key set to null is removed. */
  attributes?: Attributes;
}

export async function createContact(db: Queryable, input: ContactInput): Promise<Contact> {
  const { rows } = await db.query<{ id: string }>(
    `insert into contacts(name, email, phone, attributes, country, country_source) values ($1, $2, $3, $4, $5, case when $5::text is null then null else 'admin' end) returning id`,
    [input.name ?? null, input.email ?? null, input.phone ?? null, withoutNulls(input.attributes ?? {}), input.country ?? null],
  );
  return (await getContact(db, rows[0]!.id))!;
}

/** Applies a partial update; undefined when there is no such contact. */
export async function updateContact(db: Queryable, id: string, input: ContactInput): Promise<Contact | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `update contacts set
            name = case when $2 then $3 else name end,
            email = case when $4 then $5 else email end,
            phone = case when $6 then $7 else phone end,
            attributes = (attributes || $8::jsonb) - $9::text[],
            country = case when $10 then $11 else country end,
            country_source = case when not $10 then country_source when $11::text is null then null else 'admin' end,
            updated_at = now()
      where id = $1 returning id`,
    [
      id,
      input.name !== undefined, input.name ?? null,
      input.email !== undefined, input.email ?? null,
      input.phone !== undefined, input.phone ?? null,
      withoutNulls(input.attributes ?? {}),
      Object.entries(input.attributes ?? {}).filter(([, v]) => v === null).map(([k]) => k),
      input.country !== undefined, input.country ?? null,
    ],
  );
  return rows[0] && getContact(db, id);
}

function withoutNulls(attributes: Attributes): Attributes {
  return Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== null));
}

/** Locks contacts in id order (the fixed lock order every writer of two contacts follows). */
export async function lockContacts(tx: Queryable, ids: string[]): Promise<Map<string, Contact>> {
  const { rows } = await tx.query(`${SELECT_CONTACT} where k.id = any($1::uuid[]) order by k.id for update`, [ids]);
  return new Map((rows as Contact[]).map((c) => [c.id, c]));
}

export async function countOpenConversations(db: Queryable, contactId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::int as n from conversations where contact_id = $1 and status <> 'resolved'`,
    [contactId],
  );
  return rows[0]!.n;
}

/**
 * Deletes a contact with its (resolved) conversations, identities and the tombstones merged
 * into it. Messages it wrote in other contacts' conversations stay, without an author.
 * The caller holds the contact's lock and has checked that no conversation is open.
 */
export async function deleteContact(tx: Queryable, id: string, actorAgentId: string | null): Promise<void> {
  const { rows } = await tx.query<{ id: string }>(
    `with recursive family(id) as (
       select $1::uuid union select k.id from contacts k join family f on k.merged_into_id = f.id)
     select id from family`,
    [id],
  );
  const ids = rows.map((r) => r.id);
  await tx.query(`delete from conversations where contact_id = any($1::uuid[])`, [ids]);
  await tx.query(`update messages set author_contact_id = null where author_contact_id = any($1::uuid[])`, [ids]);
  // contact_merges and identities go with the contacts (on delete cascade)
  await tx.query(`delete from contacts where id = any($1::uuid[])`, [ids]);
  await appendEvent(tx, { type: 'contact.deleted', agentId: actorAgentId, payload: { contactId: id, removedContactIds: ids } });
}

export async function getMerge(db: Queryable, id: string, lock = false): Promise<ContactMerge | undefined> {
  const { rows } = await db.query(`${SELECT_MERGE} where id = $1${lock ? ' for update' : ''}`, [id]);
  return rows[0] as ContactMerge | undefined;
}

/** Merges into or out of this contact, newest first. */
export async function listMerges(db: Queryable, contactId: string): Promise<ContactMerge[]> {
  const { rows } = await db.query(
    `${SELECT_MERGE} where into_contact_id = $1 or from_contact_id = $1 order by merged_at desc, id desc limit 200`,
    [contactId],
  );
  return rows as ContactMerge[];
}

/** The merge that made `fromContactId` a tombstone, when it is still in effect. */
export async function activeMergeOf(db: Queryable, fromContactId: string): Promise<ContactMerge | undefined> {
  const { rows } = await db.query(`${SELECT_MERGE} where from_contact_id = $1 and undone_at is null`, [fromContactId]);
  return rows[0] as ContactMerge | undefined;
}

/**
 * Locks contacts for a write that moves or deletes identities: their identities (and `identityIds`)
 * first, then the contacts in id order. The router locks an identity and then its contact, so the
 * same order here cannot deadlock with it.
 */
export async function lockContactsForWrite(tx: Queryable, contactIds: string[], identityIds: string[] = []): Promise<Map<string, Contact>> {
  await tx.query(
    `select 1 from contact_identities where contact_id = any($1::uuid[]) or id = any($2::uuid[]) order by id for update`,
    [contactIds, identityIds],
  );
  return lockContacts(tx, contactIds);
}

/**
 * Merges `from` into `into`: identities and conversations move, empty fields of `into` are
 * filled from `from`, and `from` becomes a tombstone. Conversations keep the identity they
 * arrived on, so replies still reach the same number. Checks are the caller's (both exist,
 * neither is a tombstone), after `lockContactsForWrite(tx, [into, from])`.
 */
export async function mergeContacts(
  tx: Queryable,
  into: Contact,
  from: Contact,
  actorAgentId: string | null,
): Promise<ContactMerge> {
  const identities = await tx.query<{ id: string }>(`update contact_identities set contact_id = $1 where contact_id = $2 returning id`, [into.id, from.id]);
  const conversations = await tx.query<{ id: string }>(
    `update conversations set contact_id = $1, updated_at = now() where contact_id = $2 returning id`,
    [into.id, from.id],
  );
  const filled: Filled = {};
  for (const field of FILLABLE) {
    const value = from[field];
    if (into[field] === null && value !== null) filled[field] = value;
  }
  const addedAttributes = Object.fromEntries(Object.entries(from.attributes).filter(([key]) => !(key in into.attributes)));
  if (Object.keys(addedAttributes).length > 0) filled.attributes = addedAttributes;
  // the country of higher precedence survives (an admin's over a phone's over a locale's); on a tie the kept contact's
  if (from.country !== null && from.countrySource !== null && mayReplaceCountry(into.countrySource, from.countrySource)) {
    const replaced = into.country !== null && into.countrySource !== null ? { country: into.country, source: into.countrySource } : null;
    filled.country = { country: from.country, source: from.countrySource, replaced };
  }
  await tx.query(
    `update contacts set name = coalesce(name, $2), email = coalesce(email, $3), phone = coalesce(phone, $4),
            attributes = $5::jsonb || attributes,
            country = coalesce($6, country), country_source = coalesce($7, country_source), updated_at = now() where id = $1`,
    [into.id, filled.name ?? null, filled.email ?? null, filled.phone ?? null, addedAttributes, filled.country?.country ?? null, filled.country?.source ?? null],
  );
  await tx.query(`update contacts set merged_into_id = $1, merged_at = now(), updated_at = now() where id = $2`, [into.id, from.id]);
  const identityIds = identities.rows.map((r) => r.id);
  const conversationIds = conversations.rows.map((r) => r.id);
  const { rows } = await tx.query<{ id: string }>(
    `insert into contact_merges(into_contact_id, from_contact_id, merged_by, identity_ids, conversation_ids, filled)
     values ($1, $2, $3, $4, $5, $6) returning id`,
    [into.id, from.id, actorAgentId, identityIds, conversationIds, filled],
  );
  const mergeId = rows[0]!.id;
  await appendEvent(tx, {
    type: 'contact.merged',
    agentId: actorAgentId,
    payload: { mergeId, intoContactId: into.id, fromContactId: from.id, identityIds, conversationIds },
  });
  return (await getMerge(tx, mergeId))!;
}

/**
 * Moves back exactly what `merge` moved: its identities, its conversations, and conversations
 * opened since on one of those identities (they belong to the restored contact), with the
 * messages the customer wrote in them since the merge. Fields filled by the merge are cleared
 * where nobody changed them since. The caller holds the merge row's lock (`getMerge(…, true)`)
 * and `lockContactsForWrite(tx, [into, from], merge.identityIds)`, and has checked that `into`
 * is not itself merged away.
 */
export async function undoMerge(tx: Queryable, merge: ContactMerge, actorAgentId: string | null): Promise<ContactMerge> {
  const { intoContactId: into, fromContactId: from } = merge;
  await tx.query(`update contact_identities set contact_id = $2 where id = any($3::uuid[]) and contact_id = $1`, [into, from, merge.identityIds]);
  const restored = await tx.query<{ id: string }>(
    `update conversations c set contact_id = $2, updated_at = now()
      where c.contact_id = $1
        and (c.id = any($3::uuid[]) or c.contact_identity_id = any($4::uuid[]))
      returning c.id`,
    [into, from, merge.conversationIds, merge.identityIds],
  );
  const restoredIds = restored.rows.map((r) => r.id);
  await tx.query(
    `update messages set author_contact_id = $2
      where conversation_id = any($3::uuid[]) and direction = 'in' and author_contact_id = $1
        and created_at >= (select merged_at from contact_merges where id = $4)`,
    [into, from, restoredIds, merge.id],
  );
  const { rows } = await tx.query<{ filled: Filled }>(`select filled from contact_merges where id = $1`, [merge.id]);
  const filled = rows[0]!.filled;
  const attributes = filled.attributes ?? {};
  await tx.query(
    `update contacts k set
            name = case when k.name = $2 then null else k.name end,
            email = case when k.email = $3 then null else k.email end,
            phone = case when k.phone = $4 then null else k.phone end,
            attributes = k.attributes - array(select key from jsonb_each($5::jsonb) a where k.attributes -> a.key = a.value),
            country = case when k.country = $6 and k.country_source = $7 then $8 else k.country end,
            country_source = case when k.country = $6 and k.country_source = $7 then $9 else k.country_source end,
            updated_at = now()
      where k.id = $1`,
    [
      into, filled.name ?? null, filled.email ?? null, filled.phone ?? null, attributes,
      filled.country?.country ?? null, filled.country?.source ?? null, filled.country?.replaced?.country ?? null, filled.country?.replaced?.source ?? null,
    ],
  );
  await tx.query(`update contacts set merged_into_id = null, merged_at = null, updated_at = now() where id = $1`, [from]);
  await tx.query(
    `update contact_merges set undone_at = now(), undone_by = $2, restored_conversation_ids = $3 where id = $1`,
    [merge.id, actorAgentId, restoredIds],
  );
  await appendEvent(tx, {
    type: 'contact.unmerged',
    agentId: actorAgentId,
    payload: { mergeId: merge.id, intoContactId: into, fromContactId: from, identityIds: merge.identityIds, conversationIds: restoredIds },
  });
  return (await getMerge(tx, merge.id))!;
}
