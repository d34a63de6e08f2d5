import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { waitFor } from '@switchboard/testkit';
import { ADMIN_TOKEN, apiClient, setUpDesk, startStack, type ApiClient, type Stack } from '../support/stack.ts';

let stack: Stack;
let agent: ApiClient;
let inboxId: string;

beforeAll(async () => {
  stack = await startStack();
  const desk = await setUpDesk(stack, { agents: 1, capacity: 3 });
  agent = desk.agents[0]!.client;
  const inbox = await apiClient(stack.urls.api, ADMIN_TOKEN).post('/api/v1/inboxes', { channel: 'webchat', name: 'Website', defaultQueueId: desk.queueId });
  expect(inbox.status).toBe(201);
  inboxId = inbox.body.id;
});
afterAll(async () => {
  await stack.close();
});

describe('a web-chat visitor', () => {
  it("reaches an agent, and the agent's reply reaches the visitor live", async () => {
    const base = `${stack.urls.webchat}/webchat/${inboxId}`;
    const session = await fetch(`${base}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ada' }) });
    expect(session.status).toBe(201);
    const { token } = (await session.json()) as { token: string; visitorId: string };

    const socket = new WebSocket(`${base.replace('http', 'ws')}/socket?token=${encodeURIComponent(token)}`);
    const frames: { type: string; message?: { text: string } }[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(String(data))));
    await waitFor(() => frames.some((f) => f.type === 'ready'), { what: 'the socket to be ready' });

    const sent = await fetch(`${base}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ clientMessageId: 'c-1', text: 'Is my order shipped?', name: 'Ada' }),
    });
    expect(sent.status).toBe(202);

    const conversation = await waitFor(
      async () => (await agent.get('/api/v1/conversations?assignee=me')).body.items[0],
      { what: 'the visitor conversation to reach the agent' },
    );
    expect(conversation).toMatchObject({ channel: 'webchat', contact: { name: 'Ada' } });
    const inbound = await agent.get(`/api/v1/conversations/${conversation.id}/messages`);
    expect(inbound.body.items.map((m: { text: string }) => m.text)).toEqual(['Is my order shipped?']);

    const reply = await agent.post(`/api/v1/conversations/${conversation.id}/messages`, { text: 'Yes, it left today.' });
    expect(reply.status).toBe(201);
    const live = await waitFor(() => frames.find((f) => f.type === 'message'), { what: 'the reply on the socket' });
    expect(live.message?.text).toBe('Yes, it left today.');
    await waitFor(
      async () => (await agent.get(`/api/v1/conversations/${conversation.id}/messages`)).body.items.find((m: { id: string; status: string }) => m.id === reply.body.id && m.status === 'sent'),
      { what: 'the reply to be marked sent' },
    );

    // after a reconnect the widget re-reads history: the reply is there too
    const history = await fetch(`${base}/messages`, { headers: { authorization: `Bearer ${token}` } });
    const items = ((await history.json()) as { items: { direction: string; text: string }[] }).items;
    expect(items.map((m) => [m.direction, m.text])).toEqual([['in', 'Is my order shipped?'], ['out', 'Yes, it left today.']]);
    socket.close();
  });
});
