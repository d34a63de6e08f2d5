import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { PermanentError } from '@switchboard/errors';
import { silentLogger } from '@switchboard/log';
import { createProducer, createRedis, startWorker, waitForRedis } from '@switchboard/queue';
import { createTestDatabase, dropQueuePrefix, inboundText, seedDesk, testQueuePrefix, testRedisUrl, type TestDatabase } from '@switchboard/testkit';

// `pnpm replay-dead-letters` as an operator runs it: a process with the services' environment
const root = fileURLToPath(new URL('../../', import.meta.url));
const prefix = testQueuePrefix();
const redis = createRedis(testRedisUrl(), 'producer');
const workerRedis = createRedis(testRedisUrl(), 'worker');
const producer = createProducer(redis, prefix);
let db: TestDatabase;
let inbound: Queue;

async function script(...args: string[]): Promise<string> {
  const env = { ...process.env, DATABASE_URL: db.url, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix };
  const { stdout } = await promisify(execFile)(process.execPath, ['scripts/replay-dead-letters.ts', ...args], { cwd: root, env });
  return stdout;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await waitForRedis(redis);
  inbound = new Queue('inbound', { connection: redis, prefix });
  const desk = await seedDesk(db.pool, { agents: 0 });
  for (const from of ['1', '2']) await producer.add('inbound', inboundText(desk.inbox.id, { from, text: 'x' }));
  let failed = 0;
  const worker = startWorker('inbound', async () => {
    throw new PermanentError('router_down', 'the router could not store it');
  }, { connection: workerRedis, prefix, logger: silentLogger() });
  await new Promise<void>((resolve) => worker.on('failed', () => ++failed === 2 && resolve()));
  await worker.close();
});

afterAll(async () => {
  await inbound?.close();
  await producer.close();
  redis.disconnect();
  workerRedis.disconnect();
  await dropQueuePrefix(prefix);
  await db?.drop();
});

describe('pnpm replay-dead-letters', () => {
  it('prints what a dry run would replay and changes nothing; then replays, audited', async () => {
    const ids = (await inbound.getFailed()).map((j) => j.id!).sort();
    expect(ids).toHaveLength(2);

    expect(await script('--queue', 'inbound', '--since', new Date(Date.now() + 60_000).toISOString())).toContain('replayed 0 of 0');

    const dry = await script('--', '--queue', 'inbound', '--dry-run');
    for (const id of ids) expect(dry).toContain(`would replay inbound/${id} failed`);
    expect(dry).toContain('router_down: the router could not store it');
    expect(await inbound.getFailedCount()).toBe(2);

    const done = await script('--queue', 'inbound');
    for (const id of ids) expect(done).toContain(`replayed inbound/${id}`);
    expect(done).toContain('replayed 2 of 2 dead letter(s)');
    expect(await inbound.getFailedCount()).toBe(0);
    expect((await inbound.getWaiting()).map((j) => j.id).sort()).toEqual(ids);
    const { rows } = await db.pool.query(`select target_id, actor_role from audit_log where action = 'dead_letter.replay' order by target_id`);
    expect(rows).toEqual(ids.map((id) => ({ target_id: `inbound/${id}`, actor_role: 'operator' })));
  });

  it('refuses an unknown queue', async () => {
    await expect(script('--queue', 'nope')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('unknown queue nope') });
  });
});
