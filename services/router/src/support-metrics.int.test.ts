import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Fastify from 'fastify';
import type { InboundEvent } from '@switchboard/contracts';
import { setInboxSurveySettings, withTransaction } from '@switchboard/db';
import { silentLogger } from '@switchboard/log';
import { createProducer, createRedis } from '@switchboard/queue';
import { manualClock, resolveConversation } from '@switchboard/routing';
import { createMetrics, registerMetricsRoute } from '@switchboard/runtime';
import { createTestDatabase, dropQueuePrefix, inboundText, metricCount, seedDesk, testQueuePrefix, testRedisUrl, type TestDatabase } from '@switchboard/testkit';
import { createRouterMetrics, type RouterMetrics } from './metrics.ts';
import { handleInbound } from './router.ts';

let db: TestDatabase;
let metrics: RouterMetrics;
const prefix = testQueuePrefix();
const redis = createRedis(testRedisUrl(), 'producer');
const producer = createProducer(redis, prefix);
const registry = createMetrics('router-support-test');
const http = Fastify();
const deps = () => ({ pool: db.pool, producer, logger: silentLogger(), clock: manualClock(), metrics });

beforeAll(async () => {
  db = await createTestDatabase();
  metrics = createRouterMetrics({ registry, logger: silentLogger() });
  registerMetricsRoute(http, registry);
});
afterAll(async () => {
  await http.close();
  await producer.close();
  redis.disconnect();
  await dropQueuePrefix(prefix);
  await db.drop();
});

async function scrape(): Promise<string> {
  const res = await http.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  return res.body;
}

const conversationOf = async (inboxId: string, thread: string) =>
  (await db.pool.query<{ id: string }>(`select id from conversations where inbox_id = $1 and thread_key = $2 order by created_at desc limit 1`, [inboxId, thread])).rows[0]!.id;

describe('the support figures the router counts', () => {
  it('counts a conversation once when a customer opens it, by channel', async () => {
    const desk = await seedDesk(db.pool, { agents: 0 });
    await handleInbound(deps(), inboundText(desk.inbox.id, { from: '3001', text: 'hello' }));
    await handleInbound(deps(), inboundText(desk.inbox.id, { from: '3001', text: 'are you there?' }));
    await handleInbound(deps(), inboundText(desk.inbox.id, { from: '3002', text: 'hi' }));
    const redelivered = inboundText(desk.inbox.id, { from: '3003', text: 'once' });
    await handleInbound(deps(), redelivered);
    await handleInbound(deps(), redelivered);
    expect(metricCount(await scrape(), 'switchboard_conversations_opened_total', { channel: 'telegram' })).toBe(3);
  });

  it('counts the survey scores it records by channel, kind and score; a repeated or foreign answer is not counted', async () => {
    const desk = await seedDesk(db.pool, { agents: 0 });
    await setInboxSurveySettings(db.pool, desk.inbox.id, { csat: true, nps: true, comment: false, answerWindowHours: 24 });
    await handleInbound(deps(), inboundText(desk.inbox.id, { from: '4001', text: 'help' }));
    const conversationId = await conversationOf(desk.inbox.id, '4001');
    const resolved = await withTransaction(db.pool, (tx) => resolveConversation(tx, conversationId, { agentId: null }, new Date()));
    const surveyId = resolved!.survey!.surveyId;
    const answer = (from: string, score: { csat?: number; nps?: number }, n: number): InboundEvent => ({
      ...inboundText(desk.inbox.id, { from, text: '' }),
      eventId: `survey-${from}-${n}`, type: 'survey_answer', externalMessageId: `survey-${n}`, content: { attachments: [] },
      survey: { surveyId, ...score },
    });
    await handleInbound(deps(), answer('4001', { csat: 4 }, 1));
    await handleInbound(deps(), answer('4001', { csat: 2 }, 2)); // already answered
    await handleInbound(deps(), answer('4999', { nps: 0 }, 3)); // another chat
    await handleInbound(deps(), answer('4001', { nps: 9 }, 4));
    const page = await scrape();
    const answers = (kind: string, score: string) => metricCount(page, 'switchboard_survey_answers_total', { channel: 'telegram', kind, score });
    expect([answers('csat', '4'), answers('csat', '2'), answers('nps', '0'), answers('nps', '9')]).toEqual([1, 0, 0, 1]);
  });

  it('counts a numeric reply on SMS as the score it recorded, and not a number that reopens the conversation', async () => {
    const desk = await seedDesk(db.pool, { agents: 0 });
    const { rows: [sms] } = await db.pool.query(`insert into inboxes(channel, name, default_queue_id) values ('sms', 'sms', $1) returning id`, [desk.queue.id]);
    await setInboxSurveySettings(db.pool, sms.id, { csat: true, nps: false, comment: false, answerWindowHours: 24 });
    const customer = '+14133881111';
    await handleInbound(deps(), inboundText(sms.id, { from: customer, text: 'help', channel: 'sms' }));
    const conversationId = await conversationOf(sms.id, customer);
    await withTransaction(db.pool, (tx) => resolveConversation(tx, conversationId, { agentId: null }, new Date()));
    await handleInbound(deps(), inboundText(sms.id, { from: customer, text: '3', channel: 'sms' }));
    await handleInbound(deps(), inboundText(sms.id, { from: customer, text: '5', channel: 'sms' })); // answered: an ordinary message
    const page = await scrape();
    const answers = (score: string) => metricCount(page, 'switchboard_survey_answers_total', { channel: 'sms', kind: 'csat', score });
    expect([answers('3'), answers('5')]).toEqual([1, 0]);
  });
});
