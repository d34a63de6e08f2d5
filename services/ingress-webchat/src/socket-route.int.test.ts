import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { webchatChannelName } from '@switchboard/channels';
import type { Inbox } from '@switchboard/db';
import { silentLogger } from '@switchboard/log';
import { waitFor } from '@switchboard/testkit';
import { buildWebchatIngress } from './app.ts';
import { startHarness, type Harness } from './test-harness.ts';

let h: Harness;
let inbox: Inbox;
let base: string;

beforeAll(async () => {
  h = await startHarness();
  inbox = await h.createWebchatInbox();
  const address = await h.app.listen({ host: '127.0.0.1', port: 0 });
  base = address.replace(/^http/, 'ws');
});
afterAll(async () => {
  await h.close();
});

/** A client socket that records its frames and how it closed. */
interface Client {
  ws: WebSocket;
  frames: string[];
  closed: Promise<{ code: number; reason: string }>;
}

function connect(url: string): Client {
  const ws = new WebSocket(url);
  const frames: string[] = [];
  ws.on('message', (data) => frames.push(data.toString()));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  ws.on('error', () => {});
  return { ws, frames, closed };
}

async function session(inboxId = inbox.id) {
  const res = await h.app.inject({ method: 'POST', url: `/webchat/${inboxId}/sessions`, payload: {} });
  return res.json() as { visitorId: string; token: string };
}

const READY = '{"type":"ready"}';
const ready = (c: Client) => waitFor(() => c.frames.includes(READY), { what: 'ready frame' });

async function subscribers(channel: string): Promise<number> {
  const reply = (await h.redis.call('PUBSUB', 'NUMSUB', channel)) as [string, number];
  return Number(reply[1]);
}

async function closeClient(c: Client) {
  c.ws.close();
  await c.closed;
}

describe('web-chat socket', () => {
  it('sends ready once subscribed, then forwards what egress publishes as-is', async () => {
    const { visitorId, token } = await session();
    const client = connect(`${base}/webchat/${inbox.id}/socket?token=${token}`);
    await ready(client);
    const payload = JSON.stringify({ type: 'message', message: { id: 'm1', conversationId: 'c1', text: 'Hello from support', createdAt: new Date().toISOString() } });
    const channel = webchatChannelName(inbox.id, visitorId);
    // `ready` promises the subscription is in place: Redis must count exactly one subscriber
    expect(await subscribers(channel)).toBe(1);
    expect(await h.redis.publish(channel, payload)).toBe(1);
    await waitFor(() => client.frames.includes(payload), { what: 'forwarded push' });
    expect(client.frames).toEqual([READY, payload]);
    await closeClient(client);
  });

  it('shares one subscription between a visitor’s tabs and drops it when the last closes', async () => {
    const { visitorId, token } = await session();
    const channel = webchatChannelName(inbox.id, visitorId);
    const tabs = [connect(`${base}/webchat/${inbox.id}/socket?token=${token}`), connect(`${base}/webchat/${inbox.id}/socket?token=${token}`)];
    await Promise.all(tabs.map(ready));
    expect(await subscribers(channel)).toBe(1);

    await h.redis.publish(channel, '{"type":"message","message":{"id":"m2"}}');
    await waitFor(() => tabs.every((t) => t.frames.length === 2), { what: 'push on both tabs' });

    await closeClient(tabs[0]!);
    expect(await subscribers(channel)).toBe(1);
    await h.redis.publish(channel, 'still here');
    await waitFor(() => tabs[1]!.frames.includes('still here'), { what: 'push on the remaining tab' });

    await closeClient(tabs[1]!);
    await waitFor(async () => (await subscribers(channel)) === 0, { what: 'UNSUBSCRIBE after the last tab' });
  });

  it('answers ping frames with pong', async () => {
    const { token } = await session();
    const client = connect(`${base}/webchat/${inbox.id}/socket?token=${token}`);
    await ready(client);
    client.ws.send('{"type":"ping"}');
    await waitFor(() => client.frames.includes('{"type":"pong"}'), { what: 'pong' });
    await closeClient(client);
  });

  it('closes with 4401 for a bad or missing token and 4404 for an unknown inbox', async () => {
    const other = await h.createWebchatInbox();
    const foreign = (await session(other.id)).token;
    for (const url of [`/webchat/${inbox.id}/socket?token=garbage`, `/webchat/${inbox.id}/socket`, `/webchat/${inbox.id}/socket?token=${foreign}`]) {
      const client = connect(`${base}${url}`);
      expect((await client.closed).code).toBe(4401);
      expect(client.frames).toEqual([]);
    }
    const { token } = await session();
    const unknown = connect(`${base}/webchat/00000000-0000-4000-8000-000000000000/socket?token=${token}`);
    expect((await unknown.closed).code).toBe(4404);
  });

  it('closes with 4403 when the page’s origin is not allowed', async () => {
    const guarded = await h.createWebchatInbox({ allowedOrigins: ['https://shop.example'] });
    const res = await h.app.inject({ method: 'POST', url: `/webchat/${guarded.id}/sessions`, headers: { origin: 'https://shop.example' } });
    const { token } = res.json() as { token: string };
    const evil = new WebSocket(`${base}/webchat/${guarded.id}/socket?token=${token}`, { origin: 'https://evil.example' });
    evil.on('error', () => {});
    const code = await new Promise<number>((resolve) => evil.on('close', (c) => resolve(c)));
    expect(code).toBe(4403);
  });

  it('closes sockets with 1012 and releases their subscriptions when the app shuts down', async () => {
    const app = await buildWebchatIngress({ pool: h.db.pool, producer: h.producer, subscriber: h.subscriber, secretBox: h.secretBox, logger: silentLogger(), readiness: {} });
    const address = (await app.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws');
    const { visitorId, token } = await session();
    const client = connect(`${address}/webchat/${inbox.id}/socket?token=${token}`);
    await ready(client);
    await app.close();
    expect((await client.closed).code).toBe(1012);
    await waitFor(async () => (await subscribers(webchatChannelName(inbox.id, visitorId))) === 0, { what: 'UNSUBSCRIBE on shutdown' });
  });
});
