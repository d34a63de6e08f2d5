import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createInbox, type Inbox } from '@switchboard/db';
import { silentLogger } from '@switchboard/log';
import { createRedis } from '@switchboard/queue';
import { clearOfWindowEdge, testRedisUrl } from '@switchboard/testkit';
import { buildWebchatIngress } from './app.ts';
import { startHarness, type Harness } from './test-harness.ts';

let h: Harness;
let app: FastifyInstance;
let inbox: Inbox;
const limiterRedis = createRedis(testRedisUrl(), 'producer');

beforeAll(async () => {
  h = await startHarness();
  inbox = await createInbox(h.db.pool, h.secretBox, {
    channel: 'webchat', name: 'limited', config: { allowedOrigins: [] }, secrets: { visitorTokenKey: randomBytes(32).toString('base64') }, defaultQueueId: null,
  });
  // each test file has its own inbox, so its counters never meet another run's; the IPs are made up per test
  app = await buildWebchatIngress({
    pool: h.db.pool, producer: h.producer, subscriber: h.subscriber, secretBox: h.secretBox, logger: silentLogger(), readiness: {},
    rateLimits: { redis: limiterRedis, perIp: 8, sessionsPerIp: 3, perVisitor: 4, keyPrefix: h.prefix },
    trustProxy: true,
  });
});
afterAll(async () => {
  await app.close();
  limiterRedis.disconnect();
  await h.close();
});

const from = (ip: string) => ({ 'x-forwarded-for': ip });
const newSession = (ip: string) => app.inject({ method: 'POST', url: `/webchat/${inbox.id}/sessions`, payload: {}, headers: from(ip) });
const send = (ip: string, token: string, id: string) =>
  app.inject({ method: 'POST', url: `/webchat/${inbox.id}/messages`, payload: { clientMessageId: id, text: 'hi' }, headers: { ...from(ip), authorization: `Bearer ${token}` } });
const testIp = () => `10.${randomBytes(1)[0]}.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;

// the limits count per fixed minute: a test that straddled a minute would see its count reset
beforeEach(() => clearOfWindowEdge(60_000));

describe('web-chat rate limits', () => {
  it('limits new sessions per IP with 429 and Retry-After, other IPs unaffected', async () => {
    const ip = testIp();
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await newSession(ip)).statusCode);
    expect(codes).toEqual([201, 201, 201, 429]);
    const refused = await newSession(ip);
    expect(refused.json().error.code).toBe('rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await newSession(testIp())).statusCode).toBe(201);
  });

  it('limits one visitor’s sends, wherever they come from, without limiting another visitor', async () => {
    const ip = testIp();
    const session = (await newSession(ip)).json() as { token: string; visitorId: string };
    const a = session.token;
    const b = (await newSession(ip)).json().token as string;
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await send(testIp(), a, `a${i}`)).statusCode);
    expect(codes).toEqual([202, 202, 202, 202, 429]);
    expect((await send(testIp(), b, 'b0')).statusCode).toBe(202);
    // only four of a's sends were queued
    const jobs = await h.inbound.getJobs(['waiting', 'delayed', 'active', 'completed']);
    expect(jobs.filter((j) => (j.data as { eventId: string }).eventId.startsWith(`wc-${session.visitorId}-a`)).length).toBe(4);
  });

  it('limits all requests of one IP', async () => {
    const ip = testIp();
    const token = (await newSession(ip)).json().token as string;
    const codes = [];
    for (let i = 0; i < 8; i++) codes.push((await app.inject({ method: 'GET', url: `/webchat/${inbox.id}/messages`, headers: { ...from(ip), authorization: `Bearer ${token}` } })).statusCode);
    expect(codes.slice(0, 7).every((c) => c === 200)).toBe(true);
    expect(codes[7]).toBe(429);
    expect((await app.inject({ method: 'GET', url: '/healthz', headers: from(ip) })).statusCode).toBe(200);
  });

  it('keeps the counts of another install sharing the Redis apart (QUEUE_PREFIX)', async () => {
    const ip = testIp();
    for (let i = 0; i < 3; i++) expect((await newSession(ip)).statusCode).toBe(201);
    expect((await newSession(ip)).statusCode).toBe(429);
    const other = await buildWebchatIngress({
      pool: h.db.pool, producer: h.producer, subscriber: h.subscriber, secretBox: h.secretBox, logger: silentLogger(), readiness: {},
      rateLimits: { redis: limiterRedis, perIp: 8, sessionsPerIp: 3, perVisitor: 4, keyPrefix: `${h.prefix}-other` },
      trustProxy: true,
    });
    try {
      const answer = await other.inject({ method: 'POST', url: `/webchat/${inbox.id}/sessions`, payload: {}, headers: from(ip) });
      expect(answer.statusCode).toBe(201);
    } finally {
      await other.close();
    }
  });
});
