import { execFileSync } from 'node:child_process';
import net from 'node:net';

/** Where the test suite finds PostgreSQL and Redis. */
export interface TestInfra {
  /** A URL whose database is `postgres`; used to create and drop per-file databases. */
  postgresAdminUrl: string;
  redisUrl: string;
  /** Stops what testcontainers started; undefined for servers that were already running. */
  stop?: () => Promise<void>;
}

export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_TEST_REDIS_URL = 'redis://127.0.0.1:6379';

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || defaultPort) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function dockerAvailable(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Uses TEST_DATABASE_URL / TEST_REDIS_URL (default: the local servers). When they are not
 * reachable and a Docker engine is, starts throwaway containers with testcontainers.
 */
export async function resolveTestInfra(env = process.env, options: { dockerAvailable?: () => boolean } = {}): Promise<TestInfra> {
  const pgUrl = env.TEST_DATABASE_URL || DEFAULT_TEST_DATABASE_URL;
  const redisUrl = env.TEST_REDIS_URL || DEFAULT_TEST_REDIS_URL;
  const [pgUp, redisUp] = await Promise.all([reachable(pgUrl, 5432), reachable(redisUrl, 6379)]);
  if (pgUp && redisUp) return { postgresAdminUrl: adminUrl(pgUrl), redisUrl };

  if (!(options.dockerAvailable ?? dockerAvailable)()) {
    const missing = [!pgUp && `PostgreSQL at ${pgUrl}`, !redisUp && `Redis at ${redisUrl}`].filter(Boolean).join(' and ');
    throw new Error(
      `Tests need ${missing}: start it (or set TEST_DATABASE_URL / TEST_REDIS_URL), or run a Docker engine so testcontainers can start one.`,
    );
  }
  const { GenericContainer, Wait } = await import('testcontainers');
  const started: { stop(): Promise<unknown> }[] = [];
  let postgresAdminUrl = adminUrl(pgUrl);
  let finalRedisUrl = redisUrl;
  if (!pgUp) {
    const c = await new GenericContainer('postgres:17-alpine')
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    started.push(c);
    postgresAdminUrl = `postgres://postgres@${c.getHost()}:${c.getMappedPort(5432)}/postgres`;
  }
  if (!redisUp) {
    const c = await new GenericContainer('redis:7-alpine')
      .withCommand(['redis-server', '--appendonly', 'yes', '--maxmemory-policy', 'noeviction'])
      .withExposedPorts(6379)
      .start();
    started.push(c);
    finalRedisUrl = `redis://${c.getHost()}:${c.getMappedPort(6379)}`;
  }
  return {
    postgresAdminUrl,
    redisUrl: finalRedisUrl,
    stop: async () => {
      await Promise.all(started.map((c) => c.stop()));
    },
  };
}

function adminUrl(url: string): string {
  const u = new URL(url);
  u.pathname = '/postgres';
  return u.toString();
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
