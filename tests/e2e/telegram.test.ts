import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { createRedis } from '@switchboard/queue';
import { fixtureJson, fixtureText, testRedisUrl, waitFor } from '@switchboard/testkit';
import { ADMIN_TOKEN, apiClient, setUpDesk, startStack, type ApiClient, type Stack } from '../support/stack.ts';

const vector = fixtureJson('telegram/sig_secret_token_valid.json') as { secret: string };
const update = fixtureText('telegram/text_private.json'); // chat 218485655, message 6557, "hello there"

let stack: Stack;
let agent: ApiClient;
let webhookUrl: string;
let inboundQueue: Queue;
const queueRedis = createRedis(testRedisUrl(), 'worker');

const postUpdate = (body: string, secret: string | null = vector.secret) =>
  fetch(webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret === null ? {} : { 'x-telegram-bot-api-secret-token': secret }) },
    body,
  });

beforeAll(async () => {
  stack = await startStack();
  const desk = await setUpDesk(stack, { agents: 1, capacity: 3 });
  agent = desk.agents[0]!.client;
  const inbox = await apiClient(stack.urls.api, ADMIN_TOKEN).post('/api/v1/inboxes', {
    channel: 'telegram',
    name: 'Support bot',
    defaultQueueId: desk.queueId,
    secrets: { botToken: '123456:E2E-bot-token', webhookSecret: vector.secret },
  });
  expect(inbox.status).toBe(201);
  webhookUrl = inbox.body.webhookUrl;
  inboundQueue = new Queue('inbound', { connection: queueRedis, prefix: stack.prefix });
});
afterAll(async () => {
  await inboundQueue.close();
  queueRedis.disconnect();
  await stack.close();
});

describe('a Telegram message through the whole system', () => {
  let conversationId: string;

  it('reaches the assigned agent through the REST API', async () => {
    const res = await postUpdate(update);
    expect(res.status).toBe(200);
    const list = await waitFor(
      async () => {
        const r = await agent.get('/api/v1/conversations?assignee=me');
        return r.body.items.length === 1 && r.body;
      },
      { what: 'the conversation to be assigned to the agent' },
    );
    conversationId = list.items[0].id;
    expect(list.items[0]).toMatchObject({ channel: 'telegram', status: 'open', routingState: 'assigned' });
    const messages = await agent.get(`/api/v1/conversations/${conversationId}/messages`);
    expect(messages.body.items).toEqual([expect.objectContaining({ direction: 'in', text: 'hello there', externalId: '218485655:6557' })]);
  });

  it("delivers the agent's reply to the customer's chat and records it as sent", async () => {
    const reply = await agent.post(`/api/v1/conversations/${conversationId}/messages`, { text: 'Hi! How can we help?' });
    expect(reply.status).toBe(201);
    const call = await stack.telegram.waitForCall('sendMessage', (c) => c.params.text === 'Hi! How can we help?');
    expect(call.token).toBe('123456:E2E-bot-token');
    expect(String(call.params.chat_id)).toBe('218485655');

    const sent = await waitFor(
      async () => {
        const r = await agent.get(`/api/v1/conversations/${conversationId}/messages`);
        const m = r.body.items.find((x: { id: string }) => x.id === reply.body.id);
        return m?.status === 'sent' && m;
      },
      { what: 'the reply to be marked sent' },
    );
    expect(sent.externalId).toMatch(/^218485655:\d+$/);
  });

  it('sends an uploaded screenshot as a photo', async () => {
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
    const upload = await agent.upload(`/api/v1/conversations/${conversationId}/attachments`, { bytes: png, fileName: 'where-to-click.png', type: 'image/png' });
    expect(upload.status).toBe(201);
    const reply = await agent.post(`/api/v1/conversations/${conversationId}/messages`, { attachments: [upload.body.id] });
    expect(reply.status).toBe(201);
    const call = await stack.telegram.waitForCall('sendPhoto', (c) => String(c.params.chat_id) === '218485655');
    expect(call.params.photo).toEqual({ filename: 'where-to-click.png', size: png.length });
    await waitFor(
      async () => {
        const r = await agent.get(`/api/v1/conversations/${conversationId}/messages`);
        return r.body.items.some((x: { id: string; status: string }) => x.id === reply.body.id && x.status === 'sent');
      },
      { what: 'the photo reply to be marked sent' },
    );
  });

  it('stores an update delivered twice once', async () => {
    const res = await postUpdate(update);
    expect(res.status).toBe(200);
    // a fresh message after the duplicate proves the duplicate was processed (or dropped) first
    const later = update.replace('"message_id": 6557', '"message_id": 6558').replace('hello there', 'are you there?');
    expect(later).not.toBe(update);
    expect((await postUpdate(later)).status).toBe(200);
    const items = await waitFor(
      async () => {
        const r = await agent.get(`/api/v1/conversations/${conversationId}/messages`);
        return r.body.items.some((m: { text: string }) => m.text === 'are you there?') && r.body.items;
      },
      { what: 'the later message' },
    );
    expect(items.filter((m: { text: string }) => m.text === 'hello there')).toHaveLength(1);
  });

  it('downloads a photo the customer sent into the blob store, for the agent to open', async () => {
    const photoUpdate = fixtureJson('telegram/photo_caption_entities.json') as { message: { chat: { id: number }; photo: { file_id: string }[] } };
    const largest = photoUpdate.message.photo.at(-1)!.file_id;
    const jpeg = Buffer.from('\xff\xd8\xff\xe0 the screenshot', 'latin1');
    stack.telegram.addFile(jpeg, { fileId: largest, fileName: 'file_12.jpg', contentType: 'image/jpeg' });
    expect((await postUpdate(JSON.stringify(photoUpdate))).status).toBe(200);

    const stored = await waitFor(
      async () => {
        const list = await agent.get('/api/v1/conversations?assignee=me');
        const conversation = list.body.items.find((c: { id: string }) => c.id !== conversationId);
        if (!conversation) return undefined;
        const messages = await agent.get(`/api/v1/conversations/${conversation.id}/messages`);
        const attachment = messages.body.items[0]?.attachments?.[0];
        return attachment?.externalId?.startsWith('blob:') && { conversationId: conversation.id as string, attachment };
      },
      { what: 'the photo to be fetched into the blob store', timeoutMs: 15_000 },
    );
    expect(stored.attachment).toMatchObject({ kind: 'image', mimeType: 'image/jpeg', size: jpeg.length });
    const key = String(stored.attachment.externalId).slice('blob:'.length);
    const download = await fetch(`${stack.urls.api}/api/v1/conversations/${stored.conversationId}/attachments/${key}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(jpeg)).toBe(true);
  });

  it('answers 401 to a wrong or missing secret token and queues nothing', async () => {
    const before = await inboundQueue.getJobCounts();
    expect((await postUpdate(update, 'NotTheSecretToken')).status).toBe(401);
    expect((await postUpdate(update, null)).status).toBe(401);
    expect(await inboundQueue.getJobCounts()).toEqual(before);
  });
});
