import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '@switchboard/testkit';
import { createWorld, type World } from './world.ts';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => {
  await w.close();
});

describe('presence racing a dispatch pass', () => {
  it('makes no offer to an agent whose going offline commits while the pass claims them', async () => {
    const q = await w.queue({ autoAccept: false });
    const agent = await w.agent({ queues: [q] });
    const c = await w.waiting(q);

    // another session is mid-way through taking the agent offline: it holds the presence row
    const other = await w.pool.connect();
    await other.query('begin');
    await other.query(`update agent_presence set status = 'offline', status_since = $2 where agent_id = $1`, [agent, w.clock.now()]);
    const pass = w.dispatch(q);
    // the pass has read the agent as online and now waits on the presence row
    await waitFor(async () => (await w.pool.query(`select 1 from pg_locks where not granted and locktype = 'transactionid'`)).rowCount, {
      what: 'the pass to wait on the presence row',
    });
    await other.query('commit');
    other.release();

    const result = await pass;
    expect(result.offered).toEqual([]);
    expect(await w.pendingOffers({ agentId: agent })).toEqual([]);
    expect(await w.load(agent)).toMatchObject({ pendingOffers: 0, active: 0 });
    expect((await w.conversation(c)).routingState).toBe('queued');
  });
});
