import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import type { DomainEventType } from '@switchboard/contracts';
import { appendEvent, withTransaction } from '@switchboard/db';
import { dispatchQueue, manualClock } from '@switchboard/routing';
import { ADMIN_TOKEN, receiveTelegramMessage, startTestApi, type TestApi } from './testing.ts';
import { openSse, type SseMessage } from './testing-sse.ts';

/** GET /api/v1/events over a real HTTP listener: live delivery, visibility, resume, filters. */

let api: TestApi;
let base: string;
const clock = manualClock(new Date());
const ann = { id: '', token: '' }; // Chat queue, online
const bob = { id: '', token: '' }; // Chat queue, offline
const carl = { id: '', token: '' }; // Other queue only
let supervisor: string;
let chatQueue: string;
let chatInbox: string;
let otherInbox: string;
let chat = 0;
let annConversation: string; // assigned to Ann by the offer test

const admin = (method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: object) =>
  api.call(ADMIN_TOKEN, payload ? { method, url, payload } : { method, url });
const stream = (token: string, query = '', headers: Record<string, string> = {}) =>
  openSse(`${base}/events${query}`, { authorization: `Bearer ${token}`, ...headers });
const newChat = (inbox = chatInbox) => receiveTelegramMessage(api.pool, inbox, `events-${++chat}`);
const emit = (type: DomainEventType, event: { conversationId?: string; agentId?: string; payload?: Record<string, unknown> } = {}) =>
  withTransaction(api.pool, (tx) => appendEvent(tx, { type, ...event }));
/** A marker only `agentId` can see: every event before it has been delivered or filtered. */
const marker = (agentId: string | null) => emit('routing.alert', { ...(agentId ? { agentId } : {}), payload: { marker: true } });
const isMarker = (id: string) => (m: SseMessage) => m.id === id;
const ids = async (after: string, upTo: string) =>
  (await api.pool.query<{ id: string }>(`select id from events where id > $1 and id <= $2 order by id`, [after, upTo])).rows.map((r) => r.id);

async function createAgent(into: { id: string; token: string }, name: string) {
  const { agent, token } = (await admin('POST', '/api/v1/agents', { name, capacity: 20 })).json();
  Object.assign(into, { id: agent.id, token });
}

