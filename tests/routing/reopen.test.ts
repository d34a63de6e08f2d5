import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { assignConversation, listDecisions, reopenConversation } from '@switchboard/routing';
import { expectInvariants } from './invariants.ts';
import { createWorld, type World } from './world.ts';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => {
  await w.close();
});

const supervisor = { agentId: null };
const reopen = (conversationId: string, by: { agentId: string | null } = supervisor, onlyLastAssignee = false) =>
  reopenConversation(w.pool, { conversationId, by, onlyLastAssignee, clock: w.clock });

describe('reopening a resolved conversation by hand', () => {
  it('scenario 32: a reopened conversation goes back in line with its last agent first, or at once to another if they are offline', async () => {
    const q = await w.queue();
    const a = await w.agent({ queues: [q] });
    const c = await w.waiting(q);
    expect((await w.dispatch(q)).assigned).toEqual([{ conversationId: c, agentId: a }]);
    await w.resolve(c);
    const b = await w.agent({ queues: [q] });
    // a is busier than b: least_load alone would choose b
    const other = await w.waiting(q);
    await assignConversation(w.pool, { conversationId: other, agentId: a, by: { agentId: null, kind: 'user' }, clock: w.clock });

    w.clock.advance(60_000);
    expect(await reopen(c)).toEqual({ ok: true, conversationId: c, queueId: q, stickyAgentId: a, dispatch: [q] });
    expect(await w.conversation(c)).toMatchObject({ status: 'open', routingState: 'queued', queueId: q, assigneeId: null, stickyAgentId: a, stepNo: 1, closeReason: null });
    const { rows } = await w.pool.query(`select enqueued_at as "enqueuedAt", resolved_at as "resolvedAt" from conversations where id = $1`, [c]);
    expect(rows[0]).toEqual({ enqueuedAt: w.clock.now(), resolvedAt: null });
    expect((await w.events('conversation.reopened', c)).map((e) => e.payload)).toEqual([{ by: supervisor, queueId: q, stickyAgentId: a }]);
    expect((await listDecisions(w.pool, c)).at(-1)).toMatchObject({ kind: 'reopened', payload: { stickyAgentId: a } });
    expect((await w.dispatch(q)).assigned).toEqual([{ conversationId: c, agentId: a }]);

    // the last agent went offline: no wait, the strategy picks someone else and stickiness is dropped
    await w.resolve(c);
    await w.setStatus(a, 'offline');
    expect(await reopen(c)).toMatchObject({ ok: true, stickyAgentId: a });
    expect((await w.dispatch(q)).assigned).toEqual([{ conversationId: c, agentId: b }]);
    expect(await w.conversation(c)).toMatchObject({ assigneeId: b, stickyAgentId: null });
    await expectInvariants(w.pool);
  });

  it('scenario 32: only a resolved conversation is reopened; an agent may reopen only what was last theirs', async () => {
    const q = await w.queue();
    const agents = [await w.agent({ queues: [q] }), await w.agent({ queues: [q] })];
    const c = await w.waiting(q);
    const a = (await w.dispatch(q)).assigned[0]!.agentId;
    const b = agents.find((x) => x !== a)!;
    expect(await w.conversation(c)).toMatchObject({ routingState: 'assigned', assigneeId: a });

    expect(await reopen(c)).toEqual({ ok: false, reason: 'not_resolved' });
    expect(await reopen('00000000-0000-4000-8000-000000000000')).toEqual({ ok: false, reason: 'not_found' });
    await w.resolve(c);
    expect(await reopen(c, { agentId: b }, true)).toEqual({ ok: false, reason: 'not_last_assignee' });
    expect(await w.conversation(c)).toMatchObject({ status: 'resolved', routingState: 'closed' });

    // two reopen at once: one wins, the other finds it open
    const both = await Promise.all([reopen(c, { agentId: a }, true), reopen(c)]);
    expect(both.filter((r) => r.ok)).toHaveLength(1);
    expect(both.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'not_resolved' }]);
    expect(await w.events('conversation.reopened', c)).toHaveLength(1);
    expect((await w.dispatch(q)).assigned).toEqual([{ conversationId: c, agentId: a }]);
    await expectInvariants(w.pool);
  });

  it('scenario 32: an old conversation is not reopened over the newer one the customer already has', async () => {
    const q = await w.queue();
    await w.agent({ queues: [q], status: 'offline' });
    const old = await w.waiting(q);
    await w.resolve(old);
    // the customer wrote again later and has a newer, live conversation in the same thread
    const { rows } = await w.pool.query<{ id: string }>(
      `insert into conversations(inbox_id, contact_id, channel, thread_key, queue_id, routing_state, enqueued_at)
       select inbox_id, contact_id, channel, thread_key, queue_id, 'queued', $2 from conversations where id = $1 returning id`,
      [old, w.clock.now()],
    );
    expect(await reopen(old)).toEqual({ ok: false, reason: 'superseded' });
    expect(await w.conversation(old)).toMatchObject({ status: 'resolved' });
    await w.resolve(rows[0]!.id);
    expect(await reopen(old)).toMatchObject({ ok: true });
    expect(await w.conversation(old)).toMatchObject({ status: 'open', routingState: 'queued' });
  });
});
