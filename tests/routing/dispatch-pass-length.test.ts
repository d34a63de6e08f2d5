import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { placedPerAgent } from './dispatch-kit.ts';
import { expectInvariants } from './invariants.ts';
import { createWorld, type World } from './world.ts';

// A pass stops looking at waiting conversations once every online member had its fairness
// burst: each look is a transaction of its own that locks the row, so a backlog of a hundred
// used to cost a hundred commits per pass for a handful of placements (docs/performance.md).

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterEach(async () => {
  await expectInvariants(w.pool);
});
afterAll(async () => {
  await w.close();
});

describe('dispatch: length of a pass', () => {
  it('stops once every online member had its burst; the next passes place the rest in order', async () => {
    const q = await w.queue({ fairnessBurst: 1 });
    const a = await w.agent({ queues: [q], capacity: { webchat: 5 } });
    const b = await w.agent({ queues: [q], capacity: { webchat: 5 } });
    await w.agent({ queues: [q], capacity: { webchat: 5 }, status: 'offline' });
    const waiting: string[] = [];
    for (let i = 0; i < 6; i++) waiting.push(await w.waiting(q, { waitedS: 600 - i }));

    const first = await w.dispatch(q);
    expect(first.scanned).toBe(2);
    expect(first.assigned.map((x) => x.conversationId).sort()).toEqual(waiting.slice(0, 2).sort());
    expect(placedPerAgent(first)).toEqual(new Map([[a, 1], [b, 1]]));
    for (const id of waiting.slice(2)) expect((await w.conversation(id)).routingState).toBe('queued');

    const second = await w.dispatch(q);
    expect(second.scanned).toBe(2);
    expect(second.assigned.map((x) => x.conversationId).sort()).toEqual(waiting.slice(2, 4).sort());
    expect(await w.drain(q)).toEqual({ assigned: 2, offered: 0 });
    for (const id of waiting) expect((await w.conversation(id)).routingState).toBe('assigned');
  });

  it('keeps looking while an online member has not had its burst (e.g. it has no room), as before', async () => {
    const q = await w.queue({ fairnessBurst: 1 });
    const a = await w.agent({ queues: [q], capacity: { webchat: 5 } });
    await w.agent({ queues: [q], capacity: { webchat: 0 } });
    for (let i = 0; i < 4; i++) await w.waiting(q, { waitedS: 600 - i });

    const pass = await w.dispatch(q);
    expect(pass.scanned).toBe(4);
    expect(placedPerAgent(pass)).toEqual(new Map([[a, 1]]));
  });
});
