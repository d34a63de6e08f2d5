import { createPool } from '@switchboard/db';
import { createRedis, waitForRedis } from '@switchboard/queue';
import { Queue, Worker } from 'bullmq';
import Fastify from 'fastify';
import { telegramDeliveries, type Delivery } from './deliveries.ts';
import { failIfRejected, now } from './load.ts';
import { openLoop } from './open-loop.ts';
import { Teardown, type BenchInfra } from './setup.ts';
import { perSecond, summarize, type Summary } from './stats.ts';

/** As many jobs or INSERTs at once as the pipelines run (the router's default concurrency). */
const CONCURRENCY = 8;
const POOL_MAX = 10;
const TABLE = 'bench_floor_inserts';

/** The pieces every webhook-to-database pipeline is made of, each measured alone. */
export interface FloorParts {
  /** A fastify route that parses the JSON body and answers 200: ack latency per offered rate. */
  fastifyAck: { rate: number; ack: Summary; failed: number }[];
  /** BullMQ alone: `jobs` added by CONCURRENCY producers at once, processed by a no-op worker of the same concurrency. */
  queue: { jobs: number; addPerSecond: number; processPerSecond: number };
  /** PostgreSQL alone: one INSERT of a message-sized row per statement, CONCURRENCY at once. */
  insert: { rows: number; perSecond: number };
}

export async function runFloorParts(infra: BenchInfra, options: { rates: number[]; rateSeconds: number; jobs: number }, parent: Teardown): Promise<FloorParts> {
  const teardown = new Teardown();
  parent.add('floor parts', () => teardown.run());
  try {
    const deliveries = telegramDeliveries({ count: options.jobs, customers: Math.min(200, options.jobs), firstCustomer: 900_000, firstId: 900_000 });
    const fastifyAck = await bareFastify(options.rates, options.rateSeconds, teardown);
    const queue = await bareQueue(infra, deliveries, teardown);
    const insert = await bareInsert(infra, deliveries, teardown);
    return { fastifyAck, queue, insert };
  } finally {
    await teardown.run();
  }
}

async function bareFastify(rates: number[], seconds: number, teardown: Teardown): Promise<FloorParts['fastifyAck']> {
  const app = Fastify({ logger: false });
  app.post('/webhook', async (req) => ({ ok: (req.body as { update_id?: number }).update_id !== undefined }));
  const url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/webhook`;
  teardown.add('bare fastify', () => app.close());
  const results: FloorParts['fastifyAck'] = [];
  let firstId = 950_000;
  for (const rate of rates) {
    const count = Math.max(1, Math.round(rate * seconds));
    const deliveries = telegramDeliveries({ count, customers: Math.min(200, count), firstCustomer: 0, firstId });
    firstId += count;
    const run = await openLoop(url, {}, deliveries, rate);
    failIfRejected(`bare fastify at ${rate}/s`, run);
    results.push({ rate, ack: summarize(run.ackMs), failed: run.failures.length });
  }
  return results;
}

async function bareQueue(infra: BenchInfra, deliveries: Delivery[], teardown: Teardown): Promise<FloorParts['queue']> {
  const producerRedis = createRedis(infra.redisUrl, 'producer');
  const workerRedis = createRedis(infra.redisUrl, 'worker');
  teardown.add('bare queue redis', () => [producerRedis, workerRedis].forEach((r) => r.disconnect()));
  await Promise.all([waitForRedis(producerRedis), waitForRedis(workerRedis)]);
  const name = 'bare-queue';
  const queue = new Queue(name, { connection: producerRedis, prefix: infra.queuePrefix });
  queue.on('error', () => {});
  teardown.add('bare queue', () => queue.close());

  let processed = 0;
  let lastDone = 0;
  let allDone: () => void = () => {};
  const done = new Promise<void>((resolve) => (allDone = resolve));
  const worker = new Worker(name, async () => undefined, { connection: workerRedis, prefix: infra.queuePrefix, concurrency: CONCURRENCY, autorun: false });
  worker.on('error', () => {});
  worker.on('completed', () => {
    lastDone = now();
    if (++processed === deliveries.length) allDone();
  });
  teardown.add('bare worker', () => worker.close());

  const start = now();
  void worker.run();
  let next = 0;
  let lastAdded = 0;
  const producer = async () => {
    for (let i = next++; i < deliveries.length; i = next++) {
      const d = deliveries[i]!;
      await queue.add('update', { externalId: d.externalId, update: JSON.parse(d.body) as unknown });
      lastAdded = now();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, producer));
  await done;
  return { jobs: deliveries.length, addPerSecond: perSecond(deliveries.length, start, lastAdded), processPerSecond: perSecond(processed, start, lastDone) };
}

async function bareInsert(infra: BenchInfra, deliveries: Delivery[], teardown: Teardown): Promise<FloorParts['insert']> {
  const pool = createPool({ connectionString: infra.databaseUrl, max: POOL_MAX, applicationName: 'switchboard-bench-insert' });
  teardown.add('bare insert pool', () => pool.end());
  // the columns a stored message row has that carry its content: ids, the text, the raw update
  await pool.query(`create table ${TABLE} (id uuid primary key default gen_random_uuid(), external_id text not null, text text, body jsonb not null, created_at timestamptz not null default now())`);
  teardown.add('bare insert table', () => pool.query(`drop table if exists ${TABLE}`));
  let next = 0;
  const start = now();
  const inserter = async () => {
    for (let i = next++; i < deliveries.length; i = next++) {
      const d = deliveries[i]!;
      await pool.query(`insert into ${TABLE}(external_id, text, body) values ($1, $2, $3)`, [d.externalId, `hello there, message ${i}`, d.body]);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, inserter));
  return { rows: deliveries.length, perSecond: perSecond(deliveries.length, start, now()) };
}
