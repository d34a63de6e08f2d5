import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { metricCount } from '@switchboard/testkit';
import { callers, receiveTelegramMessage, startTestApi, type TestApi } from './testing.ts';

let api: TestApi;
const { as, admin } = callers(() => api);
let sue = ''; // a supervisor's token
let inboxId: string;

beforeAll(async () => {
  api = await startTestApi();
  const supervisor = (await admin('POST', '/api/v1/agents', { name: 'Sue', role: 'supervisor' })).json();
  sue = supervisor.token;
  const queue = (await admin('POST', '/api/v1/queues', { name: 'Support', memberIds: [supervisor.agent.id] })).json().id;
  inboxId = (await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Bot', defaultQueueId: queue, secrets: { botToken: '123456:AAbbCCdd_ee-ff' } })).json().id;
});
afterAll(async () => {
  await api?.close();
});

const scrape = async () => {
  const res = await api.call(null, { method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  return res.body;
};

describe('the support figures the API counts on resolve', () => {
  it('counts every resolve by channel and observes first response and resolution times at the first one', async () => {
    const answered = await receiveTelegramMessage(api.pool, inboxId, '5001');
    expect((await as(sue, 'POST', `/api/v1/conversations/${answered}/messages`, { text: 'On it!' })).statusCode).toBe(201);
    expect((await as(sue, 'POST', `/api/v1/conversations/${answered}/resolve`)).statusCode).toBe(200);
    const unanswered = await receiveTelegramMessage(api.pool, inboxId, '5002');
    expect((await as(sue, 'POST', `/api/v1/conversations/${unanswered}/resolve`)).statusCode).toBe(200);
    // resolving twice changes nothing, so counts nothing
    expect((await as(sue, 'POST', `/api/v1/conversations/${unanswered}/resolve`)).statusCode).toBe(200);

    let page = await scrape();
    const telegram = { channel: 'telegram' };
    expect(metricCount(page, 'switchboard_conversations_resolved_total', telegram)).toBe(2);
    // the unanswered one has no first response
    expect(metricCount(page, 'switchboard_first_response_seconds_count', telegram)).toBe(1);
    expect(metricCount(page, 'switchboard_resolution_seconds_count', telegram)).toBe(2);
    const { rows } = await api.pool.query<{ s: number }>(`select first_response_s as s from conversation_metrics where conversation_id = $1`, [answered]);
    expect(metricCount(page, 'switchboard_first_response_seconds_sum', telegram)).toBeCloseTo(rows[0]!.s, 6);

    expect((await as(sue, 'POST', `/api/v1/conversations/${answered}/reopen`)).statusCode).toBe(200);
    expect((await as(sue, 'POST', `/api/v1/conversations/${answered}/resolve`)).statusCode).toBe(200);
    page = await scrape();
    expect(metricCount(page, 'switchboard_conversations_resolved_total', telegram)).toBe(3);
    expect(metricCount(page, 'switchboard_first_response_seconds_count', telegram)).toBe(1);
    expect(metricCount(page, 'switchboard_resolution_seconds_count', telegram)).toBe(2);
  });
});
