import { randomUUID } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { InboundEvent } from '@switchboard/contracts';
import { loadDelivery, recordInbound, withTransaction } from '@switchboard/db';
import { callers, fieldOf, receiveTelegramMessage, startTestApi, type TestApi } from './testing.ts';

let api: TestApi;
const { as, admin } = callers(() => api);
const ann = { id: '', token: '' }; // member of Support
const carl = { id: '', token: '' }; // member of Elsewhere only
let sue = ''; // a supervisor's token
let inboxId: string;
let otherInboxId: string;

async function createAgent(name: string, role = 'agent') {
  const { agent, token } = (await admin('POST', '/api/v1/agents', { name, role })).json();
  return { id: agent.id as string, token: token as string };
}

beforeAll(async () => {
  api = await startTestApi();
  Object.assign(ann, await createAgent('Ann'));
  Object.assign(carl, await createAgent('Carl'));
  sue = (await createAgent('Sue', 'supervisor')).token;
  const support = (await admin('POST', '/api/v1/queues', { name: 'Support', memberIds: [ann.id] })).json().id;
  const elsewhere = (await admin('POST', '/api/v1/queues', { name: 'Elsewhere', memberIds: [carl.id] })).json().id;
  const secrets = { botToken: '123456:AAbbCCdd_ee-ff' };
  inboxId = (await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Bot', defaultQueueId: support, secrets })).json().id;
  otherInboxId = (await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Other', defaultQueueId: elsewhere, secrets })).json().id;
});

afterAll(async () => {
  await api?.close();
});

const contactOf = async (conversationId: string) =>
  (await api.pool.query<{ contactId: string }>(`select contact_id as "contactId" from conversations where id = $1`, [conversationId])).rows[0]!.contactId;
const ids = (res: { json(): { items: { id: string }[] } }) => res.json().items.map((c) => c.id);

/** A reply by the supervisor, and the recipient egress would send it to. */
async function replyRecipient(conversationId: string): Promise<string | undefined> {
  const res = await as(sue, 'POST', `/api/v1/conversations/${conversationId}/messages`, { text: `reply ${randomUUID()}` });
  expect(res.statusCode).toBe(201);
  return (await loadDelivery(api.pool, res.json().id))?.recipientExternalId;
}

/** An inbound message from `sender` in thread `thread` (an email-like channel, where they differ). */
async function receiveInThread(sender: string, thread: string): Promise<string> {
  const now = new Date().toISOString();
  const id = randomUUID();
  const event: InboundEvent = {
    eventId: `t-${id}`, inboxId, channel: 'telegram', type: 'message', externalMessageId: id,
    thread: { externalId: thread }, sender: { externalId: sender }, content: { text: 'new thread', attachments: [] },
    sentAt: now, receivedAt: now, raw: {},
  };
  const outcome = await withTransaction(api.pool, (tx) => recordInbound(tx, event));
  if (outcome.kind !== 'stored') throw new Error(outcome.kind);
  return outcome.conversationId;
}

describe('contacts CRUD', () => {
  let vera: string;

  it('a supervisor creates a contact; agents may not; a contact needs a name, email or phone', async () => {
    const res = await as(sue, 'POST', '/api/v1/contacts', { name: 'Vera', email: 'vera@example.test', phone: '+1 (202) 555-0101', attributes: { vip: true } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ name: 'Vera', email: 'vera@example.test', phone: '+1 (202) 555-0101', attributes: { vip: true }, mergedIntoId: null, identities: [] });
    vera = res.json().id;
    expect((await as(ann.token, 'POST', '/api/v1/contacts', { name: 'Nope' })).statusCode).toBe(403);
    const empty = await as(sue, 'POST', '/api/v1/contacts', { attributes: { a: 1 } });
    expect(empty.statusCode).toBe(400);
    expect(fieldOf(empty)).toBe('body.name');
    expect(fieldOf(await as(sue, 'POST', '/api/v1/contacts', { email: 'not-an-email' }))).toBe('body.email');
    expect(fieldOf(await as(sue, 'POST', '/api/v1/contacts', { phone: 'call me' }))).toBe('body.phone');
  });

  it('patches fields and attributes: null clears a field or removes an attribute', async () => {
    const res = await as(sue, 'PATCH', `/api/v1/contacts/${vera}`, { email: null, attributes: { vip: null, tier: 'gold' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: 'Vera', email: null, attributes: { tier: 'gold' } });
    expect(res.json().attributes).not.toHaveProperty('vip');
    expect(fieldOf(await as(sue, 'PATCH', `/api/v1/contacts/${vera}`, {}))).toBe('body.name');
    expect((await as(ann.token, 'PATCH', `/api/v1/contacts/${vera}`, { name: 'X' })).statusCode).toBe(403);
    expect((await as(sue, 'PATCH', `/api/v1/contacts/${randomUUID()}`, { name: 'X' })).statusCode).toBe(404);
  });

  it('keeps a name an agent corrected when the customer writes again under their platform name', async () => {
    const conversation = await receiveTelegramMessage(api.pool, inboxId, '4141001');
    const contactId = (await as(sue, 'GET', `/api/v1/conversations/${conversation}`)).json().contact.id;
    expect((await as(sue, 'PATCH', `/api/v1/contacts/${contactId}`, { name: 'Vasily Petrov' })).statusCode).toBe(200);
    await receiveTelegramMessage(api.pool, inboxId, '4141001', 'again');
    expect((await as(sue, 'GET', `/api/v1/contacts/${contactId}`)).json().name).toBe('Vasily Petrov');
  });

  it('searches by name, email, phone digits and external id', async () => {
    const tom = (await as(sue, 'POST', '/api/v1/contacts', { name: 'Tom Search', email: 'tom.s@example.test' })).json().id;
    await receiveTelegramMessage(api.pool, inboxId, '4242001');
    expect(ids(await as(sue, 'GET', '/api/v1/contacts?q=vERa'))).toEqual([vera]);
    expect(ids(await as(sue, 'GET', '/api/v1/contacts?q=2025550101'))).toEqual([vera]);
    expect(ids(await as(sue, 'GET', `/api/v1/contacts?q=${encodeURIComponent('tom.s@')}`))).toEqual([tom]);
    const byExternal = (await as(sue, 'GET', '/api/v1/contacts?q=4242001')).json().items;
    expect(byExternal.map((c: { name: string }) => c.name)).toEqual(['Customer 4242001']);
    expect(ids(await as(sue, 'GET', '/api/v1/contacts?q=%25'))).toEqual([]);
  });

  it('pages newest first with a cursor, without overlap; a forged cursor is a 400', async () => {
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await as(sue, 'GET', `/api/v1/contacts?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      all.push(...ids(res));
      cursor = res.json().nextCursor;
    } while (cursor);
    const { rows } = await api.pool.query<{ id: string }>(`select id from contacts where merged_into_id is null order by created_at desc, id desc`);
    expect(all).toEqual(rows.map((r) => r.id));
    expect(all.length).toBeGreaterThanOrEqual(3);
    const bad = await as(sue, 'GET', '/api/v1/contacts?cursor=bm9wZQ');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_cursor');
  });

  it('only an admin deletes, and not while a conversation is open; history goes with the contact', async () => {
    const conversation = await receiveTelegramMessage(api.pool, inboxId, '4343001');
    const contact = await contactOf(conversation);
    expect((await as(sue, 'DELETE', `/api/v1/contacts/${contact}`)).statusCode).toBe(403);
    const refused = await admin('DELETE', `/api/v1/contacts/${contact}`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('contact_has_open_conversations');

    expect((await as(sue, 'POST', `/api/v1/conversations/${conversation}/resolve`)).statusCode).toBe(200);
    expect((await admin('DELETE', `/api/v1/contacts/${contact}`)).statusCode).toBe(204);
    expect((await admin('GET', `/api/v1/contacts/${contact}`)).statusCode).toBe(404);
    const left = await api.pool.query(`select 1 from conversations where id = $1 union all select 1 from contact_identities where contact_id = $2`, [conversation, contact]);
    expect(left.rowCount).toBe(0);
    const event = await api.pool.query(`select payload from events where type = 'contact.deleted' and payload->>'contactId' = $1`, [contact]);
    expect(event.rowCount).toBe(1);
    expect((await admin('DELETE', `/api/v1/contacts/${contact}`)).statusCode).toBe(404);
  });
});

describe('contact visibility', () => {
  let mine: string;
  let theirs: string;

  beforeAll(async () => {
    mine = await contactOf(await receiveTelegramMessage(api.pool, inboxId, '7001'));
    theirs = await contactOf(await receiveTelegramMessage(api.pool, otherInboxId, '7002'));
  });

  it('an agent reads contacts of conversations it can see, with their identities', async () => {
    const res = await as(ann.token, 'GET', `/api/v1/contacts/${mine}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().identities).toEqual([expect.objectContaining({ inboxId, channel: 'telegram', externalId: '7001', unreachableAt: null })]);
    expect((await as(ann.token, 'GET', `/api/v1/contacts/${theirs}`)).statusCode).toBe(404);
    expect((await as(carl.token, 'GET', `/api/v1/contacts/${theirs}`)).statusCode).toBe(200);
    expect((await as(carl.token, 'GET', `/api/v1/contacts/${mine}`)).statusCode).toBe(404);
  });

  it("an agent's list holds only those; a supervisor's holds every contact", async () => {
    const annList = ids(await as(ann.token, 'GET', '/api/v1/contacts?limit=100'));
    expect(annList).toContain(mine);
    expect(annList).not.toContain(theirs);
    const { rows } = await api.pool.query<{ id: string }>(
      `select distinct k.id from contacts k join conversations c on c.contact_id = k.id join queue_members m on m.queue_id = c.queue_id where m.agent_id = $1`,
      [ann.id],
    );
    expect(annList.sort()).toEqual(rows.map((r) => r.id).sort());
    const all = ids(await as(sue, 'GET', '/api/v1/contacts?limit=100'));
    expect(all).toEqual(expect.arrayContaining([mine, theirs]));
  });
});

describe('merging two contacts and undoing it', () => {
  let convP: string; // SMS-like: one chat per number, both in the same inbox
  let convQ: string;
  let p: string;
  let q: string;
  let mergeId: string;
  let identityQ: string;

  beforeAll(async () => {
    convP = await receiveTelegramMessage(api.pool, inboxId, '8001');
    convQ = await receiveTelegramMessage(api.pool, inboxId, '8002');
    p = await contactOf(convP);
    q = await contactOf(convQ);
    await as(sue, 'PATCH', `/api/v1/contacts/${q}`, { email: 'q@example.test', attributes: { plan: 'pro' } });
    identityQ = (await as(sue, 'GET', `/api/v1/contacts/${q}`)).json().identities[0].id;
  });

  it('agents may not merge; a contact is not merged into itself', async () => {
    expect((await as(ann.token, 'POST', `/api/v1/contacts/${p}/merge`, { fromContactId: q })).statusCode).toBe(403);
    expect(fieldOf(await as(sue, 'POST', `/api/v1/contacts/${p}/merge`, { fromContactId: p }))).toBe('body.fromContactId');
    expect(fieldOf(await as(sue, 'POST', `/api/v1/contacts/${p}/merge`, { fromContactId: randomUUID() }))).toBe('body.fromContactId');
  });

  it('moves identities and conversations, fills empty fields, and records what moved', async () => {
    const res = await as(sue, 'POST', `/api/v1/contacts/${p}/merge`, { fromContactId: q });
    expect(res.statusCode).toBe(201);
    const merge = res.json();
    mergeId = merge.id;
    expect(merge).toMatchObject({ intoContactId: p, fromContactId: q, identityIds: [identityQ], conversationIds: [convQ], undoneAt: null });
    expect(merge.mergedBy).toEqual(expect.any(String));

    const kept = (await as(sue, 'GET', `/api/v1/contacts/${p}`)).json();
    expect(kept.identities.map((i: { externalId: string }) => i.externalId).sort()).toEqual(['8001', '8002']);
    expect(kept).toMatchObject({ name: 'Customer 8001', email: 'q@example.test', attributes: { plan: 'pro' } });
    expect((await as(sue, 'GET', `/api/v1/contacts/${q}`)).json()).toMatchObject({ mergedIntoId: p, identities: [] });
    expect(await contactOf(convQ)).toBe(p);
    expect(ids(await as(sue, 'GET', '/api/v1/contacts?limit=100'))).not.toContain(q);
    // an agent who can see the conversations follows the tombstone to the kept contact
    expect((await as(ann.token, 'GET', `/api/v1/contacts/${q}`)).json().mergedIntoId).toBe(p);

    const again = await as(sue, 'POST', `/api/v1/contacts/${p}/merge`, { fromContactId: q });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(mergeId);
    const event = await api.pool.query(`select payload from events where type = 'contact.merged' and payload->>'mergeId' = $1`, [mergeId]);
    expect(event.rows).toEqual([{ payload: expect.objectContaining({ intoContactId: p, fromContactId: q, conversationIds: [convQ] }) }]);
  });

  it('replies in each old conversation still go to the number that conversation arrived on (chatwoot #15359)', async () => {
    expect(await replyRecipient(convP)).toBe('8001');
    expect(await replyRecipient(convQ)).toBe('8002');
  });

  it('a message after the merge lands in its old conversation; a new thread on the moved identity opens under the kept contact', async () => {
    expect(await receiveTelegramMessage(api.pool, inboxId, '8002', 'after the merge')).toBe(convQ);
    const newThread = await receiveInThread('8002', 'thread-8002-b');
    expect(await contactOf(newThread)).toBe(p);
    expect(await replyRecipient(newThread)).toBe('8002');
    const author = await api.pool.query(`select author_contact_id as a from messages where conversation_id = $1 and text = 'after the merge'`, [convQ]);
    expect(author.rows[0].a).toBe(p);
  });

  it('a merged contact cannot be edited, deleted or merged again', async () => {
    expect((await as(sue, 'PATCH', `/api/v1/contacts/${q}`, { name: 'X' })).json().error.code).toBe('contact_merged');
    expect((await admin('DELETE', `/api/v1/contacts/${q}`)).json().error.code).toBe('contact_merged');
    const other = (await as(sue, 'POST', '/api/v1/contacts', { name: 'Other' })).json().id;
    expect((await as(sue, 'POST', `/api/v1/contacts/${other}/merge`, { fromContactId: q })).json().error.code).toBe('contact_merged');
    expect((await as(sue, 'POST', `/api/v1/contacts/${q}/merge`, { fromContactId: other })).json().error.code).toBe('contact_merged');
  });

  it('undo restores exactly what moved, with what arrived since on the moved identity', async () => {
    const newThread = (await api.pool.query<{ id: string }>(`select id from conversations where thread_key = 'thread-8002-b'`)).rows[0]!.id;
    expect((await as(ann.token, 'POST', `/api/v1/contacts/merges/${mergeId}/undo`)).statusCode).toBe(403);
    const res = await as(sue, 'POST', `/api/v1/contacts/merges/${mergeId}/undo`);
    expect(res.statusCode).toBe(200);
    expect(res.json().undoneAt).not.toBeNull();
    expect(res.json().restoredConversationIds.sort()).toEqual([convQ, newThread].sort());

    const kept = (await as(sue, 'GET', `/api/v1/contacts/${p}`)).json();
    expect(kept.identities.map((i: { externalId: string }) => i.externalId)).toEqual(['8001']);
    expect(kept.email).toBeNull();
    expect(kept.attributes).not.toHaveProperty('plan');
    const restored = (await as(sue, 'GET', `/api/v1/contacts/${q}`)).json();
    expect(restored).toMatchObject({ mergedIntoId: null, email: 'q@example.test', attributes: { plan: 'pro' } });
    expect(restored.identities.map((i: { id: string }) => i.id)).toEqual([identityQ]);
    expect([await contactOf(convP), await contactOf(convQ), await contactOf(newThread)]).toEqual([p, q, q]);
    const authors = await api.pool.query(`select distinct author_contact_id as a from messages where conversation_id = any($1) and direction = 'in'`, [[convQ, newThread]]);
    expect(authors.rows).toEqual([{ a: q }]);

    expect(await replyRecipient(convP)).toBe('8001');
    expect(await replyRecipient(convQ)).toBe('8002');
    // a message after the undo is the restored contact's
    expect(await receiveTelegramMessage(api.pool, inboxId, '8002', 'after the undo')).toBe(convQ);
    expect(await contactOf(convQ)).toBe(q);

    const again = await as(sue, 'POST', `/api/v1/contacts/merges/${mergeId}/undo`);
    expect(again.statusCode).toBe(200);
    expect(again.json().undoneAt).toBe(res.json().undoneAt);
    expect((await api.pool.query(`select 1 from events where type = 'contact.unmerged' and payload->>'mergeId' = $1`, [mergeId])).rowCount).toBe(1);
    const history = (await as(sue, 'GET', `/api/v1/contacts/${p}/merges`)).json();
    expect(history.map((m: { id: string }) => m.id)).toEqual([mergeId]);
    expect((await as(sue, 'POST', `/api/v1/contacts/merges/${randomUUID()}/undo`)).statusCode).toBe(404);
  });

  it('keeps what the kept contact changed since the merge, and refuses an undo a later merge depends on', async () => {
    const a = (await as(sue, 'POST', '/api/v1/contacts', { name: 'A' })).json().id;
    const b = (await as(sue, 'POST', '/api/v1/contacts', { name: 'B', phone: '+44 20 7946 0000' })).json().id;
    const c = (await as(sue, 'POST', '/api/v1/contacts', { name: 'C' })).json().id;
    const first = (await as(sue, 'POST', `/api/v1/contacts/${a}/merge`, { fromContactId: b })).json();
    await as(sue, 'PATCH', `/api/v1/contacts/${a}`, { phone: '+44 20 7946 1111' });
    const second = (await as(sue, 'POST', `/api/v1/contacts/${c}/merge`, { fromContactId: a })).json();

    const blocked = await as(sue, 'POST', `/api/v1/contacts/merges/${first.id}/undo`);
    expect(blocked.statusCode).toBe(409);
    expect(blocked.json().error.code).toBe('merge_superseded');
    expect((await as(sue, 'POST', `/api/v1/contacts/merges/${second.id}/undo`)).statusCode).toBe(200);
    expect((await as(sue, 'POST', `/api/v1/contacts/merges/${first.id}/undo`)).statusCode).toBe(200);
    expect((await as(sue, 'GET', `/api/v1/contacts/${a}`)).json()).toMatchObject({ phone: '+44 20 7946 1111', mergedIntoId: null });
    expect((await as(sue, 'GET', `/api/v1/contacts/${b}`)).json()).toMatchObject({ phone: '+44 20 7946 0000', mergedIntoId: null });
  });

  it('deleting a contact takes the contacts merged into it along', async () => {
    const a = (await as(sue, 'POST', '/api/v1/contacts', { name: 'Keep' })).json().id;
    const b = await contactOf(await receiveTelegramMessage(api.pool, inboxId, '8101'));
    const conversation = (await api.pool.query<{ id: string }>(`select id from conversations where contact_id = $1`, [b])).rows[0]!.id;
    await as(sue, 'POST', `/api/v1/contacts/${a}/merge`, { fromContactId: b });
    expect((await admin('DELETE', `/api/v1/contacts/${a}`)).json().error.code).toBe('contact_has_open_conversations');
    await as(sue, 'POST', `/api/v1/conversations/${conversation}/resolve`);
    expect((await admin('DELETE', `/api/v1/contacts/${a}`)).statusCode).toBe(204);
    const left = await api.pool.query(`select id from contacts where id = any($1)`, [[a, b]]);
    expect(left.rowCount).toBe(0);
  });
});
