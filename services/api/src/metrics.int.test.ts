import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { QUEUES } from '@switchboard/contracts';
import { metricCount, metricSample } from '@switchboard/testkit';
import { ADMIN_TOKEN, startTestApi, type TestApi } from './testing.ts';

let api: TestApi;
let base: string;

beforeAll(async () => {
  api = await startTestApi();
  base = await api.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await api?.close();
});

const scrape = async () => {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
};
const call = (method: string, path: string, body?: unknown) =>
  fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });

describe('API metrics', () => {
  it('times requests by route pattern and status, never by raw URL', async () => {
    expect((await call('POST', '/api/v1/agents', { name: 'Metered' })).status).toBe(201);
    const missing = randomUUID();
    expect((await call('GET', `/api/v1/conversations/${missing}`)).status).toBe(404);
    expect((await fetch(`${base}/api/v1/agents`)).status).toBe(401);
    expect((await fetch(`${base}/no/such/page?id=${missing}`)).status).toBe(404);

    const page = await scrape();
    const requests = (method: string, route: string, status: string) => metricCount(page, 'http_request_duration_seconds_count', { method, route, status_code: status });
    expect(requests('POST', '/api/v1/agents', '201')).toBe(1);
    expect(requests('GET', '/api/v1/conversations/:id', '404')).toBe(1);
    expect(requests('GET', '/api/v1/agents', '401')).toBe(1);
    expect(requests('GET', 'unmatched', '404')).toBe(1);
    expect(page).not.toContain(missing);
    expect(page).toMatch(/^# TYPE http_request_duration_seconds histogram$/m);
  });

  it('reports the job counts of every catalog queue, read at scrape time', async () => {
    const queueId = randomUUID();
    const before = await scrape();
    for (const queue of Object.keys(QUEUES)) {
      for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed']) expect(metricSample(before, 'switchboard_queue_jobs', { queue, state })).toBeDefined();
    }
    await api.producer.add('routing', { queueId, reason: 'metrics test' });
    await api.producer.add('routing-timers', { kind: 'sla-due', conversationId: randomUUID() }, { delay: 60_000 });

    const after = await scrape();
    const jobs = (text: string, queue: string, state: string) => metricCount(text, 'switchboard_queue_jobs', { queue, state });
    expect(jobs(after, 'routing', 'waiting') - jobs(before, 'routing', 'waiting')).toBe(1);
    expect(jobs(after, 'routing-timers', 'delayed') - jobs(before, 'routing-timers', 'delayed')).toBe(1);
    expect(metricSample(after, 'switchboard_queue_jobs_read_failures_total')).toBe(0);
  });
});
