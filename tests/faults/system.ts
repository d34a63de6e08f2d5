import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ensureDatabase, migrate } from '@switchboard/db';
import { freePort, startFakeTelegram, startPrivatePostgres, startPrivateRedis, waitFor, type FakeTelegram, type FakeTelegramOptions, type PrivatePostgres, type PrivateRedis } from '@switchboard/testkit';

/**
 * The real services as child processes (their own main.ts) against a private Redis and a private
 * PostgreSQL, so a fault test can SIGKILL a service, a Redis or stop a PostgreSQL without touching
 * the shared servers other test files use.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));

export const SERVICES = ['api', 'ingress-telegram', 'router', 'egress'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface FaultSystem {
  redis: PrivateRedis;
  postgres: PrivatePostgres;
  /** A pool on the private database, for the checks (not used by any service). */
  db: pg.Pool;
  telegram: FakeTelegram;
  adminToken: string;
  urls: Record<ServiceName, string>;
  /** SIGKILL, then wait for the process to be gone. */
  kill(name: ServiceName): Promise<void>;
  /** Starts the service again on its port and waits for /healthz. */
  start(name: ServiceName): Promise<void>;
  /** Where each service's output goes (kept after close when a test failed). */
  logDir: string;
  close(): Promise<void>;
}

export interface FaultSystemOptions {
  appendfsync?: 'everysec' | 'always';
  /** Extra environment for every service (timeouts, intervals). */
  env?: Record<string, string>;
  telegram?: FakeTelegramOptions;
}

export async function startFaultSystem(options: FaultSystemOptions = {}): Promise<FaultSystem> {
  const logDir = mkdtempSync(join(tmpdir(), 'sb-faults-'));
  const redis = await startPrivateRedis({ appendfsync: options.appendfsync ?? 'always' });
  const postgres = await startPrivatePostgres();
  const databaseUrl = postgres.url.replace(/\/postgres$/, '/switchboard');
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl);
  const db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  // an idle client cut by a PostgreSQL stop emits 'error' on the pool; the next query reconnects
  db.on('error', () => {});
  const telegram = await startFakeTelegram(options.telegram);
  const adminToken = `faults-admin-${randomBytes(16).toString('hex')}`;
  const ports = Object.fromEntries(await Promise.all(SERVICES.map(async (name) => [name, await freePort()] as const))) as Record<ServiceName, number>;
  const urls = Object.fromEntries(SERVICES.map((name) => [name, `http://127.0.0.1:${ports[name]}`])) as Record<ServiceName, string>;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: 'faults',
    SWITCHBOARD_SECRET_KEY: randomBytes(32).toString('base64'),
    SWITCHBOARD_ADMIN_TOKEN: adminToken,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    TELEGRAM_WEBHOOK_BASE_URL: urls['ingress-telegram'],
    BLOB_DIR: join(logDir, 'blobs'),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    // the test's one admin token writes hundreds of replies a minute
    API_RATE_LIMIT_PER_MIN: '1000000',
    ROUTER_SWEEP_INTERVAL_MS: '2000',
    EGRESS_SWEEP_INTERVAL_MS: '2000',
    ...options.env,
  };

  const children = new Map<ServiceName, ChildProcess>();
  const logs = new Map<ServiceName, WriteStream>();
  const exited = (child: ChildProcess) =>
    new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

  const start = async (name: ServiceName) => {
    const log = logs.get(name) ?? createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
    logs.set(name, log);
    log.write(`--- start ${new Date().toISOString()}\n`);
    const child = spawn(process.execPath, [`services/${name}/src/main.ts`], { cwd: root, env: { ...env, PORT: String(ports[name]) }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    children.set(name, child);
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}; see ${logDir}/${name}.log`);
        return (await fetch(`${urls[name]}/healthz`).catch(() => undefined))?.status === 200;
      },
      { what: `${name} to listen`, timeoutMs: 30_000, intervalMs: 100 },
    );
  };
  const kill = async (name: ServiceName) => {
    const child = children.get(name);
    if (!child) return;
    child.kill('SIGKILL');
    await exited(child);
    children.delete(name);
    logs.get(name)?.write(`--- SIGKILL ${new Date().toISOString()}\n`);
  };

  const system: FaultSystem = {
    redis,
    postgres,
    db,
    telegram,
    adminToken,
    urls,
    kill,
    start,
    logDir,
    async close() {
      await Promise.all([...children.keys()].map((name) => kill(name)));
      for (const log of logs.values()) log.end();
      await db.end().catch(() => {});
      await telegram.close();
      await redis.stop();
      await postgres.stop();
    },
  };
  try {
    await Promise.all(SERVICES.map((name) => start(name)));
  } catch (error) {
    await system.close();
    throw error;
  }
  return system;
}

/** Removes the services' logs (call when the test passed; a failed run keeps them for reading). */
export function removeLogs(system: FaultSystem): void {
  rmSync(system.logDir, { recursive: true, force: true });
}
