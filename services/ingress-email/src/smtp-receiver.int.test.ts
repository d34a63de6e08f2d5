import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { silentLogger } from '@switchboard/log';
import { createProducer, createRedis, type Producer } from '@switchboard/queue';
import { createTestDatabase, dropQueuePrefix, fixtureText, metricCount, seedDesk, sendSmtp, testQueuePrefix, testRedisUrl, type TestDatabase } from '@switchboard/testkit';
import { createMetrics } from '@switchboard/runtime';
import { startSmtpReceiver, type SmtpReceiver } from './smtp-receiver.ts';

const CONFIG = {
  address: 'support@shop.example',
  imap: { host: '127.0.0.1', port: 143, secure: false, user: 'support@shop.example' },
  smtp: { host: '127.0.0.1', port: 25, secure: false },
};
const AUTH = { user: 'mta', password: 's3cret-relay' };
const CUSTOMER_MAIL = fixtureText('email/reply_in_reply_to_references.eml');
const CUSTOMER_ID = '<473FFE27.20003@xxx.org>';
const FROM = 'xxxxxxxx@xxx.org';

let db: TestDatabase;
let redis: Redis;
let producer: Producer;
let receiver: SmtpReceiver;
const prefix = testQueuePrefix();
const metrics = createMetrics('ingress-email');
const mailCount = async (registry: typeof metrics, outcome: string) => metricCount(await registry.metrics(), 'switchboard_webhooks_total', { channel: 'email', outcome });

const target = (port: number, pass = AUTH.password) => ({ host: '127.0.0.1', port, auth: { user: AUTH.user, pass } });
const queuedJobs = async () => {
  const ids = await redis.lrange(`${prefix}:inbound:wait`, 0, -1);
  return Promise.all(ids.map(async (id) => JSON.parse((await redis.hget(`${prefix}:inbound:${id}`, 'data'))!)));
};
const failureOf = (p: Promise<unknown>) => p.then(() => { throw new Error('expected the mail to be refused'); }, (error: { responseCode?: number }) => error.responseCode);

beforeAll(async () => {
  db = await createTestDatabase();
  await seedDesk(db.pool, { channel: 'email', agents: 0, config: CONFIG, secrets: { imapPassword: 'x' } });
  redis = createRedis(testRedisUrl(), 'producer');
  producer = createProducer(redis, prefix);
  receiver = await startSmtpReceiver({ pool: db.pool, producer, logger: silentLogger(), metrics }, { host: '127.0.0.1', port: 0, maxBytes: 64 * 1024, auth: AUTH });
});
afterAll(async () => {
  await receiver?.close();
  await producer?.close();
  redis?.disconnect();
  await dropQueuePrefix(prefix);
  await db?.drop();
});

describe('SMTP receiver', () => {
  it('refuses a wrong password with 535', async () => {
    expect(await failureOf(sendSmtp(target(receiver.port, 'wrong'), { from: FROM, to: [CONFIG.address] }, CUSTOMER_MAIL))).toBe(535);
  });

  it('refuses a recipient that is no inbox of ours with 550', async () => {
    expect(await failureOf(sendSmtp(target(receiver.port), { from: FROM, to: ['someone@else.example'] }, CUSTOMER_MAIL))).toBe(550);
  });

  it('refuses a message above the size limit with 552', async () => {
    const big = `${CUSTOMER_MAIL.replace(/\r?\n\r?\n/, '\r\n\r\n')}\r\n${'x'.repeat(76).concat('\r\n').repeat(1200)}`;
    expect(await failureOf(sendSmtp(target(receiver.port), { from: FROM, to: [CONFIG.address] }, big))).toBe(552);
    expect(await queuedJobs()).toHaveLength(0);
  });

  it('answers 451 while Redis is down, so the MTA keeps the mail; its retry is queued once', async () => {
    const deadRedis = createRedis('redis://127.0.0.1:1', 'producer');
    // nothing listens there: its connection errors are the point, not a failure of the test file
    deadRedis.on('error', () => {});
    const deadProducer = createProducer(deadRedis, prefix, { timeoutMs: 1_000 });
    const downMetrics = createMetrics('ingress-email');
    const down = await startSmtpReceiver({ pool: db.pool, producer: deadProducer, logger: silentLogger(), metrics: downMetrics }, { host: '127.0.0.1', port: 0, maxBytes: 64 * 1024, auth: AUTH });
    try {
      expect(await failureOf(sendSmtp(target(down.port), { from: FROM, to: [CONFIG.address] }, CUSTOMER_MAIL))).toBe(451);
      expect(await mailCount(downMetrics, 'unavailable')).toBe(1);
      expect(await mailCount(downMetrics, 'accepted')).toBe(0);
    } finally {
      await down.close();
      await deadProducer.close();
    deadRedis.disconnect();
    }
    expect(await queuedJobs()).toHaveLength(0);

    // the MTA's retry reaches a healthy receiver
    const accepted = await mailCount(metrics, 'accepted');
    const { response } = await sendSmtp(target(receiver.port), { from: FROM, to: [CONFIG.address] }, CUSTOMER_MAIL);
    expect(response).toMatch(/^250/);
    expect(await mailCount(metrics, 'accepted')).toBe(accepted + 1);
    const jobs = await queuedJobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ channel: 'email', externalMessageId: CUSTOMER_ID, sender: { email: FROM } });
  });

  it('accepts a reply+token address of the inbox domain, and the same mail again is not queued twice', async () => {
    await sendSmtp(target(receiver.port), { from: FROM, to: ['reply+6bdc3f4d@shop.example'] }, CUSTOMER_MAIL);
    expect(await queuedJobs()).toHaveLength(1);
  });
});
