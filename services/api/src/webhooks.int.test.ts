import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DomainEventType } from '@switchboard/contracts';
import { appendEvent, createAgent, issueToken } from '@switchboard/db';
import { silentLogger } from '@switchboard/log';
import { waitFor } from '@switchboard/testkit';
import { startWebhookWorker, type WebhookWorker, type WebhookWorkerOptions } from '../../egress/src/webhooks/index.ts';
import { callers, fieldOf, startTestApi, type TestApi } from './testing.ts';

/** What the loopback receiver got: raw bytes, so the signature is checked over exactly what was sent. */
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

let api: TestApi;
let receiver: Server;
let base: string;
const received: Received[] = [];
/** path → the status codes to answer with, in order; the last one repeats. */
const scripts = new Map<string, number[]>();
const workers: WebhookWorker[] = [];
let supervisorToken: string;
const { as, admin } = callers(() => api);

// seconds, not hours: 20 ms doubling to 100 ms, and an endpoint failing for 1.5 s is disabled
const FAST: Partial<WebhookWorkerOptions> = {
  pollMs: 20,
  gapRetryMs: 10,
  retry: { baseMs: 20, capMs: 100, windowMs: 60_000 },
  disableAfterMs: 1_500,
  timeoutMs: 2_000,
  // the receiver is on loopback, which production egress refuses (address-policy.ts)
  addressPolicy: { allowLoopback: true, allowPrivate: true },
};

beforeAll(async () => {
  api = await startTestApi();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const script = scripts.get(path) ?? [200];
      const seen = received.filter((r) => r.path === path).length;
      const answered = script[Math.min(seen, script.length - 1)]!;
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  // two egress replicas on the same database
  const deps = { pool: api.pool, secretBox: api.secretBox, logger: silentLogger() };
  workers.push(startWebhookWorker(deps, FAST), startWebhookWorker(deps, FAST));
  const supervisor = await createAgent(api.pool, { name: 'Sue', email: 'sue@example.test', role: 'supervisor', capacity: {} });
  supervisorToken = await issueToken(api.pool, supervisor.id);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await new Promise((resolve) => receiver?.close(resolve));
  await api?.close();
});

const hits = (path: string) => received.filter((r) => r.path === path);
const emit = (type: DomainEventType, payload: Record<string, unknown> = {}) => appendEvent(api.pool, { type, payload });

async function subscribe(path: string, events?: string[]): Promise<{ id: string; secret: string }> {
  const res = await admin('POST', '/api/v1/webhooks', { url: `${base}${path}`, ...(events ? { events } : {}) });
  expect(res.statusCode).toBe(201);
  return res.json();
}

