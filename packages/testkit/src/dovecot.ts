import { execFile, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './wait.ts';

const run = promisify(execFile);

/** A private Dovecot IMAP server for one test file (see /work/shared/recipes/dovecot-for-tests.md). */
export interface TestDovecot {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Runs `doveadm -c <this config> ...args`, e.g. to change a mailbox's UIDVALIDITY. */
  doveadm(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

const USER = 'support@shop.example';
const PASSWORD = 'secret';

function config(dir: string, port: number): string {
  return `protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:${dir}/mail/%u
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users
}
userdb {
  driver = static
  args = uid=dovenull gid=dovenull home=${dir}/mail/%u
}
first_valid_uid = 1
`;
}

function dovecotInstalled(): boolean {
  try {
    execFileSync('dovecot', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// The kernel picks a free port; Dovecot needs it in its config file, so it is released first
// and reused at once (a race with another process is possible but not seen in practice).
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// The master forks into the background and its children inherit stdio: with pipes attached
// (as execFile uses) the call would wait for them to close, i.e. until Dovecot stops.
function daemonize(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}`))));
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts Dovecot as root with its own config in a fresh temporary directory: IMAP only, no TLS,
 * one passwd-file user, listening on 127.0.0.1. `stop()` shuts it down and removes the directory.
 */
export async function startDovecot(): Promise<TestDovecot> {
  if (!dovecotInstalled()) {
    throw new Error('Dovecot is not installed: run `apt-get install -y dovecot-imapd` (the IMAP tests start a private instance)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'sb-dovecot-'));
  // the imap processes run as dovenull and must reach the maildir below this directory
  chmodSync(dir, 0o755);
  for (const sub of ['run', 'state', 'mail']) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, 'users'), `${USER}:{PLAIN}${PASSWORD}\n`);
  execFileSync('chown', ['-R', 'dovenull:dovenull', join(dir, 'mail')]);
  const port = await freePort();
  const conf = join(dir, 'dovecot.conf');
  writeFileSync(conf, config(dir, port));
  const doveadm = async (...args: string[]) => (await run('doveadm', ['-c', conf, ...args])).stdout;
  try {
    await daemonize('dovecot', ['-c', conf]);
    await waitFor(() => accepts(port), { what: `dovecot to listen on 127.0.0.1:${port}`, timeoutMs: 10_000 });
  } catch (error) {
    await doveadm('stop').catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    host: '127.0.0.1',
    port,
    user: USER,
    password: PASSWORD,
    doveadm,
    async stop() {
      await doveadm('stop').catch(() => {});
      await waitFor(async () => !(await accepts(port)), { what: 'dovecot to stop', timeoutMs: 10_000 }).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