beforeAll(async () => {
  api = await startTestApi({ clock });
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}/api/v1`;
  await createAgent(ann, 'Ann');
  await createAgent(bob, 'Bob');
  await createAgent(carl, 'Carl');
  supervisor = (await admin('POST', '/api/v1/agents', { name: 'Sue', role: 'supervisor' })).json().token;
  chatQueue = (await admin('POST', '/api/v1/queues', { name: 'Chat', memberIds: [ann.id, bob.id] })).json().id;
  const otherQueue = (await admin('POST', '/api/v1/queues', { name: 'Other', memberIds: [carl.id] })).json().id;
  await api.pool.query(`update queues set auto_accept = false, offer_timeout_s = 30 where id = $1`, [chatQueue]);
  const secrets = { botToken: '123456:AAbbCCdd_ee-ff' };
  chatInbox = (await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Chat bot', defaultQueueId: chatQueue, secrets })).json().id;
  otherInbox = (await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Other bot', defaultQueueId: otherQueue, secrets })).json().id;
  await api.call(ann.token, { method: 'PUT', url: '/api/v1/me/status', payload: { status: 'online' } });
});
afterAll(async () => {
  await api?.close();
});

describe('the live event stream', () => {
  it('refuses a missing or wrong token with 401, over the header or ?access_token=', async () => {
    const none = await openSse(`${base}/events`);
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body).error.code).toBe('unauthorized');
    expect((await openSse(`${base}/events?access_token=nope`)).status).toBe(401);
    expect((await openSse(`${base}/events`, { authorization: 'Bearer nope' })).status).toBe(401);
    const bad = await stream(ann.token, '?types=offer.created,offer.teleported');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.message).toContain('offer.teleported');
  });

  it('an agent receives offer.created when a conversation is offered to them, then conversation.assigned after accepting', async () => {
    const sse = await openSse(`${base}/events?access_token=${ann.token}`);
    expect(sse.status).toBe(200);
    expect(sse.headers['content-type']).toContain('text/event-stream');
    expect((await sse.nextFrame()).retry).toBeGreaterThan(0);

    const conversationId = await newChat();
    annConversation = conversationId;
    const { offered } = await dispatchQueue(api.pool, chatQueue, { clock });
    expect(offered).toEqual([expect.objectContaining({ conversationId, agentId: ann.id })]);
    const untilOffer = await sse.until((m) => m.event === 'offer.created');
    expect(untilOffer.map((m) => m.event)).toEqual(['conversation.created', 'message.created', 'offer.created']);
    const offer = untilOffer[2]!;
    expect(offer.data).toMatchObject({ id: offer.id, type: 'offer.created', conversationId, agentId: ann.id, payload: { offerId: offered[0]!.offerId, queueId: chatQueue } });
    expect(new Date(offer.data.createdAt).getTime()).not.toBeNaN();

    expect((await api.call(ann.token, { method: 'POST', url: `/api/v1/offers/${offered[0]!.offerId}/accept` })).statusCode).toBe(200);
    const accepted = await sse.until((m) => m.event === 'conversation.assigned');
    expect(accepted.map((m) => m.event)).toEqual(['offer.accepted', 'conversation.assigned']);
    expect(accepted[1]!.data).toMatchObject({ conversationId, agentId: ann.id });
    expect(BigInt(accepted[1]!.id)).toBeGreaterThan(BigInt(offer.id));
    sse.close();
  });

  it('an agent receives sla.breached for a conversation of theirs', async () => {
    const sse = await stream(ann.token);
    const conversationId = annConversation;
    const id = await emit('sla.breached', { conversationId, payload: { kind: 'first_response' } });
    const seen = await sse.until(isMarker(id));
    expect(seen.at(-1)!.data).toMatchObject({ type: 'sla.breached', conversationId, agentId: null, payload: { kind: 'first_response' } });
    sse.close();
  });

  it("another agent's private events and other queues' conversations are not delivered; supervisors see everything", async () => {
    const [annSse, bobSse, carlSse, sueSse] = await Promise.all([stream(ann.token), stream(bob.token), stream(carl.token), stream(supervisor)]);
    const chatConversation = await newChat();
    const { offered } = await dispatchQueue(api.pool, chatQueue, { clock }); // Ann's offer: hers alone
    expect(offered.map((o) => o.agentId)).toEqual([ann.id]);
    const annStatus = await emit('agent.status', { agentId: ann.id, payload: { status: 'away' } });
    const otherConversation = await newChat(otherInbox);
    const marks = { ann: await marker(ann.id), bob: await marker(bob.id), carl: await marker(carl.id) };

    const annSeen = await annSse.until(isMarker(marks.ann));
    expect(annSeen.map((m) => m.event)).toEqual(['conversation.created', 'message.created', 'offer.created', 'agent.status', 'routing.alert']);
    const bobSeen = await bobSse.until(isMarker(marks.bob));
    expect(bobSeen.map((m) => `${m.event} ${m.data.conversationId}`)).toEqual([
      `conversation.created ${chatConversation}`,
      `message.created ${chatConversation}`,
      'routing.alert null',
    ]);
    const carlSeen = await carlSse.until(isMarker(marks.carl));
    expect(carlSeen.map((m) => `${m.event} ${m.data.conversationId}`)).toEqual([
      `conversation.created ${otherConversation}`,
      `message.created ${otherConversation}`,
      'routing.alert null',
    ]);
    const sueSeen = await sueSse.until(isMarker(marks.carl));
    expect(sueSeen.map((m) => m.id)).toEqual(await ids(String(BigInt(sueSeen[0]!.id) - 1n), marks.carl));
    expect(sueSeen.map((m) => m.id)).toEqual(expect.arrayContaining([annStatus, marks.ann, marks.bob]));
    for (const s of [annSse, bobSse, carlSse, sueSse]) s.close();
  });

  it('only the requested types are streamed with ?types=', async () => {
    const sse = await stream(ann.token, '?types=offer.created,conversation.assigned');
    const conversationId = await newChat();
    const { offered } = await dispatchQueue(api.pool, chatQueue, { clock });
    await api.call(ann.token, { method: 'POST', url: `/api/v1/offers/${offered[0]!.offerId}/accept` });
    const seen = await sse.until((m) => m.event === 'conversation.assigned');
    expect(seen.map((m) => `${m.event} ${m.data.conversationId}`)).toEqual([`offer.created ${conversationId}`, `conversation.assigned ${conversationId}`]);
    sse.close();
  });

  it('resuming with Last-Event-ID replays exactly the missed events, in order, then continues live', async () => {
    const first = await stream(supervisor);
    const seenId = await marker(null);
    await first.until(isMarker(seenId));
    first.close();
    const missed = [await newChat(), await emit('sla.breached', { conversationId: annConversation }), await marker(carl.id)];
    const lastMissed = missed.at(-1)!;

    const resumed = await stream(supervisor, '', { 'last-event-id': seenId });
    const replayed = await resumed.until(isMarker(lastMissed));
    expect(replayed.map((m) => m.id)).toEqual(await ids(seenId, lastMissed));
    const live = await marker(null);
    expect((await resumed.next()).id).toBe(live);
    resumed.close();

    // an agent's replay applies the same visibility: Carl's marker is not Ann's
    const annResumed = await stream(ann.token, `?last_event_id=${seenId}`);
    const annLive = await marker(ann.id);
    const annSeen = await annResumed.until(isMarker(annLive));
    expect(annSeen.map((m) => m.event)).toEqual(['conversation.created', 'message.created', 'sla.breached', 'routing.alert']);
    annResumed.close();
  });

  it('events committed while a stream replays are delivered once, after the replayed ones', async () => {
    const from = await marker(null);
    const burst = Array.from({ length: 40 }, (_, i) => emit('sla.breached', { conversationId: annConversation, payload: { i } }));
    const resumed = await stream(supervisor, '', { 'last-event-id': from });
    await Promise.all(burst);
    const last = await marker(null);
    const seen = await resumed.until(isMarker(last));
    expect(seen.map((m) => m.id)).toEqual(await ids(from, last));
    resumed.close();
  });

  it('rejects a Last-Event-ID that is not an event id', async () => {
    const bad = await stream(supervisor, '', { 'last-event-id': 'abc' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.message).toContain('Last-Event-ID');
  });
});
