import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { createInboxCache, createSecretBox } from '@switchboard/db';
import { silentLogger } from '@switchboard/log';
import { createProducer, createRedis, waitForRedis, type Producer } from '@switchboard/queue';
import { createMetrics } from '@switchboard/runtime';
import { createTestDatabase, dropQueuePrefix, fixtureText, metricCount, seedDesk, testQueuePrefix, testRedisUrl, type TestDatabase } from '@switchboard/testkit';
import { buildWebhookIngress } from './app.ts';

const APP_SECRET = 'metrics-app-secret';
const prefix = testQueuePrefix();
const box = createSecretBox(randomBytes(32));
let db: TestDatabase;
let redis: ReturnType<typeof createRedis>;
let deadRedis: ReturnType<typeof createRedis>;
let producer: Producer;
let deadProducer: Producer;
let app: FastifyInstance;
let outage: FastifyInstance;
let base: string;
let outageBase: string;
let inboxId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  redis = createRedis(testRedisUrl(), 'producer');
  await waitForRedis(redis);
  producer = createProducer(redis, prefix);
  // nothing listens on port 1 (a free port could be taken by another test meanwhile): every
  // enqueue fails at once, as in a Redis outage
  deadRedis = createRedis('redis://127.0.0.1:1', 'producer');
  deadProducer = createProducer(deadRedis, prefix, { timeoutMs: 300 });
  const desk = await seedDesk(db.pool, {
    box,
    agents: 1,
    channel: 'whatsapp',
    config: { phoneNumberId: '1122334455667' },
    secrets: { accessToken: 'EAAG-token', appSecret: APP_SECRET, verifyToken: 'verify' },
  });
  inboxId = desk.inbox.id;
  const deps = { pool: db.pool, inboxes: createInboxCache(db.pool, box, 1_000), logger: silentLogger(), readiness: {} };
  app = await buildWebhookIngress({ ...deps, producer, metrics: createMetrics('ingress-whatsapp') }, ['whatsapp']);
  outage = await buildWebhookIngress({ ...deps, producer: deadProducer, metrics: createMetrics('ingress-whatsapp') }, ['whatsapp']);
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  outageBase = await outage.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app?.close();
  await outage?.close();
  await producer?.close();
  await deadProducer?.close();
  deadRedis?.disconnect();
  redis?.disconnect();
  await dropQueuePrefix(prefix);
  await db?.drop();
});

const sign = (body: string, secret = APP_SECRET) => `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
const post = (at: string, body: string, signature: string, inbox = inboxId) =>
  fetch(`${at}/webhooks/whatsapp/${inbox}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body });
const scrape = async (at: string) => {
  const res = await fetch(`${at}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
};
const webhooks = (text: string, outcome: string) => metricCount(text, 'switchboard_webhooks_total', { channel: 'whatsapp', outcome });

describe('webhook ingress metrics', () => {
  it('counts each webhook by the outcome its answer gave the platform', async () => {
    const text = fixtureText('whatsapp/text.json');
    expect((await post(base, text, sign(text))).status).toBe(200);
    expect((await post(base, text, sign(text, 'not-the-secret'))).status).toBe(401);
    const unreadable = '{"object": "whatsapp_business_account", "entry": [';
    expect((await post(base, unreadable, sign(unreadable))).status).toBe(200);
    expect((await post(base, text, sign(text), randomUUID())).status).toBe(404);
    const huge = `{"pad":"${'x'.repeat(1024 * 1024)}"}`;
    expect((await post(base, huge, sign(huge))).status).toBe(413);

    const page = await scrape(base);
    expect(webhooks(page, 'accepted')).toBe(1);
    expect(webhooks(page, 'unauthorized')).toBe(1);
    expect(webhooks(page, 'parked')).toBe(1);
    expect(webhooks(page, 'rejected')).toBe(2);
    expect(webhooks(page, 'unavailable')).toBe(0);
    // the request histogram names the route pattern, never the inbox id in the URL
    const route = '/webhooks/whatsapp/:inboxId';
    expect(metricCount(page, 'http_request_duration_seconds_count', { method: 'POST', route, status_code: '200' })).toBe(2);
    expect(metricCount(page, 'http_request_duration_seconds_count', { method: 'POST', route, status_code: '413' })).toBe(1);
    expect(page).not.toContain(inboxId);
    expect(page).toMatch(/^switchboard_webhooks_total\{(?=[^}]*service="ingress-whatsapp")(?=[^}]*outcome="accepted")[^}]*\} 1$/m);
  });

  it('counts a webhook it could not queue as unavailable (answered 503, the platform retries)', async () => {
    const text = fixtureText('whatsapp/text.json');
    expect((await post(outageBase, text, sign(text))).status).toBe(503);
    const page = await scrape(outageBase);
    expect(webhooks(page, 'unavailable')).toBe(1);
    expect(webhooks(page, 'accepted')).toBe(0);
  });
});
