import { createPool } from '@switchboard/db';
import { createRedis, waitForRedis } from '@switchboard/queue';
import { Queue, Worker } from 'bullmq';
import Fastify from 'fastify';
import { plan, type PhaseOptions } from './deliveries.ts';
import { listen, until, wallToMonotonic } from './listen.ts';
import { drive, failIfRejected } from './load.ts';
import { openLoop } from './open-loop.ts';
import { Teardown, type BenchInfra } from './setup.ts';
import { phaseFigures, type PhaseResult } from './stats.ts';

/** The router's default inbound concurrency (ROUTER_CONCURRENCY), so both pipelines run as many jobs at once. */
const WORKER_CONCURRENCY = 8;
/** The pool size createTestDatabase gives the stack. */
const POOL_MAX = 10;
const TABLE = 'bench_floor_messages';
const CHANNEL = 'bench_floor';

export interface FloorResult {
  burst: PhaseResult;
  /** Open loop at the highest offered rate. */
  paced: PhaseResult | undefined;
}

interface Update {
  message: { message_id: number; chat: { id: number } };
}

/**
 * The least any webhook-to-database pipeline on this machine can cost: one fastify route that
 * parses JSON and adds a BullMQ job, one BullMQ worker doing one INSERT per job (which, like
 * Switchboard's outbox, notifies on commit so both are timed the same way).
 */
export async function runFloor(infra: BenchInfra, options: PhaseOptions, parent: Teardown): Promise<FloorResult> {
  const teardown = new Teardown();
  parent.add('bare pipeline', () => teardown.run());
  try {
    return await measureFloor(infra, options, teardown);
  } finally {
    await teardown.run();
  }
}

async function measureFloor(infra: BenchInfra, options: PhaseOptions, teardown: Teardown): Promise<FloorResult> {
  const pool = createPool({ connectionString: infra.databaseUrl, max: POOL_MAX, applicationName: 'switchboard-bench-floor' });
  teardown.add('floor pool', () => pool.end());
  await pool.query(
    `create table ${TABLE} (id bigserial primary key, external_id text not null, body jsonb not null, created_at timestamptz not null default now())`,
  );
  teardown.add('floor table', () => pool.query(`drop table if exists ${TABLE}`));

  const producerRedis = createRedis(infra.redisUrl, 'producer');
  const workerRedis = createRedis(infra.redisUrl, 'worker');
  teardown.add('floor redis', () => [producerRedis, workerRedis].forEach((r) => r.disconnect()));
  await Promise.all([waitForRedis(producerRedis), waitForRedis(workerRedis)]);

  const queue = new Queue('inbound', { connection: producerRedis, prefix: infra.queuePrefix });
  queue.on('error', () => {});
  teardown.add('floor queue', () => queue.close());
  const worker = new Worker(
    'inbound',
    async (job) => {
      await pool.query(
        `with r as (insert into ${TABLE}(external_id, body) values ($1, $2) returning external_id) select pg_notify('${CHANNEL}', external_id) from r`,
        [job.data.externalId, job.data.update],
      );
    },
    { connection: workerRedis, prefix: infra.queuePrefix, concurrency: WORKER_CONCURRENCY },
  );
  worker.on('error', () => {});
  teardown.add('floor worker', () => worker.close());

  const app = Fastify({ logger: false });
  app.post('/webhook', async (req) => {
    const update = req.body as Update;
    await queue.add('update', { externalId: `${update.message.chat.id}:${update.message.message_id}`, update });
    return { ok: true };
  });
  const url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/webhook`;
  teardown.add('floor http', () => app.close());

  const listener = await listen(infra.databaseUrl, CHANNEL);
  teardown.add('floor listener', () => listener.close());
  const rows = async () => (await pool.query<{ n: number }>(`select count(*)::int as n from ${TABLE}`)).rows[0]!.n;

  const top = Math.max(0, ...options.rates);
  const { warmup, passes } = plan(options, top > 0 ? [top] : []);
  const warm = await drive(url, {}, warmup, options.concurrency);
  failIfRejected('floor, warm-up', warm);
  let expected = warm.sentAt.size;
  await until(async () => (await rows()) >= expected, 'the floor warm-up to be stored', options.timeoutMs);

  const results: Record<string, PhaseResult> = {};
  for (const pass of passes) {
    listener.reset();
    const toMonotonic = wallToMonotonic();
    const run = pass.rate > 0 ? await openLoop(url, {}, pass.deliveries, pass.rate) : await drive(url, {}, pass.deliveries, options.concurrency);
    failIfRejected(`floor, ${pass.name}`, run);
    expected += run.sentAt.size;
    await until(async () => (await rows()) >= expected, `the floor's ${pass.name} messages to be stored`, options.timeoutMs);
    await listener.drain();
    const created = await pool.query<{ externalId: string; ms: number }>(
      `select external_id as "externalId", (extract(epoch from created_at) * 1000)::float8 as ms from ${TABLE}`,
    );
    const createdAt = new Map(created.rows.map((r) => [r.externalId, toMonotonic(r.ms)]));
    results[pass.name] = phaseFigures(run, pass, options, listener.seen, createdAt);
  }
  return { burst: results.burst!, paced: top > 0 ? results[`${top}/s`] : undefined };
}
