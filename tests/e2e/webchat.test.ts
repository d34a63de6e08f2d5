import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { waitFor } from '@switchboard/testkit';
import { ADMIN_TOKEN, apiClient, setUpDesk, startStack, type ApiClient, type Stack } from '../support/stack.ts';

let stack: Stack;
let agent: ApiClient;
let inboxId: string;
let agentId: string;

beforeAll(async () => {
  stack = await startStack();
  const desk = await setUpDesk(stack, { agents: 1, capacity: 10 });
  agent = desk.agents[0]!.client;
  agentId = desk.agents[0]!.id;
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
    const frames: { type: string; message?: { text: string; direction: string; clientMessageId: string | null } }[] = [];
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
    // the visitor's own message comes back stored, for their other tabs (and to confirm this one's)
    const echo = await waitFor(() => frames.find((f) => f.type === 'message' && f.message?.direction === 'in'), { what: 'the echo of the visitor message' });
    expect(echo.message).toMatchObject({ text: 'Is my order shipped?', clientMessageId: 'c-1', seq: 1 });

    const reply = await agent.post(`/api/v1/conversations/${conversation.id}/messages`, { text: 'Yes, it left today.' });
    expect(reply.status).toBe(201);
    const live = await waitFor(() => frames.find((f) => f.type === 'message' && f.message?.direction === 'out'), { what: 'the reply on the socket' });
    expect(live.message).toMatchObject({ text: 'Yes, it left today.', clientMessageId: null });
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

  it('resumes after a reconnect without losing or repeating a message', async () => {
    const v = await newVisitor('Bo');
    const first = await openSocket(v.token);
    await visitorSays(v.token, 'r-1', 'Hello?', 'Bo');
    const conversationId = await conversationOf('Bo');
    await agent.post(`/api/v1/conversations/${conversationId}/messages`, { text: 'A' });
    await waitFor(() => first.frames.find((f) => f.type === 'message' && f.message?.text === 'A'), { what: 'A live' });

    // the widget keeps what it has, by id; the connection drops while the agent writes on
    const shown = new Map<string, { seq: number; text: string }>();
    const show = (m: { id: string; seq: number | null; text: string }) => shown.set(m.id, { seq: m.seq ?? 0, text: m.text });
    for (const f of first.frames) if (f.type === 'message') show(f.message as never);
    first.socket.close();
    await agent.post(`/api/v1/conversations/${conversationId}/messages`, { text: 'B' });
    await agent.post(`/api/v1/conversations/${conversationId}/messages`, { text: 'C' });
    await waitFor(async () => (await historyOf(v.token, 0)).filter((m) => m.direction === 'out' && m.status === 'sent').length === 3, { what: 'B and C sent' });

    const second = await openSocket(v.token);
    const lastSeq = Math.max(...[...shown.values()].map((m) => m.seq));
    expect(lastSeq).toBeGreaterThan(0);
    for (const m of await historyOf(v.token, lastSeq)) show(m);
    await agent.post(`/api/v1/conversations/${conversationId}/messages`, { text: 'D' });
    const d = await waitFor(() => second.frames.find((f) => f.type === 'message' && f.message?.text === 'D'), { what: 'D live' });
    show(d.message as never);
    // a re-sync that overlaps a live frame must not show it twice
    for (const m of await historyOf(v.token, lastSeq)) show(m);
    const outgoing = [...shown.values()].filter((m) => m.text !== 'Hello?').sort((a, b) => a.seq - b.seq).map((m) => m.text);
    expect(outgoing).toEqual(['A', 'B', 'C', 'D']);
    second.socket.close();
  });

  it('shows typing both ways: the agent’s on the socket, the visitor’s as an event for agents', async () => {
    const v = await newVisitor('Cy');
    const live = await openSocket(v.token);
    await visitorSays(v.token, 't-1', 'Hi', 'Cy');
    const conversationId = await conversationOf('Cy');
    const typing = await agent.post(`/api/v1/conversations/${conversationId}/typing`, { typing: true });
    expect(typing).toMatchObject({ status: 200, body: { shown: true } });
    await waitFor(() => live.frames.find((f) => f.type === 'typing' && f.typing === true), { what: 'the agent typing on the socket' });

    live.socket.send(JSON.stringify({ type: 'typing', typing: true }));
    const event = await waitFor(
      async () => (await stack.pool.query(`select payload from events where type = 'conversation.typing' and conversation_id = $1`, [conversationId])).rows[0],
      { what: 'the visitor typing event' },
    );
    expect(event.payload).toEqual({ typing: true, by: 'contact' });
    live.socket.close();
  });

  it('routes a callback request to an agent with voice capacity, who records the outcome', async () => {
    const v = await newVisitor('Di');
    const res = await fetch(`${base()}/callbacks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${v.token}` },
      body: JSON.stringify({ clientRequestId: 'cb-1', name: 'Di', phone: '+1 555 0100', preferredTime: 'after 5 pm' }),
    });
    expect(res.status).toBe(202);
    const callback = await waitFor(
      async () => (await agent.get('/api/v1/conversations?assignee=me')).body.items.find((c: { kind: string; contact: { name: string } }) => c.kind === 'callback' && c.contact.name === 'Di'),
      { what: 'the callback to be assigned' },
    );
    expect(callback.callback).toMatchObject({ phone: '+1 555 0100', preferredTime: 'after 5 pm' });
    const voice = async () => (await stack.pool.query(`select active from agent_load where agent_id = $1 and channel = 'voice'`, [agentId])).rows[0].active;
    expect(await voice()).toBe(1);

    const done = await agent.post(`/api/v1/conversations/${callback.id}/callback`, { outcome: 'done', note: 'Reached, order re-sent' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'resolved', callback: { outcome: 'done', outcomeNote: 'Reached, order re-sent', completedBy: agentId } });
    expect(await voice()).toBe(0);
    const again = await agent.post(`/api/v1/conversations/${callback.id}/callback`, { outcome: 'failed' });
    expect(again.body).toMatchObject({ error: { code: 'callback_completed' } });
    expect(again.status).toBe(409);
  });

  it('sends an agent’s file to the visitor as a link they can download', async () => {
    const v = await newVisitor('Ed');
    const live = await openSocket(v.token);
    await visitorSays(v.token, 'f-1', 'Can I have the manual?', 'Ed');
    const conversationId = await conversationOf('Ed');
    const pdf = Buffer.from('%PDF-1.4\n%%EOF\n');
    const upload = await agent.upload(`/api/v1/conversations/${conversationId}/attachments`, { bytes: pdf, fileName: 'manual.pdf', type: 'application/pdf' });
    expect(upload.status).toBe(201);
    expect((await agent.post(`/api/v1/conversations/${conversationId}/messages`, { text: 'Here you go', attachments: [upload.body.id] })).status).toBe(201);
    const frame = await waitFor(() => live.frames.find((f) => f.type === 'message' && f.message?.text === 'Here you go'), { what: 'the file reply live' });
    const [file] = (frame.message as unknown as { attachments: { fileName: string; url: string }[] }).attachments;
    expect(file).toMatchObject({ fileName: 'manual.pdf', url: `/webchat/${inboxId}/files/${upload.body.sha256}` });
    const download = await fetch(`${stack.urls.webchat}${file!.url}?token=${encodeURIComponent(v.token)}`);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(pdf)).toBe(true);
    live.socket.close();
  });
});

