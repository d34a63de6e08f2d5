import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { dispatchQueue, manualClock, transferConversation } from '@switchboard/routing';
import { jobIdFor } from '@switchboard/queue';
import { waitFor } from '@switchboard/testkit';
import { callers, fieldOf, receiveTelegramMessage, startTestApi, type TestApi, waitingJobs } from './testing.ts';

/** Conversation status (pending, snoozed, open), reopen, and the transfer guard, over HTTP on a real database. */

let api: TestApi;
const { as, admin } = callers(() => api);
const clock = manualClock(new Date());
let queueId: string;
let lineQueueId: string;
let inboxId: string;
const ann = { id: '', token: '' };
const bob = { id: '', token: '' };
const carl = { id: '', token: '' }; // in no queue
let supervisor: string;
let chat = 0;

const setStatus = (token: string, id: string, body: object) => as(token, 'PUT', `/api/v1/conversations/${id}/status`, body);
const jobs = async () => (await waitingJobs(api.prefix, 'routing')).map((j) => j.data);
const row = async (id: string) =>
  (await api.pool.query(`select status, routing_state as "routingState", assignee_id as "assigneeId", sticky_agent_id as "stickyAgentId", snoozed_until as "snoozedUntil" from conversations where id = $1`, [id])).rows[0];
const rtTimer = async (id: string) => (await api.pool.query(`select paused_at as "pausedAt", due_at as "dueAt" from sla_timers where conversation_id = $1 and kind = 'rt'`, [id])).rows[0];
const active = async (agentId: string) => (await api.pool.query(`select active from agent_load where agent_id = $1 and channel = 'telegram'`, [agentId])).rows[0].active;

async function createAgent(into: { id: string; token: string }, name: string) {
  const { agent, token } = (await admin('POST', '/api/v1/agents', { name, capacity: { telegram: 1 } })).json();
  Object.assign(into, { id: agent.id, token });
}
/** A new Telegram chat, dispatched: with only Ann online and free, it is hers. */
async function chatFor(agent: { id: string }) {
  const id = await receiveTelegramMessage(api.pool, inboxId, `s${++chat}`);
  await dispatchQueue(api.pool, queueId, { clock });
  expect(await row(id)).toMatchObject({ routingState: 'assigned', assigneeId: agent.id });
  return id;
}