function validSignature(secret: string, r: Received): boolean {
  const timestamp = r.headers['x-switchboard-timestamp'] as string;
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${r.body}`).digest('hex')}`;
  const given = String(r.headers['x-switchboard-signature']);
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

describe('webhook endpoints', () => {
  it('are created with a secret shown once, listed, changed and deleted by admins only', async () => {
    const created = await admin('POST', '/api/v1/webhooks', { url: 'https://crm.example.test/hook', events: ['message.created', 'conversation.assigned'] });
    expect(created.statusCode).toBe(201);
    const hook = created.json();
    expect(hook).toMatchObject({ url: 'https://crm.example.test/hook', events: ['message.created', 'conversation.assigned'], enabled: true, failingSince: null });
    expect(hook.secret).toMatch(/^whsec_[\w-]{43}$/);
    const stored = await api.pool.query<{ secret: Buffer }>('select secret from webhook_subscriptions where id = $1', [hook.id]);
    expect(stored.rows[0]!.secret.toString('latin1')).not.toContain(hook.secret);

    const listed = await admin('GET', '/api/v1/webhooks');
    expect(JSON.stringify(listed.json())).not.toContain(hook.secret);
    expect((await admin('GET', `/api/v1/webhooks/${hook.id}`)).json()).not.toHaveProperty('secret');

    const chosen = await admin('POST', '/api/v1/webhooks', { url: 'http://localhost:9/x', secret: 'my-own-secret-0123456789' });
    expect(chosen.json()).toMatchObject({ events: ['*'], secret: 'my-own-secret-0123456789' });

    const patched = await admin('PATCH', `/api/v1/webhooks/${hook.id}`, { events: ['*'], enabled: false });
    expect(patched.json()).toMatchObject({ events: ['*'], enabled: false, disabledReason: 'disabled by an admin' });
    const enabled = await admin('PATCH', `/api/v1/webhooks/${hook.id}`, { enabled: true, url: 'https://crm.example.test/v2' });
    expect(enabled.json()).toMatchObject({ url: 'https://crm.example.test/v2', events: ['*'], enabled: true, disabledAt: null, disabledReason: null });

    expect((await as(supervisorToken, 'GET', '/api/v1/webhooks')).statusCode).toBe(403);
    expect((await as(supervisorToken, 'POST', '/api/v1/webhooks', { url: 'https://x.example.test' })).statusCode).toBe(403);
    expect((await admin('DELETE', `/api/v1/webhooks/${hook.id}`)).statusCode).toBe(204);
    expect((await admin('GET', `/api/v1/webhooks/${hook.id}`)).statusCode).toBe(404);
    expect((await admin('DELETE', `/api/v1/webhooks/${chosen.json().id}`)).statusCode).toBe(204);
  });

  it('reject a URL that is not http(s), an unknown event type and a short secret, naming the field', async () => {
    const bad = [
      [{ url: 'ftp://example.test/x' }, 'body.url'],
      [{ url: 'https://example.test/x', events: ['message.exploded'] }, 'body.events.0'],
      [{ url: 'https://example.test/x', secret: 'short' }, 'body.secret'],
    ] as const;
    for (const [payload, field] of bad) {
      const res = await admin('POST', '/api/v1/webhooks', payload);
      expect(res.statusCode).toBe(400);
      expect(fieldOf(res)).toBe(field);
    }
  });
});

describe('webhook delivery', () => {
  it('retries a failing endpoint until it answers 2xx: one signed success, every attempt in the log', async () => {
    scripts.set('/flaky', [500, 502, 503, 200]);
    const hook = await subscribe('/flaky', ['message.created']);
    const eventId = await emit('message.created', { messageId: 'm-1', text: 'hello' });

    const delivery = await waitFor(async () => {
      const page = (await admin('GET', `/api/v1/webhooks/${hook.id}/deliveries`)).json();
      return page.items[0]?.status === 'succeeded' ? page.items[0] : undefined;
    }, { what: 'the delivery to succeed' });
    expect(delivery).toMatchObject({ eventId, eventType: 'message.created', attempts: 4, responseCode: 200, error: null });
    expect(delivery.latencyMs).toEqual(expect.any(Number));
    // nothing is sent after the success, however often the workers look
    for (const w of workers) await w.tick();
    const got = hits('/flaky');
    expect(got.map((r) => r.answered)).toEqual([500, 502, 503, 200]);
    const successes = got.filter((r) => r.answered === 200);
    expect(successes).toHaveLength(1);
    expect(validSignature(hook.secret, successes[0]!)).toBe(true);
    expect(validSignature('another-secret-entirely', successes[0]!)).toBe(false);
    expect(new Set(got.map((r) => r.headers['x-switchboard-delivery']))).toEqual(new Set([delivery.id]));
    expect(new Set(got.map((r) => r.body)).size).toBe(1);
    expect(successes[0]!.headers['x-switchboard-event']).toBe('message.created');
    expect(Math.abs(Number(successes[0]!.headers['x-switchboard-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(JSON.parse(successes[0]!.body)).toEqual({ id: eventId, type: 'message.created', createdAt: expect.any(String), data: { messageId: 'm-1', text: 'hello' } });

    const detail = (await admin('GET', `/api/v1/webhooks/${hook.id}/deliveries/${delivery.id}`)).json();
    expect(detail.attemptLog.map((a: { attempt: number; responseCode: number; succeeded: boolean }) => [a.attempt, a.responseCode, a.succeeded])).toEqual([
      [1, 500, false], [2, 502, false], [3, 503, false], [4, 200, true],
    ]);
    expect(detail.body).toBe(successes[0]!.body);

    // replay: one new attempt, same delivery id and body, a fresh timestamp and signature
    const replay = await admin('POST', `/api/v1/webhooks/${hook.id}/deliveries/${delivery.id}/replay`);
    expect(replay.statusCode).toBe(202);
    await waitFor(() => hits('/flaky').length === 5, { what: 'the replayed delivery' });
    const replayed = hits('/flaky')[4]!;
    expect(replayed.headers['x-switchboard-delivery']).toBe(delivery.id);
    expect(replayed.body).toBe(successes[0]!.body);
    expect(validSignature(hook.secret, replayed)).toBe(true);
    const after = await waitFor(async () => {
      const d = (await admin('GET', `/api/v1/webhooks/${hook.id}/deliveries/${delivery.id}`)).json();
      return d.attemptLog.length === 5 && d.status === 'succeeded' ? d : undefined;
    }, { what: 'the replay to be logged' });
    expect(after.attempts).toBe(5);
    expect((await admin('POST', `/api/v1/webhooks/${hook.id}/deliveries/00000000-0000-4000-8000-000000000000/replay`)).statusCode).toBe(404);
  });

  it('delivers only the event types a subscription asked for', async () => {
    const narrow = await subscribe('/narrow', ['conversation.assigned']);
    const wide = await subscribe('/wide');
    const first = await emit('message.created');
    const second = await emit('conversation.assigned', { assigneeId: 'a-1' });
    await waitFor(() => hits('/wide').length === 2 && hits('/narrow').length === 1, { what: 'both endpoints to be served' });
    for (const w of workers) await w.tick();
    expect(hits('/narrow').map((r) => JSON.parse(r.body).id)).toEqual([second]);
    expect(hits('/wide').map((r) => JSON.parse(r.body).id).sort()).toEqual([first, second].sort());
    const counts = await api.pool.query<{ subscriptionId: string; n: string }>(
      `select subscription_id as "subscriptionId", count(*) as n from webhook_deliveries where subscription_id = any($1::uuid[]) group by 1`,
      [[narrow.id, wide.id]],
    );
    expect(Object.fromEntries(counts.rows.map((r) => [r.subscriptionId, Number(r.n)]))).toEqual({ [narrow.id]: 1, [wide.id]: 2 });
    await admin('DELETE', `/api/v1/webhooks/${narrow.id}`);
    await admin('DELETE', `/api/v1/webhooks/${wide.id}`);
  });

  it('with two egress replicas fanning out the same events, delivers each event once', async () => {
    const hook = await subscribe('/replicas', ['message.status']);
    const ids: string[] = [];
    // concurrent writers, so ids commit out of order and the fan-out meets holes
    for (let round = 0; round < 6; round++) {
      ids.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => emit('message.status', { n: round * 10 + i })))));
    }
    await waitFor(() => hits('/replicas').length >= ids.length, { what: 'every event to arrive' });
    for (const w of workers) await w.tick();
    const got = hits('/replicas').map((r) => JSON.parse(r.body).id as string);
    expect(got.sort()).toEqual([...ids].sort());
    const rows = await api.pool.query<{ n: string }>(`select count(*) as n from webhook_deliveries where subscription_id = $1`, [hook.id]);
    expect(Number(rows.rows[0]!.n)).toBe(ids.length);
    await admin('DELETE', `/api/v1/webhooks/${hook.id}`);
  });

  it('disables an endpoint that fails for the whole window and tells admins with webhook.disabled', async () => {
    scripts.set('/down', [503]);
    const hook = await subscribe('/down', ['message.deleted']);
    await emit('message.deleted', { messageId: 'm-9' });
    const disabled = await waitFor(async () => {
      const h = (await admin('GET', `/api/v1/webhooks/${hook.id}`)).json();
      return h.enabled ? undefined : h;
    }, { what: 'the endpoint to be disabled' });
    expect(disabled.disabledReason).toMatch(/^every delivery failed for/);
    expect(disabled.disabledAt).toEqual(expect.any(String));
    const events = await api.pool.query<{ payload: Record<string, unknown> }>(`select payload from events where type = 'webhook.disabled'`);
    expect(events.rows.map((e) => e.payload)).toEqual([expect.objectContaining({ webhookId: hook.id, url: `${base}/down`, reason: 'sustained_failure' })]);
    // a disabled endpoint is not called again, and cannot be replayed until re-enabled
    const calls = hits('/down').length;
    for (const w of workers) await w.tick();
    expect(hits('/down')).toHaveLength(calls);
    const delivery = (await admin('GET', `/api/v1/webhooks/${hook.id}/deliveries?status=failed`)).json().items[0];
    const replay = await admin('POST', `/api/v1/webhooks/${hook.id}/deliveries/${delivery.id}/replay`);
    expect(replay.statusCode).toBe(409);
    expect(replay.json().error.code).toBe('webhook_disabled');
  });

  it('pages the delivery log newest first and filters it by status', async () => {
    const hook = await subscribe('/paged', ['agent.status']);
    for (let i = 0; i < 5; i++) await emit('agent.status', { i });
    await waitFor(() => hits('/paged').length === 5, { what: 'five deliveries' });
    const first = (await admin('GET', `/api/v1/webhooks/${hook.id}/deliveries?limit=2`)).json();
    expect(first.items).toHaveLength(2);
    const second = (await admin('GET', `/api/v1/webhooks/${hook.id}/deliveries?limit=2&cursor=${first.nextCursor}`)).json();
    const third = (await admin('GET', `/api/v1/webhooks/${hook.id}/deliveries?limit=2&cursor=${second.nextCursor}`)).json();
    expect(third.nextCursor).toBeNull();
    const all = [...first.items, ...second.items, ...third.items];
    expect(all.map((d: { eventId: string }) => Number(d.eventId))).toEqual([...all.map((d: { eventId: string }) => Number(d.eventId))].sort((a, b) => b - a));
    expect(new Set(all.map((d: { id: string }) => d.id)).size).toBe(5);
    expect((await admin('GET', `/api/v1/webhooks/${hook.id}/deliveries?status=abandoned`)).json().items).toEqual([]);
    expect(fieldOf(await admin('GET', `/api/v1/webhooks/${hook.id}/deliveries?cursor=abc`))).toBe('query.cursor');
  });
});
