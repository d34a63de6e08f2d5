import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { dispatchQueue, manualClock } from '@switchboard/routing';
import { callers, fieldOf, receiveTelegramMessage, startTestApi, type TestApi, waitingJobs } from './testing.ts';

/** Agents' offers, heartbeat, manual assignment and transfer, and the routing read models, over HTTP on a real database. */

let api: TestApi;
const { as, admin } = callers(() => api);
const clock = manualClock(new Date());
let queueId: string;
let lineQueueId: string;
let inboxId: string;
let lineInboxId: string;
const ann = { id: '', token: '' };
const bob = { id: '', token: '' };
const carl = { id: '', token: '' }; // in no queue
let supervisor: string;
let chat = 0;

const jobs = async (name: string) => (await waitingJobs(api.prefix, name)).map((j) => j.data);
const state = async (id: string) => (await api.pool.query(`select routing_state as s, assignee_id as a from conversations where id = $1`, [id])).rows[0];
const offerStatus = async (id: string) => (await api.pool.query(`select status from offers where id = $1`, [id])).rows[0].status;

async function createAgent(into: { id: string; token: string }, name: string, role = 'agent') {
  const { agent, token } = (await admin('POST', '/api/v1/agents', { name, role })).json();
  Object.assign(into, { id: agent.id, token });
}
const newChat = (inbox = inboxId) => receiveTelegramMessage(api.pool, inbox, String(++chat));
async function offerOf(conversationId: string) {
  const { offered } = await dispatchQueue(api.pool, queueId, { clock });
  const offer = offered.find((o) => o.conversationId === conversationId);
  if (!offer) throw new Error(`no offer for ${conversationId}`);
  return offer;
}

