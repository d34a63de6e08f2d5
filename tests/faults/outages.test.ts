import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { removeLogs, startFaultSystem, type FaultSystem } from './system.ts';
import { between, runStreamScenario, sleep } from './stream-scenario.ts';

// Issue 8, scenario 2: Redis (AOF, appendfsync always) SIGKILLed and restarted, then PostgreSQL
// stopped for FAULTS_PG_DOWN_MS (default 30 s), both mid-stream. `always`, because with
// `everysec` an acknowledged webhook may be lost in the last second (docs/reliability.md).

const PG_DOWN_MS = Number(process.env.FAULTS_PG_DOWN_MS || 30_000);

let system: FaultSystem;
let passed = false;

beforeAll(async () => {
  system = await startFaultSystem({ appendfsync: 'always' });
}, 90_000);

afterAll(async () => {
  await system?.close();
  if (passed) removeLogs(system);
}, 60_000);

describe('Redis and PostgreSQL outages mid-stream', () => {
  it('store every acknowledged message once and send every reply at most once, in order', async () => {
    await runStreamScenario(system, `Redis SIGKILL + restart, PostgreSQL down ${PG_DOWN_MS} ms`, async (stream) => {
      const timeline: string[] = [];
      const redisAt = between(0.1, 0.25);
      await stream.reached(redisAt);
      await system.redis.kill();
      const redisDownMs = between(500, 2_000);
      await sleep(redisDownMs);
      await system.redis.start();
      timeline.push(`Redis killed at ${Math.round(redisAt * 100)}%, down ${Math.round(redisDownMs)} ms`);

      const pgAt = between(0.35, 0.45);
      await stream.reached(pgAt);
      await system.postgres.stopServer();
      await sleep(PG_DOWN_MS);
      await system.postgres.startServer();
      timeline.push(`PostgreSQL stopped at ${Math.round(pgAt * 100)}% for ${PG_DOWN_MS} ms`);
      return timeline;
    });
    passed = true;
  }, 300_000);
});
