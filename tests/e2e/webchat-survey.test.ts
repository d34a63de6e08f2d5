import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { listSurveys } from '@switchboard/db';
import { waitFor } from '@switchboard/testkit';
import { ADMIN_TOKEN, apiClient, setUpDesk, startStack, type ApiClient, type Stack } from '../support/stack.ts';

type Frame = { type: string; message?: { id: string; text: string | null; direction: string }; survey?: { id: string; asks: string[]; acceptsComment: boolean; expiresAt: string } };

let stack: Stack;
let agent: ApiClient;
let base: string;

beforeAll(async () => {
  stack = await startStack();
  const desk = await setUpDesk(stack, { agents: 1, capacity: 10 });
  agent = desk.agents[0]!.client;
  const inbox = await apiClient(stack.urls.api, ADMIN_TOKEN).post('/api/v1/inboxes', {
    channel: 'webchat',
    name: 'Website',
    defaultQueueId: desk.queueId,
    survey: { csat: true, nps: false, comment: true, answerWindowHours: 24 },
  });
  expect(inbox.status).toBe(201);
  base = `${stack.urls.webchat}/webchat/${inbox.body.id}`;
});
afterAll(async () => {
  await stack.close();
});

const answer = (token: string, body: unknown) =>
  fetch(`${base}/survey`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });

/** A visitor who chatted, was answered and whose chat was resolved: their socket got the survey frame. */
async function ratedVisitor(text: string): Promise<{ token: string; conversationId: string; frame: Frame; socket: WebSocket }> {
  const session = await fetch(`${base}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ada' }) });
  const { token } = (await session.json()) as { token: string };
  const socket = new WebSocket(`${base.replace('http', 'ws')}/socket?token=${encodeURIComponent(token)}`);
  const frames: Frame[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(String(data))));
  await waitFor(() => frames.some((f) => f.type === 'ready'), { what: 'the socket to be ready' });
  const sent = await fetch(`${base}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ clientMessageId: `c-${text.length}`, text }),
  });
  expect(sent.status).toBe(202);
  const conversation = await waitFor(
    async () => (await agent.get('/api/v1/conversations?assignee=me&status=open')).body.items[0] as { id: string } | undefined,
    { what: 'the conversation to reach the agent' },
  );
  expect((await agent.post(`/api/v1/conversations/${conversation.id}/resolve`, {})).status).toBe(200);
  const frame = await waitFor(() => frames.find((f) => f.type === 'survey'), { what: 'the survey frame' });
  return { token, conversationId: conversation.id, frame, socket };
}

describe('a CSAT survey in web chat', () => {
  it('is pushed to the visitor when the chat is resolved, and records their rating once', async () => {
    const ada = await ratedVisitor('Where is my parcel?');
    const [survey] = await listSurveys(stack.pool, ada.conversationId);
    expect(ada.frame.survey).toEqual({ id: survey!.id, asks: ['csat'], acceptsComment: true, expiresAt: survey!.expiresAt.toISOString() });
    expect(ada.frame.message).toMatchObject({ id: survey!.messageId, direction: 'out', text: expect.stringContaining('How satisfied') });

    const first = await answer(ada.token, { surveyId: survey!.id, csat: 5, comment: 'Quick and kind' });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ surveyId: survey!.id, status: 'answered' });
    const again = await answer(ada.token, { surveyId: survey!.id, csat: 1 });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('survey_answered');
    expect((await listSurveys(stack.pool, ada.conversationId))[0]).toMatchObject({ csat: 5, comment: 'Quick and kind', status: 'answered', answeredVia: 'webchat_survey' });
    ada.socket.close();
  });

  it('rides on the history page while it can be answered, so a reload or a polling widget still shows it', async () => {
    const cy = await ratedVisitor('Do you ship to Norway?');
    cy.socket.close();
    const [survey] = await listSurveys(stack.pool, cy.conversationId);
    const history = async () => {
      const res = await fetch(`${base}/messages?after_seq=0`, { headers: { authorization: `Bearer ${cy.token}` } });
      expect(res.status).toBe(200);
      return ((await res.json()) as { items: { id: string; survey?: unknown }[] }).items;
    };
    const before = await history();
    expect(before.find((m) => m.id === survey!.messageId)?.survey).toEqual(cy.frame.survey);
    expect(before.filter((m) => m.survey !== undefined)).toHaveLength(1);

    expect((await answer(cy.token, { surveyId: survey!.id, csat: 4 })).status).toBe(200);
    const after = await history();
    expect(after.find((m) => m.id === survey!.messageId)).toBeDefined();
    expect(after.some((m) => m.survey !== undefined)).toBe(false);
  });

  it("rejects another visitor's answer, an NPS score it did not ask, and a late answer", async () => {
    const bob = await ratedVisitor('Can I change my address?');
    const [survey] = await listSurveys(stack.pool, bob.conversationId);
    const eve = await (await fetch(`${base}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json() as { token: string };

    const forged = await answer(eve.token, { surveyId: survey!.id, csat: 1 });
    expect(forged.status).toBe(404);
    expect((await answer(bob.token, { surveyId: survey!.id, nps: 3 })).status).toBe(400);
    expect((await answer('not-a-token', { surveyId: survey!.id, csat: 1 })).status).toBe(401);

    // the 24-hour window has passed
    await stack.pool.query(`update surveys set expires_at = now() - interval '1 minute' where id = $1`, [survey!.id]);
    const late = await answer(bob.token, { surveyId: survey!.id, csat: 4 });
    expect(late.status).toBe(409);
    expect(((await late.json()) as { error: { code: string } }).error.code).toBe('survey_expired');
    expect((await listSurveys(stack.pool, bob.conversationId))[0]).toMatchObject({ csat: null, status: 'expired' });
    bob.socket.close();
  });
});
