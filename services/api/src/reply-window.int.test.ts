import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { InboundEvent } from '@switchboard/contracts';
import { recordInbound, withTransaction } from '@switchboard/db';
import { seedDesk } from '@switchboard/testkit';
import { callers, startTestApi, waitingJobs, type TestApi } from './testing.ts';

const HOUR = 3_600_000;
let api: TestApi;
let inboxId: string;
const { admin } = callers(() => api);

/** Stores one inbound WhatsApp message the customer sent `hoursAgo` hours ago; returns its conversation. */
async function customerWrote(from: string, hoursAgo: number): Promise<string> {
  const sentAt = new Date(Date.now() - hoursAgo * HOUR).toISOString();
  const event: InboundEvent = {
    eventId: `wa-wamid.${from}`,
    inboxId,
    channel: 'whatsapp',
    type: 'message',
    externalMessageId: `wamid.${from}`,
    thread: { externalId: from },
    sender: { externalId: from, phone: `+${from}` },
    content: { text: 'my order is late', attachments: [] },
    sentAt,
    receivedAt: new Date().toISOString(),
    raw: {},
  };
  const outcome = await withTransaction(api.pool, (tx) => recordInbound(tx, event));
  if (outcome.kind !== 'stored') throw new Error(`inbound not stored: ${outcome.kind}`);
  return outcome.conversationId;
}

const outbound = async () => (await waitingJobs(api.prefix, 'outbound-whatsapp')).map((j) => j.data.messageId);
const reply = (conversationId: string, body: object) => admin('POST', `/api/v1/conversations/${conversationId}/messages`, body);

beforeAll(async () => {
  api = await startTestApi();
  const desk = await seedDesk(api.pool, {
    channel: 'whatsapp',
    agents: 0,
    config: { phoneNumberId: '1122334455667', apiVersion: 'v21.0' },
    secrets: { accessToken: 'EAAG-token', appSecret: 'app-secret', verifyToken: 'verify' },
  });
  inboxId = desk.inbox.id;
});
afterAll(async () => {
  await api?.close();
});

describe('the WhatsApp 24-hour customer-service window', () => {
  it('refuses a free-form reply 25 h after the customer last wrote with 422 outside_reply_window, and queues nothing', async () => {
    const conversationId = await customerWrote('972500000001', 25);
    const before = await outbound();
    const res = await reply(conversationId, { text: 'Sorry for the wait!' });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'outside_reply_window', message: expect.stringMatching(/template/) });
    expect(await outbound()).toEqual(before);
    const { rows } = await api.pool.query(`select count(*)::int as n from messages where conversation_id = $1 and direction = 'out'`, [conversationId]);
    expect(rows[0].n).toBe(0);
  });

  it('accepts a template outside the window (201) and queues it for delivery', async () => {
    const conversationId = await customerWrote('972500000002', 30);
    const res = await reply(conversationId, { template: { name: 'order_update', language: 'en_US', parameters: ['#42'] } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ direction: 'out', template: { name: 'order_update', language: 'en_US', parameters: ['#42'] } });
    expect(await outbound()).toContain(res.json().id);
  });

  it('accepts a free-form reply within the window', async () => {
    const conversationId = await customerWrote('972500000003', 23);
    const res = await reply(conversationId, { text: 'On it!' });
    expect(res.statusCode).toBe(201);
    expect(await outbound()).toContain(res.json().id);
  });
});
