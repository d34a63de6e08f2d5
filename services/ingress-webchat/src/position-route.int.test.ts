import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { InboundEvent } from '@switchboard/contracts';
import { createAgent, recordInbound, withTransaction, type Inbox } from '@switchboard/db';
import { jobIdFor } from '@switchboard/queue';
import { dispatchQueue, routeInbound, setAgentPresence, systemClock } from '@switchboard/routing';
import { startHarness, type Harness } from './test-harness.ts';

let h: Harness;
let inbox: Inbox;
let queueId: string;
const SITE = 'https://shop.example';

beforeAll(async () => {
  h = await startHarness();
  inbox = await h.createWebchatInbox({ allowedOrigins: [SITE] });
  queueId = (await h.db.pool.query(`insert into queues(name) values ('Web') returning id`)).rows[0].id;
  await h.db.pool.query(`update inboxes set default_queue_id = $2 where id = $1`, [inbox.id, queueId]);
});
afterAll(async () => {
  await h.close();
});

type Visitor = { visitorId: string; token: string };

async function startSession(inboxId = inbox.id): Promise<Visitor> {
  const res = await h.app.inject({ method: 'POST', url: `/webchat/${inboxId}/sessions`, payload: {}, headers: { origin: SITE } });
  expect(res.statusCode).toBe(201);
  return res.json();
}

/** The visitor writes; the queued inbound event is then stored and routed as the router does it. */
let sent = 0;
async function say(visitor: Visitor, text = 'hello'): Promise<string> {
  const clientMessageId = `m${++sent}`;
  const res = await h.app.inject({
    method: 'POST', url: `/webchat/${inbox.id}/messages`, payload: { clientMessageId, text },
    headers: { origin: SITE, authorization: `Bearer ${visitor.token}` },
  });
  expect(res.statusCode).toBe(202);
  const event = (await h.inbound.getJob(jobIdFor(inbox.id, `wc-${visitor.visitorId}-${clientMessageId}`)))!.data as InboundEvent;
  return withTransaction(h.db.pool, async (tx) => {
    const stored = await recordInbound(tx, event);
    if (stored.kind !== 'stored') throw new Error(`not stored: ${stored.kind}`);
    await routeInbound(tx, { conversationId: stored.conversationId, messageId: stored.messageId, conversation: stored.conversation, event, now: systemClock.now() });
    return stored.conversationId;
  });
}

function position(token: string | undefined, headers: Record<string, string> = { origin: SITE }, inboxId = inbox.id) {
  return h.app.inject({ method: 'GET', url: `/webchat/${inboxId}/position`, headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers } });
}
const placeOf = async (visitor: Visitor) => (await position(visitor.token)).json();

describe('GET /webchat/:inboxId/position', () => {
  it('scenario 45: waiting visitors see their place in line; a higher-priority arrival moves them back; an assignment moves them up', async () => {
    const first = await startSession();
    const second = await startSession();
    await say(first);
    await say(second);
    // nobody is online: both wait, in arrival order, with no history to estimate from
    expect(await placeOf(first)).toEqual({ position: 1, ahead: 0, estimatedWaitS: null, routingState: 'queued' });
    expect(await placeOf(second)).toEqual({ position: 2, ahead: 1, estimatedWaitS: null, routingState: 'queued' });

    const urgent = await startSession();
    const urgentId = await say(urgent, 'my card was charged twice');
    await h.db.pool.query(`update conversations set priority = 5 where id = $1`, [urgentId]);
    expect(await placeOf(urgent)).toMatchObject({ position: 1, ahead: 0 });
    expect(await placeOf(first)).toMatchObject({ position: 2, ahead: 1 });
    expect(await placeOf(second)).toMatchObject({ position: 3, ahead: 2 });

    // everyone has waited two minutes when an agent comes online and takes the urgent one
    await h.db.pool.query(`update conversations set enqueued_at = enqueued_at - interval '120 seconds' where queue_id = $1`, [queueId]);
    const agent = await createAgent(h.db.pool, { name: 'Ann', role: 'agent', capacity: { webchat: 1 } });
    await h.db.pool.query(`insert into queue_members(queue_id, agent_id) values ($1, $2)`, [queueId, agent.id]);
    await setAgentPresence(h.db.pool, { agentId: agent.id, status: 'online', clock: systemClock });
    expect((await dispatchQueue(h.db.pool, queueId, { clock: systemClock })).assigned).toEqual([{ conversationId: urgentId, agentId: agent.id }]);

    expect(await placeOf(urgent)).toEqual({ position: null, ahead: null, estimatedWaitS: null, routingState: 'assigned' });
    const a = await placeOf(first);
    const b = await placeOf(second);
    expect(a).toMatchObject({ position: 1, ahead: 0, routingState: 'queued' });
    expect(b).toMatchObject({ position: 2, ahead: 1, routingState: 'queued' });
    // estimated from the two-minute wait just seen, one eligible agent online: about 2 and 4 minutes
    expect(a.estimatedWaitS).toBeGreaterThanOrEqual(120);
    expect(a.estimatedWaitS).toBeLessThan(130);
    // twice as far back, twice as long (each rounded to the second on its own)
    expect(Math.abs(b.estimatedWaitS - 2 * a.estimatedWaitS)).toBeLessThanOrEqual(1);
  });

  it('answers 404 no_conversation to a visitor who has not written, or whose conversation is resolved', async () => {
    const quiet = await startSession();
    const res = await position(quiet.token);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'no_conversation', message: expect.any(String) } });
    expect(res.headers['access-control-allow-origin']).toBe(SITE);

    const done = await startSession();
    const id = await say(done);
    await h.db.pool.query(`update conversations set status = 'resolved', routing_state = 'closed' where id = $1`, [id]);
    expect((await position(done.token)).json().error.code).toBe('no_conversation');
  });

  it('checks the visitor token and the site like every visitor route', async () => {
    const visitor = await startSession();
    await say(visitor);
    const other = await h.createWebchatInbox();
    const foreign = (await h.app.inject({ method: 'POST', url: `/webchat/${other.id}/sessions`, payload: {} })).json().token;
    for (const bad of [undefined, 'nonsense', `${visitor.token}x`, foreign]) {
      const res = await position(bad);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('invalid_token');
    }
    const denied = await position(visitor.token, { origin: 'https://evil.example' });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('origin_not_allowed');
    expect((await position(visitor.token)).statusCode).toBe(200);

    const preflight = await h.app.inject({ method: 'OPTIONS', url: `/webchat/${inbox.id}/position`, headers: { origin: SITE } });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-methods']).toContain('GET');
  });
});