beforeAll(async () => {
  api = await startTestApi({ clock });
  await createAgent(ann, 'Ann');
  await createAgent(bob, 'Bob');
  await createAgent(carl, 'Carl');
  supervisor = (await admin('POST', '/api/v1/agents', { name: 'Sue', role: 'supervisor' })).json().token;
  queueId = (await admin('POST', '/api/v1/queues', { name: 'Chat', memberIds: [ann.id, bob.id] })).json().id;
  await admin('PATCH', `/api/v1/queues/${queueId}`, { autoAccept: false, offerTimeoutS: 30 });
  lineQueueId = (await admin('POST', '/api/v1/queues', { name: 'Line', memberIds: [] })).json().id;
  const secrets = { botToken: '123456:AAbbCCdd_ee-ff' };
  inboxId = (await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Bot', defaultQueueId: queueId, secrets })).json().id;
  lineInboxId = (await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Line bot', defaultQueueId: lineQueueId, secrets })).json().id;
  await as(ann.token, 'PUT', '/api/v1/me/status', { status: 'online' });
});
afterAll(async () => {
  await api?.close();
});

let first: string; // accepted by Ann
let second: string; // rejected by Ann, then offered to Bob, who is too late

describe('offers', () => {
  it('an agent sees a pending offer, accepts it, and the conversation is theirs', async () => {
    first = await newChat();
    const offer = await offerOf(first);
    const mine = await as(ann.token, 'GET', '/api/v1/offers');
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toEqual([expect.objectContaining({ id: offer.offerId, conversationId: first, queueId, channel: 'telegram', attempt: 1, contact: expect.objectContaining({ name: `Customer ${chat}` }) })]);
    expect((await as(bob.token, 'GET', '/api/v1/offers')).json()).toEqual([]);
    expect((await admin('GET', '/api/v1/offers')).statusCode).toBe(403);
    expect((await as(supervisor, 'GET', `/api/v1/conversations/${first}`)).json().routingState).toBe('offered');

    expect((await as(bob.token, 'POST', `/api/v1/offers/${offer.offerId}/accept`)).statusCode).toBe(404);
    const accepted = await as(ann.token, 'POST', `/api/v1/offers/${offer.offerId}/accept`);
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toMatchObject({ id: first, routingState: 'assigned', assigneeId: ann.id });
    const again = await as(ann.token, 'POST', `/api/v1/offers/${offer.offerId}/accept`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('offer_not_pending');
    expect((await api.pool.query(`select active, pending_offers from agent_load where agent_id = $1 and channel = 'telegram'`, [ann.id])).rows[0]).toEqual({ active: 1, pending_offers: 0 });
  });

  it('a rejected offer goes back in line, a dispatch is requested, and the next agent gets it', async () => {
    second = await newChat();
    const offer = await offerOf(second);
    expect(offer.agentId).toBe(ann.id);
    const rejected = await as(ann.token, 'POST', `/api/v1/offers/${offer.offerId}/reject`);
    expect(rejected.statusCode).toBe(200);
    expect(rejected.json()).toEqual({ id: offer.offerId, status: 'rejected' });
    expect(await state(second)).toEqual({ s: 'queued', a: null });
    expect(await jobs('routing')).toContainEqual({ queueId, reason: 'offer_rejected' });
    expect((await as(ann.token, 'POST', `/api/v1/offers/${offer.offerId}/reject`)).json().error.code).toBe('offer_not_pending');
    expect((await as(bob.token, 'POST', `/api/v1/offers/${offer.offerId}/reject`)).statusCode).toBe(404);

    await as(bob.token, 'PUT', '/api/v1/me/status', { status: 'online' });
    expect((await offerOf(second)).agentId).toBe(bob.id);
  });

  it('an accept after the offer expired is refused with offer_expired and the offer ends at once', async () => {
    const [offer] = (await as(bob.token, 'GET', '/api/v1/offers')).json();
    clock.advance(30_001);
    const late = await as(bob.token, 'POST', `/api/v1/offers/${offer.id}/accept`);
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe('offer_expired');
    expect(await offerStatus(offer.id)).toBe('expired');
    expect(await state(second)).toEqual({ s: 'queued', a: null });
    expect(await jobs('routing')).toContainEqual({ queueId, reason: 'offer_expired' });
    expect((await as(bob.token, 'GET', '/api/v1/offers')).json()).toEqual([]);
  });

  it('scenario 47: removing a member rescinds their pending offers from the queue and asks for a dispatch', async () => {
    const fourth = await newChat();
    const offer = await offerOf(fourth);
    expect(offer.agentId).toBe(bob.id);
    const res = await admin('PUT', `/api/v1/queues/${queueId}/members`, [{ agentId: ann.id, ring: 1 }]);
    expect(res.json().members).toEqual([{ agentId: ann.id, ring: 1 }]);
    expect(await offerStatus(offer.offerId)).toBe('rescinded');
    expect(await state(fourth)).toEqual({ s: 'queued', a: null });
    expect((await api.pool.query(`select pending_offers from agent_load where agent_id = $1 and channel = 'telegram'`, [bob.id])).rows[0].pending_offers).toBe(0);
    expect(await jobs('routing')).toContainEqual({ queueId, reason: 'members_changed' });
    await admin('PUT', `/api/v1/queues/${queueId}/members`, { memberIds: [ann.id, bob.id] });
    expect((await as(supervisor, 'POST', `/api/v1/conversations/${fourth}/resolve`)).statusCode).toBe(200);
  });

  it('a heartbeat records a sign of life for agents only', async () => {
    const beat = await as(ann.token, 'POST', '/api/v1/me/heartbeat');
    expect(beat.statusCode).toBe(200);
    expect(beat.json()).toEqual({ status: 'online' });
    const { rows } = await api.pool.query(`select last_heartbeat_at from agent_presence where agent_id = $1`, [ann.id]);
    expect(rows[0].last_heartbeat_at).toEqual(clock.now());
    expect((await admin('POST', '/api/v1/me/heartbeat')).statusCode).toBe(403);
  });
});

let third: string; // force-assigned to Ann, then transferred by her to Line

describe('assignment and transfer', () => {
  it('supervisors assign; at capacity it is a 409 unless forced, which is recorded', async () => {
    const assigned = await as(supervisor, 'POST', `/api/v1/conversations/${second}/assign`, { agentId: ann.id, note: 'she knows them' });
    expect(assigned.statusCode).toBe(200);
    expect(assigned.json()).toMatchObject({ outcome: 'assigned', overCapacity: false, offerId: null, conversation: { id: second, routingState: 'assigned', assigneeId: ann.id } });
    expect((await as(ann.token, 'POST', `/api/v1/conversations/${second}/assign`, { agentId: ann.id })).statusCode).toBe(403);
    expect(fieldOf(await as(supervisor, 'POST', `/api/v1/conversations/${second}/assign`, { agentId: '00000000-0000-4000-8000-000000000000' }))).toBe('body.agentId');
    expect(fieldOf(await as(supervisor, 'POST', `/api/v1/conversations/${second}/assign`, {}))).toBe('body.agentId');

    await admin('PUT', `/api/v1/agents/${ann.id}/capacity`, { telegram: 2 });
    third = await newChat();
    const full = await as(supervisor, 'POST', `/api/v1/conversations/${third}/assign`, { agentId: ann.id });
    expect(full.statusCode).toBe(409);
    expect(full.json().error.code).toBe('agent_at_capacity');
    expect(await state(third)).toEqual({ s: 'queued', a: null });
    const forced = await admin('POST', `/api/v1/conversations/${third}/assign`, { agentId: ann.id, force: true });
    expect(forced.json()).toMatchObject({ outcome: 'assigned', overCapacity: true });
    const { rows } = await api.pool.query(`select count(*)::int as n from events where type = 'agent.over_capacity' and conversation_id = $1`, [third]);
    expect(rows[0].n).toBe(1);
  });

  it('the assignee transfers to a queue; others may not; exactly one target', async () => {
    expect((await as(bob.token, 'POST', `/api/v1/conversations/${third}/transfer`, { queueId: lineQueueId })).statusCode).toBe(403);
    expect((await as(carl.token, 'POST', `/api/v1/conversations/${third}/transfer`, { queueId: lineQueueId })).statusCode).toBe(404);
    expect(fieldOf(await as(ann.token, 'POST', `/api/v1/conversations/${third}/transfer`, { queueId: lineQueueId, agentId: bob.id }))).toBe('body.agentId');
    expect(fieldOf(await as(ann.token, 'POST', `/api/v1/conversations/${third}/transfer`, { queueId: '00000000-0000-4000-8000-000000000000' }))).toBe('body.queueId');
    const moved = await as(ann.token, 'POST', `/api/v1/conversations/${third}/transfer`, { queueId: lineQueueId, note: 'billing question' });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({ outcome: 'queued', conversation: { routingState: 'queued', queueId: lineQueueId, assigneeId: null } });
    expect(await jobs('routing')).toContainEqual({ queueId: lineQueueId, reason: 'handover' });
  });

  it('a transfer to an agent in an offer queue becomes an offer with its timer armed', async () => {
    const res = await as(supervisor, 'POST', `/api/v1/conversations/${first}/transfer`, { agentId: bob.id });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ outcome: 'offered', conversation: { routingState: 'offered' } });
    expect(await offerStatus(body.offerId)).toBe('pending');
    expect(await jobs('routing-timers')).toContainEqual({ kind: 'offer-timeout', offerId: body.offerId });
    expect((await as(bob.token, 'POST', `/api/v1/offers/${body.offerId}/accept`)).json()).toMatchObject({ routingState: 'assigned', assigneeId: bob.id });
  });


  it('scenario 29: a transfer to an agent at capacity is refused with 409 unless forced, which records over_capacity', async () => {
    await admin('PUT', `/api/v1/agents/${ann.id}/capacity`, { telegram: 1 });
    const refused = await as(bob.token, 'POST', `/api/v1/conversations/${first}/transfer`, { agentId: ann.id });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('agent_at_capacity');
    expect(await state(first)).toEqual({ s: 'assigned', a: bob.id });
    const forced = await as(bob.token, 'POST', `/api/v1/conversations/${first}/transfer`, { agentId: ann.id, force: true });
    expect(forced.json()).toMatchObject({ outcome: 'assigned', overCapacity: true, conversation: { assigneeId: ann.id } });
    const { rows } = await api.pool.query(`select count(*)::int as n from events where type = 'agent.over_capacity' and conversation_id = $1`, [first]);
    expect(rows[0].n).toBe(1);
  });
});

describe('routing read models', () => {
  it('queue stats for supervisors: waiting, longest wait, tasks by state, agents, offers', async () => {
    const stats = await as(supervisor, 'GET', `/api/v1/queues/${queueId}/stats`);
    expect(stats.statusCode).toBe(200);
    expect(stats.json()).toMatchObject({
      queueId,
      waiting: { total: 0 },
      longestWait: null,
      tasksByState: { queued: 0, offered: 0, assigned: 2 },
      openTotal: 2,
      agents: { members: 2, online: 2 },
      offers: { accepted: 2, rejected: 1, expired: 1, pending: 0 },
    });
    expect((await as(ann.token, 'GET', `/api/v1/queues/${queueId}/stats`)).statusCode).toBe(403);
    expect((await as(supervisor, 'GET', '/api/v1/queues/00000000-0000-4000-8000-000000000000/stats')).statusCode).toBe(404);
  });

  it('a waiting conversation has a place in line; an assigned one is not waiting', async () => {
    // the transferred conversation waits in Line too; the two new ones queue in arrival order
    const line = [await newChat(lineInboxId), await newChat(lineInboxId)];
    const places = await Promise.all([...line, third].map(async (id) => (await as(supervisor, 'GET', `/api/v1/conversations/${id}/position`)).json()));
    expect(places.every((p) => p.waiting && p.queueId === lineQueueId && p.ahead === p.position - 1)).toBe(true);
    expect(places.map((p) => p.position).sort()).toEqual([1, 2, 3]);
    expect(places[1].position).toBeGreaterThan(places[0].position);
    const assigned = (await as(ann.token, 'GET', `/api/v1/conversations/${first}/position`)).json();
    expect(assigned).toEqual({ conversationId: first, waiting: false, queueId: null, position: null, ahead: null, estimatedWaitS: null });
    expect((await as(carl.token, 'GET', `/api/v1/conversations/${first}/position`)).statusCode).toBe(404);
  });

  it('the routing decisions say why a conversation went where it went', async () => {
    const res = await as(supervisor, 'GET', `/api/v1/conversations/${second}/routing-decisions`);
    expect(res.statusCode).toBe(200);
    const kinds = res.json().map((d: { kind: string }) => d.kind);
    expect(kinds.slice(0, 4)).toEqual(['offered', 'offer_rejected', 'offered', 'offer_expired']);
    expect(kinds).toContain('manual_assigned');
    expect(res.json()[0].payload).toMatchObject({ chosen: ann.id, strategy: 'least_load' });
    expect((await as(carl.token, 'GET', `/api/v1/conversations/${second}/routing-decisions`)).statusCode).toBe(404);
  });
});
