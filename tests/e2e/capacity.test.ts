import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fixtureText, waitFor } from '@switchboard/testkit';
import { ADMIN_TOKEN, apiClient, setUpDesk, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});

/** The real private-chat fixture, re-addressed to another customer. */
function updateFrom(userId: number, updateId: number): string {
  const update = JSON.parse(fixtureText('telegram/text_private.json'));
  update.update_id = updateId;
  update.message.from.id = userId;
  update.message.chat.id = userId;
  return JSON.stringify(update);
}

describe('capacity', () => {
  it('assigns two of three conversations to two agents of capacity 1, and the third once one is resolved', async () => {
    const desk = await setUpDesk(stack, { agents: 2, capacity: 1 });
    const inbox = await apiClient(stack.urls.api, ADMIN_TOKEN).post('/api/v1/inboxes', {
      channel: 'telegram',
      name: 'Bot',
      defaultQueueId: desk.queueId,
      secrets: { botToken: '42:capacity-test', webhookSecret: 'capacity_secret' },
    });
    for (const [i, user] of [1001, 1002, 1003].entries()) {
      const res = await fetch(inbox.body.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'capacity_secret' },
        body: updateFrom(user, 500 + i),
      });
      expect(res.status).toBe(200);
    }

    const admin = desk.admin;
    const all = await waitFor(
      async () => {
        const r = await admin.get('/api/v1/conversations');
        const items = r.body.items as { id: string; routingState: string; assigneeId: string | null }[];
        return items.length === 3 && items.filter((c) => c.routingState === 'assigned').length === 2 && items;
      },
      { what: 'two conversations assigned' },
    );
    const assigned = all.filter((c) => c.routingState === 'assigned');
    const waiting = all.find((c) => c.routingState === 'queued')!;
    expect(new Set(assigned.map((c) => c.assigneeId))).toEqual(new Set(desk.agents.map((a) => a.id)));
    expect(waiting.assigneeId).toBeNull();

    const first = assigned[0]!;
    const owner = desk.agents.find((a) => a.id === first.assigneeId)!;
    expect((await owner.client.post(`/api/v1/conversations/${first.id}/resolve`)).status).toBe(200);

    const now = await waitFor(
      async () => {
        const c = (await admin.get(`/api/v1/conversations/${waiting.id}`)).body;
        return c.routingState === 'assigned' && c;
      },
      { what: 'the waiting conversation to be assigned' },
    );
    expect(now.assigneeId).toBe(owner.id);
  });
});
