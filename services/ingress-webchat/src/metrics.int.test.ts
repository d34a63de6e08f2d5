import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Inbox } from '@switchboard/db';
import { createMetrics } from '@switchboard/runtime';
import { metricCount, waitFor } from '@switchboard/testkit';
import { startHarness, type Harness } from './test-harness.ts';

let h: Harness;
let inbox: Inbox;
let base: string;

beforeAll(async () => {
  h = await startHarness({ metrics: createMetrics('ingress-webchat') });
  inbox = await h.createWebchatInbox();
  base = await h.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await h?.close();
});

const post = (path: string, body: unknown, token?: string) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) }, body: JSON.stringify(body) });

describe('web-chat metrics', () => {
  it('counts visitor messages by outcome and times requests by route pattern', async () => {
    const session = await post(`/webchat/${inbox.id}/sessions`, { name: 'Ada' });
    expect(session.status).toBe(201);
    const { token, visitorId } = (await session.json()) as { token: string; visitorId: string };
    expect((await post(`/webchat/${inbox.id}/messages`, { clientMessageId: 'm1', text: 'hello' }, token)).status).toBe(202);
    expect((await post(`/webchat/${inbox.id}/messages`, { clientMessageId: 'm2', text: 'hello' }, 'forged')).status).toBe(401);
    expect((await post(`/webchat/${inbox.id}/messages`, { clientMessageId: 'm3' }, token)).status).toBe(400);
    await waitFor(async () => (await h.inbound.getJobs(['waiting'])).some((j) => j.data.sender.externalId === visitorId), { what: 'message queued' });

    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    const page = await res.text();
    const messages = (outcome: string) => metricCount(page, 'switchboard_webhooks_total', { channel: 'webchat', outcome });
    expect([messages('accepted'), messages('unauthorized'), messages('rejected'), messages('parked'), messages('unavailable')]).toEqual([1, 1, 1, 0, 0]);
    const requests = (method: string, route: string, status: string) => metricCount(page, 'http_request_duration_seconds_count', { method, route, status_code: status });
    expect(requests('POST', '/webchat/:inboxId/sessions', '201')).toBe(1);
    expect(requests('POST', '/webchat/:inboxId/messages', '202')).toBe(1);
    expect(requests('POST', '/webchat/:inboxId/messages', '401')).toBe(1);
    // opening a session is not a message
    expect(page).not.toMatch(/switchboard_webhooks_total\{[^}]*outcome="accepted"[^}]*\} 2/);
  });
});