beforeAll(async () => {
  api = await startTestApi({ clock });
  await createAgent(ann, 'Ann');
  await createAgent(bob, 'Bob');
  await createAgent(carl, 'Carl');
  supervisor = (await admin('POST', '/api/v1/agents', { name: 'Sue', role: 'supervisor' })).json().token;
  queueId = (await admin('POST', '/api/v1/queues', { name: 'Chat', memberIds: [ann.id, bob.id] })).json().id;
  const policy = (await api.pool.query(`insert into sla_policies(name, resolution_s, pause_when_pending) values ('rt', 3600, true) returning id`)).rows[0].id;
  await admin('PATCH', `/api/v1/queues/${queueId}`, { releaseOnPending: true, slaPolicyId: policy });
  lineQueueId = (await admin('POST', '/api/v1/queues', { name: 'Line', memberIds: [] })).json().id;
  inboxId = (await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Bot', defaultQueueId: queueId, secrets: { botToken: '123456:AAbbCCdd_ee-ff' } })).json().id;
  await as(ann.token, 'PUT', '/api/v1/me/status', { status: 'online' });
});
afterAll(async () => {
  await api?.close();
});

describe('PUT /conversations/:id/status', () => {
  it('scenario 44: pending gives the assignee capacity back and asks for a dispatch; open takes it back', async () => {
    const c = await chatFor(ann);
    const rtDue = new Date(clock.now().getTime() + 3_600_000);
    await api.pool.query(`insert into sla_timers(conversation_id, kind, started_at, due_at) values ($1, 'rt', $2, $3)`, [c, clock.now(), rtDue]);
    expect((await setStatus(bob.token, c, { status: 'pending' })).statusCode).toBe(403);
    expect((await setStatus(carl.token, c, { status: 'pending' })).statusCode).toBe(404);
    expect(await active(ann.id)).toBe(1);

    const pending = await setStatus(ann.token, c, { status: 'pending' });
    expect(pending.statusCode).toBe(200);
    expect(pending.json()).toMatchObject({ conversation: { id: c, status: 'pending', routingState: 'assigned', assigneeId: ann.id }, snoozedUntil: null, released: true, reclaim: 'none' });
    expect(await active(ann.id)).toBe(0);
    expect(await jobs()).toContainEqual({ queueId, reason: 'capacity_freed' });

    expect(await rtTimer(c)).toMatchObject({ pausedAt: clock.now() });

    clock.advance(10 * 60_000);
    const open = await setStatus(ann.token, c, { status: 'open' });
    expect(open.json()).toMatchObject({ conversation: { status: 'open', assigneeId: ann.id }, released: false, reclaim: 'reclaimed' });
    expect(await active(ann.id)).toBe(1);
    // the ten paused minutes do not count, and the moved due time has its timer armed
    const due = new Date(rtDue.getTime() + 10 * 60_000);
    expect(await rtTimer(c)).toEqual({ pausedAt: null, dueAt: due });
    expect(await waitingJobs(api.prefix, 'routing-timers')).toContainEqual({ id: jobIdFor('sla', c, due.toISOString()), data: { kind: 'sla-due', conversationId: c } });
    await as(supervisor, 'POST', `/api/v1/conversations/${c}/resolve`);
  });

  it('scenario 44: snoozing needs a time in the future; a supervisor may snooze and the conversation holds the time', async () => {
    const c = await chatFor(ann);
    expect(fieldOf(await setStatus(ann.token, c, { status: 'snoozed' }))).toBe('body.snoozedUntil');
    const past = new Date(clock.now().getTime() - 1_000).toISOString();
    expect(fieldOf(await setStatus(ann.token, c, { status: 'snoozed', snoozedUntil: past }))).toBe('body.snoozedUntil');
    expect(fieldOf(await setStatus(ann.token, c, { status: 'snoozed', snoozedUntil: 'tomorrow' }))).toBe('body.snoozedUntil');
    expect(fieldOf(await setStatus(ann.token, c, { status: 'open', snoozedUntil: new Date(clock.now().getTime() + 60_000).toISOString() }))).toBe('body.snoozedUntil');
    expect(fieldOf(await setStatus(ann.token, c, { status: 'resolved' }))).toBe('body.status');
    expect(await row(c)).toMatchObject({ status: 'open', snoozedUntil: null });

    const until = new Date(clock.now().getTime() + 3_600_000);
    const snoozed = await setStatus(supervisor, c, { status: 'snoozed', snoozedUntil: until.toISOString() });
    expect(snoozed.statusCode).toBe(200);
    expect(snoozed.json()).toMatchObject({ conversation: { status: 'snoozed' }, snoozedUntil: until.toISOString(), released: true });
    expect(await row(c)).toMatchObject({ status: 'snoozed', snoozedUntil: until });
    expect(await active(ann.id)).toBe(0);
  });

  it('scenario 44: opening for an agent who filled up meanwhile requeues the conversation, sticky to them, and asks for a dispatch', async () => {
    const snoozed = (await api.pool.query(`select id from conversations where status = 'snoozed'`)).rows[0].id;
    const other = await chatFor(ann); // the slot the snooze freed
    const open = await setStatus(ann.token, snoozed, { status: 'open' });
    expect(open.json()).toMatchObject({ conversation: { status: 'open', routingState: 'queued', assigneeId: null }, reclaim: 'requeued' });
    expect(await row(snoozed)).toMatchObject({ stickyAgentId: ann.id, snoozedUntil: null });
    expect(await active(ann.id)).toBe(1);
    expect(await jobs()).toContainEqual({ queueId, reason: 'requeued' });

    await as(ann.token, 'POST', `/api/v1/conversations/${other}/resolve`);
    const closed = await setStatus(supervisor, other, { status: 'pending' });
    expect(closed.statusCode).toBe(409);
    expect(closed.json().error.code).toBe('conversation_closed');
    expect((await setStatus(supervisor, '00000000-0000-4000-8000-000000000000', { status: 'open' })).statusCode).toBe(404);
    await dispatchQueue(api.pool, queueId, { clock });
    expect(await row(snoozed)).toMatchObject({ routingState: 'assigned', assigneeId: ann.id });
    await as(ann.token, 'POST', `/api/v1/conversations/${snoozed}/resolve`);
  });
});

describe('POST /conversations/:id/reopen', () => {
  it('scenario 32: a resolved conversation is reopened by its last agent or a supervisor, back in line with that agent first', async () => {
    const c = await chatFor(ann);
    const early = await as(supervisor, 'POST', `/api/v1/conversations/${c}/reopen`);
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe('conversation_not_resolved');
    expect((await as(ann.token, 'POST', `/api/v1/conversations/${c}/resolve`)).json()).toMatchObject({ status: 'resolved', routingState: 'closed' });

    expect((await as(bob.token, 'POST', `/api/v1/conversations/${c}/reopen`)).statusCode).toBe(403);
    expect((await as(carl.token, 'POST', `/api/v1/conversations/${c}/reopen`)).statusCode).toBe(404);
    expect((await as(supervisor, 'POST', '/api/v1/conversations/00000000-0000-4000-8000-000000000000/reopen')).statusCode).toBe(404);
    const reopened = await as(ann.token, 'POST', `/api/v1/conversations/${c}/reopen`);
    expect(reopened.statusCode).toBe(200);
    expect(reopened.json()).toMatchObject({ id: c, status: 'open', routingState: 'queued', queueId, assigneeId: null, resolvedAt: null });
    expect(await row(c)).toMatchObject({ stickyAgentId: ann.id });
    expect(await jobs()).toContainEqual({ queueId, reason: 'reopened' });

    // Bob is online with room too, but the last agent gets first refusal
    await as(bob.token, 'PUT', '/api/v1/me/status', { status: 'online' });
    await dispatchQueue(api.pool, queueId, { clock });
    expect(await row(c)).toMatchObject({ routingState: 'assigned', assigneeId: ann.id });

    await as(ann.token, 'POST', `/api/v1/conversations/${c}/resolve`);
    expect((await as(supervisor, 'POST', `/api/v1/conversations/${c}/reopen`)).json()).toMatchObject({ status: 'open', routingState: 'queued' });
    await dispatchQueue(api.pool, queueId, { clock });
    await as(supervisor, 'POST', `/api/v1/conversations/${c}/resolve`);
    await as(bob.token, 'PUT', '/api/v1/me/status', { status: 'offline' });
  });
});

describe('transfer guard', () => {
  it('a transfer by an agent whose conversation changed hands while it waited for the row is refused (not_assignee), and nothing moves', async () => {
    const c = await chatFor(ann);
    const held = await api.pool.connect();
    try {
      await held.query('begin');
      await held.query(`select 1 from conversations where id = $1 for update`, [c]);
      // Ann's transfer (as the route calls it, after reading the conversation as hers) waits for the row lock...
      const transfer = transferConversation(api.pool, { conversationId: c, to: { queueId: lineQueueId }, by: { agentId: ann.id, kind: 'user' }, expectedAssigneeId: ann.id, clock });
      const { rows: [{ pid }] } = await held.query(`select pg_backend_pid() as pid`);
      await waitFor(
        async () => (await api.pool.query(`select 1 from pg_locks l join pg_locks h on h.transactionid = l.transactionid and h.granted and h.pid = $1 where not l.granted and l.pid <> $1`, [pid])).rowCount,
        { what: 'the transfer to wait for the row lock' },
      );
      // ...while a supervisor moves it to Bob
      await held.query(`update conversations set assignee_id = $2, version = version + 1 where id = $1`, [c, bob.id]);
      await held.query(`update agent_load set active = active + case when agent_id = $1 then -1 else 1 end where agent_id in ($1, $2) and channel = 'telegram'`, [ann.id, bob.id]);
      await held.query(`update assignments set ended_at = now() where conversation_id = $1 and ended_at is null`, [c]);
      await held.query(`insert into assignments(conversation_id, agent_id, started_at, reason) values ($1, $2, now(), 'manual')`, [c, bob.id]);
      await held.query('commit');
      expect(await transfer).toEqual({ ok: false, reason: 'not_assignee' });
    } finally {
      held.release();
    }
    expect(await row(c)).toMatchObject({ routingState: 'assigned', assigneeId: bob.id });
    expect(await active(bob.id)).toBe(1);
    const { rows } = await api.pool.query(`select count(*)::int as n from events where type = 'conversation.transferred' and conversation_id = $1`, [c]);
    expect(rows[0].n).toBe(0);

    // over HTTP Ann can no longer act on it; the new assignee, for whom the guard passes, can
    const refused = await as(ann.token, 'POST', `/api/v1/conversations/${c}/transfer`, { queueId: lineQueueId });
    expect(refused.statusCode).toBe(403);
    const moved = await as(bob.token, 'POST', `/api/v1/conversations/${c}/transfer`, { queueId: lineQueueId });
    expect(moved.json()).toMatchObject({ outcome: 'queued', conversation: { routingState: 'queued', queueId: lineQueueId } });
    expect(await active(bob.id)).toBe(0);
  });
});