const base = () => `${stack.urls.webchat}/webchat/${inboxId}`;

async function newVisitor(name: string) {
  const res = await fetch(`${base()}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
  expect(res.status).toBe(201);
  return (await res.json()) as { token: string; visitorId: string };
}

type Frame = { type: string; typing?: boolean; message?: { id: string; seq: number | null; text: string } };

async function openSocket(token: string) {
  const socket = new WebSocket(`${base().replace('http', 'ws')}/socket?token=${encodeURIComponent(token)}`);
  const frames: Frame[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(String(data))));
  await waitFor(() => frames.some((f) => f.type === 'ready'), { what: 'the socket to be ready' });
  return { socket, frames };
}

async function visitorSays(token: string, clientMessageId: string, text: string, name?: string) {
  const res = await fetch(`${base()}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    // the session does not carry the name: like the widget, each message (re)introduces the visitor
    body: JSON.stringify({ clientMessageId, text, name }),
  });
  expect(res.status).toBe(202);
}

async function conversationOf(name: string, kind = 'chat'): Promise<string> {
  return waitFor(
    async () => (await agent.get('/api/v1/conversations?assignee=me')).body.items.find((c: { kind: string; contact: { name: string } }) => c.kind === kind && c.contact.name === name)?.id,
    { what: `${name}'s ${kind} to reach the agent` },
  );
}

async function historyOf(token: string, afterSeq: number) {
  const res = await fetch(`${base()}/messages?after_seq=${afterSeq}`, { headers: { authorization: `Bearer ${token}` } });
  return ((await res.json()) as { items: { id: string; seq: number; direction: string; text: string; status: string }[] }).items;
}
