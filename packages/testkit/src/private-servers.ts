import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { waitFor } from './wait.ts';

/**
 * Private Redis and PostgreSQL servers for fault tests: they may be killed, stopped and
 * restarted without touching the shared servers every other test file uses.
 */

const run = promisify(execFile);

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface PrivateRedis {
  url: string;
  /** SIGKILL: what a crash looks like (AOF keeps what was fsynced). */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** redis-server with AOF (`appendfsync` everysec by default, as docker-compose runs it) in a temp dir. */
export async function startPrivateRedis(options: { appendfsync?: 'everysec' | 'always' } = {}): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const ping = async () => {
    const socket = net.connect(port, '127.0.0.1');
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.once('connect', () => socket.write('PING\r\n'));
        socket.once('data', (d) => (String(d).startsWith('+PONG') ? resolve() : reject(new Error(String(d)))));
      });
      return true;
    } catch {
      return false;
    } finally {
      socket.destroy();
    }
  };
  const exited = (c: ChildProcess) => new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve())));
  const start = async () => {
    child = spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
      '--appendonly', 'yes', '--appendfsync', options.appendfsync ?? 'everysec', '--maxmemory-policy', 'noeviction',
    ], { stdio: 'ignore' });
    await waitFor(ping, { what: `private redis on ${port}`, timeoutMs: 15_000 });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      const c = child!;
      c.kill('SIGKILL');
      await exited(c);
    },
    start,
    async stop() {
      const c = child;
      if (c && c.exitCode === null && c.signalCode === null) {
        c.kill('SIGTERM');
        await exited(c);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PrivatePostgres {
  url: string;
  /** `pg_ctl stop -m fast`: every connection is cut, as in an outage. */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  /** Stops it for good and removes its data. */
  stop(): Promise<void>;
}

/** The newest PostgreSQL installed from Debian's packages, unless TEST_PG_BIN names another. */
function pgBin(): string {
  if (process.env.TEST_PG_BIN) return process.env.TEST_PG_BIN;
  const versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(a) - Number(b));
  return `/usr/lib/postgresql/${versions.at(-1)}/bin`;
}

/**
 * A throwaway PostgreSQL cluster (initdb in a temp dir, trust auth, loopback only). PostgreSQL
 * refuses to run as root, so as root it runs as the `postgres` user, which owns the directory.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const PG_BIN = pgBin();
  const dir = mkdtempSync(join(tmpdir(), 'sb-pg-'));
  const data = join(dir, 'data');
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const as = async (cmd: string, args: string[]) => {
    if (!asRoot) return run(cmd, args);
    return run('runuser', ['-u', 'postgres', '--', cmd, ...args]);
  };
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    chmodSync(dir, 0o700);
  }
  await as(`${PG_BIN}/initdb`, ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const startServer = async () => {
    await as(`${PG_BIN}/pg_ctl`, ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  };
  const stopServer = async () => {
    await as(`${PG_BIN}/pg_ctl`, ['-D', data, '-m', 'fast', '-w', 'stop']);
  };
  await startServer();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitFor(async () => {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  }, { what: `private postgres on ${port}`, timeoutMs: 30_000 });
  return {
    url,
    stopServer,
    startServer,
    async stop() {
      await stopServer().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
