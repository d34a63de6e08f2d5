import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { createPool, ensureDatabase, migrate } from '@switchboard/db';
import { createRedis, waitForRedis } from '@switchboard/queue';
import { dropQueuePrefix, resolveTestInfra, withDatabase } from '@switchboard/testkit';

export const DEFAULT_BENCH_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432';
export const DEFAULT_BENCH_REDIS_URL = 'redis://127.0.0.1:6379';

/** Closes what a run opened, last opened first; safe to call twice (a signal during a normal close). */
export class Teardown {
  private readonly steps: { name: string; run: () => Promise<unknown> | unknown }[] = [];

  add(name: string, run: () => Promise<unknown> | unknown): void {
    this.steps.push({ name, run });
  }

  async run(): Promise<void> {
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step.run();
      } catch (error) {
        console.error(`bench: closing ${step.name} failed: ${(error as Error).message}`);
      }
    }
  }
}

export interface BenchInfra {
  postgresAdminUrl: string;
  redisUrl: string;
  /** A freshly migrated database, `sb_bench_<random>`, dropped at the end. */
  database: string;
  databaseUrl: string;
  /** Unique per run, so the bare pipeline's keys are found and deleted at the end. */
  queuePrefix: string;
}

/**
 * What jest's global setup does for the tests, for one bench run: finds PostgreSQL and Redis
 * (BENCH_DATABASE_URL / BENCH_REDIS_URL, default the local servers), migrates a fresh database,
 * and sets the SB_TEST_* variables that `startStack` (via createTestDatabase) reads, with this
 * database as the template the stack clones.
 */
export async function setUpBenchInfra(teardown: Teardown, env = process.env): Promise<BenchInfra> {
  const infra = await resolveTestInfra({
    TEST_DATABASE_URL: env.BENCH_DATABASE_URL || DEFAULT_BENCH_DATABASE_URL,
    TEST_REDIS_URL: env.BENCH_REDIS_URL || DEFAULT_BENCH_REDIS_URL,
  });
  if (infra.stop) teardown.add('test containers', infra.stop);

  const database = `sb_bench_${randomBytes(6).toString('hex')}`;
  const databaseUrl = withDatabase(infra.postgresAdminUrl, database);
  await ensureDatabase(databaseUrl);
  teardown.add(`database ${database}`, () => dropDatabase(infra.postgresAdminUrl, database));
  await migrate(databaseUrl);

  process.env.SB_TEST_POSTGRES_ADMIN_URL = infra.postgresAdminUrl;
  process.env.SB_TEST_TEMPLATE_DB = database;
  process.env.SB_TEST_REDIS_URL = infra.redisUrl;

  const queuePrefix = `sbbench${randomBytes(5).toString('hex')}`;
  teardown.add(`queue prefix ${queuePrefix}`, () => dropQueuePrefix(queuePrefix));
  return { postgresAdminUrl: infra.postgresAdminUrl, redisUrl: infra.redisUrl, database, databaseUrl, queuePrefix };
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = createPool({ connectionString: adminUrl, max: 1, applicationName: 'switchboard-bench' });
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
}

export interface MachineInfo {
  cores: number;
  cpu: string;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
  redis: string;
  /** 1-minute load average when the run started: the machine is shared. */
  loadAverage: number;
}

export async function describeMachine(infra: BenchInfra): Promise<MachineInfo> {
  const pool = createPool({ connectionString: infra.databaseUrl, max: 1, applicationName: 'switchboard-bench' });
  const redis = createRedis(infra.redisUrl, 'client');
  try {
    const [{ rows }, info] = await Promise.all([pool.query<{ v: string }>("select current_setting('server_version') as v"), waitForRedis(redis).then(() => redis.info('server'))]);
    return {
      cores: os.availableParallelism(),
      cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      os: `${os.type()} ${os.release()}`,
      node: process.version,
      postgres: rows[0]?.v ?? 'unknown',
      redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
      loadAverage: os.loadavg()[0] ?? 0,
    };
  } finally {
    redis.disconnect();
    await pool.end();
  }
}
