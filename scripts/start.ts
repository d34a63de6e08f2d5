/**
 * `pnpm start`: one command that runs Switchboard on this machine. Creates the database if
 * missing, applies migrations, then runs every service as its own process on its own port,
 * restarting one that crashes. Secrets not given in the environment are generated once and
 * kept in .switchboard/local.env (git-ignored) so restarts keep working.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from '@switchboard/config';
import { setUpDemo, waitUntilReady } from './demo-setup.ts';
import { prepareDatabase } from './migrate.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
// SWITCHBOARD_BASE_PORT moves all nine ports at once (e.g. when 3000 is taken)
const base = Number(process.env.SWITCHBOARD_BASE_PORT || 3000);
const SERVICES = [
  { name: 'api', port: base },
  { name: 'ingress-telegram', port: base + 1 },
  { name: 'ingress-webchat', port: base + 2 },
  { name: 'router', port: base + 3 },
  { name: 'egress', port: base + 4 },
  { name: 'ingress-email', port: base + 5 },
  { name: 'ingress-whatsapp', port: base + 6 },
  { name: 'ingress-meta', port: base + 7 },
  { name: 'ingress-sms', port: base + 8 },
] as const;

// SWITCHBOARD_STATE_DIR moves the generated secrets elsewhere (the process test uses a temporary one)
const stateDir = process.env.SWITCHBOARD_STATE_DIR || `${root}.switchboard`;
const stateFile = `${stateDir}/local.env`;

function readLocal(): Record<string, string> {
  const saved: Record<string, string> = {};
  if (existsSync(stateFile)) {
    for (const line of readFileSync(stateFile, 'utf8').split('\n')) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
      if (m) saved[m[1]!] = m[2]!;
    }
  }
  return saved;
}

function writeLocal(values: Record<string, string>): void {
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(stateFile, Object.entries(values).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 });
}

function localSecrets(): Record<string, string> {
  const saved = readLocal();
  const wanted = {
    SWITCHBOARD_SECRET_KEY: () => randomBytes(32).toString('base64'),
    SWITCHBOARD_ADMIN_TOKEN: () => `sba_${randomBytes(24).toString('base64url')}`,
  };
  let changed = false;
  for (const [key, make] of Object.entries(wanted)) {
    if (process.env[key] || saved[key]) continue;
    saved[key] = make();
    changed = true;
  }
  if (changed) {
    writeLocal(saved);
    console.log(`generated local secrets in ${stateFile}`);
  }
  return saved;
}

const env: NodeJS.ProcessEnv = {
  ...localSecrets(),
  TELEGRAM_WEBHOOK_BASE_URL: `http://localhost:${base + 1}`,
  WEBCHAT_BASE_URL: `http://localhost:${base + 2}`,
  WHATSAPP_WEBHOOK_BASE_URL: `http://localhost:${base + 6}`,
  META_WEBHOOK_BASE_URL: `http://localhost:${base + 7}`,
  SMS_WEBHOOK_BASE_URL: `http://localhost:${base + 8}`,
  // on one's own machine a webhook receiver on localhost is the normal case
  WEBHOOK_ALLOW_LOOPBACK: 'true',
  ...process.env,
  DATABASE_URL: process.env.DATABASE_URL || DEFAULT_DATABASE_URL,
  REDIS_URL: process.env.REDIS_URL || DEFAULT_REDIS_URL,
};

try {
  await prepareDatabase(env.DATABASE_URL!);
} catch (error) {
  console.error(`cannot prepare PostgreSQL at ${env.DATABASE_URL}: ${(error as Error).message}`);
  console.error('Start PostgreSQL (or set DATABASE_URL) and run `pnpm start` again.');
  process.exit(1);
}

const children = new Map<string, ChildProcess>();
let stopping = false;
let stopFailed = false;
const restarts = new Map<string, number[]>();

function run(service: (typeof SERVICES)[number]): void {
  const child = spawn(process.execPath, [`services/${service.name}/src/main.ts`], {
    cwd: root,
    // the webchat service serves the demo shop page (/demo/<inboxId>) that `pnpm start` prints
    env: { ...env, PORT: String(service.port), ...(service.name === 'ingress-webchat' && { WEBCHAT_DEMO: env.WEBCHAT_DEMO ?? 'true' }) },
    stdio: 'inherit',
  });
  children.set(service.name, child);
  child.on('exit', (code, signal) => {
    children.delete(service.name);
    if (stopping) {
      if (code !== 0) stopFailed = true;
      if (children.size === 0) process.exit(stopFailed ? 1 : 0);
      return;
    }
    const now = Date.now();
    const recent = (restarts.get(service.name) ?? []).filter((t) => now - t < 60_000);
    restarts.set(service.name, [...recent, now]);
    if (recent.length >= 5) {
      console.error(`${service.name} keeps exiting (last: ${signal ?? code}); stopping everything`);
      stop();
      return;
    }
    console.error(`${service.name} exited (${signal ?? code}); restarting in 1 s`);
    setTimeout(() => run(service), 1_000);
  });
}

function stop(): void {
  if (stopping) return;
  stopping = true;
  for (const child of children.values()) child.kill('SIGTERM');
  if (children.size === 0) process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

for (const service of SERVICES) run(service);

const token = env.SWITCHBOARD_ADMIN_TOKEN;
console.log(`
Switchboard is starting:
  API and its docs       http://localhost:${base}/docs
  Admin token            ${token === process.env.SWITCHBOARD_ADMIN_TOKEN ? '(from SWITCHBOARD_ADMIN_TOKEN)' : `${token}  (saved in .switchboard/local.env)`}
  Telegram webhooks      POST ${env.TELEGRAM_WEBHOOK_BASE_URL}/webhooks/telegram/<inboxId>
  Web chat (visitors)    ${env.WEBCHAT_BASE_URL}/webchat/<inboxId>
  Router, egress health  http://localhost:${base + 3}/readyz, http://localhost:${base + 4}/readyz
  Email ingress health   http://localhost:${base + 5}/readyz (polls every email inbox over IMAP)
  WhatsApp webhooks      ${env.WHATSAPP_WEBHOOK_BASE_URL}/webhooks/whatsapp/<inboxId>
  Messenger, Instagram   ${env.META_WEBHOOK_BASE_URL}/webhooks/{messenger,instagram}/<inboxId>
  SMS webhooks           ${env.SMS_WEBHOOK_BASE_URL}/webhooks/sms/<inboxId>
Press Ctrl+C to stop.
`);

/** Once the API is ready: the demo queue, agent and inbox, and how to try them. */
async function announceDemo(): Promise<void> {
  const apiUrl = `http://127.0.0.1:${base}`;
  if (!(await waitUntilReady(apiUrl, Date.now() + 60_000, () => stopping))) {
    if (!stopping) console.error('the API did not become ready within 60 s; no demo set up');
    return;
  }
  const demo = await setUpDemo({
    apiUrl,
    adminToken: token!,
    savedAgentToken: process.env.DEMO_AGENT_TOKEN || readLocal().DEMO_AGENT_TOKEN,
    saveToken: (value) => writeLocal({ ...readLocal(), DEMO_AGENT_TOKEN: value }),
  });
  const agentToken = demo.agentToken ?? '<the Demo agent token: not in .switchboard/local.env>';
  console.log(`
Demo web chat:
  Open                   ${env.WEBCHAT_BASE_URL}/demo/${demo.inboxId}
  Demo agent token       ${demo.agentToken ? `${demo.agentToken}  (saved in .switchboard/local.env as DEMO_AGENT_TOKEN)` : agentToken}
  The agent's chats      curl -H 'authorization: Bearer ${agentToken}' 'http://localhost:${base}/api/v1/conversations?assignee=me'
  Reply as the agent     curl -H 'authorization: Bearer ${agentToken}' -H 'content-type: application/json' \\
                           -d '{"text":"Hello from the desk"}' http://localhost:${base}/api/v1/conversations/<conversationId>/messages
`);
}
announceDemo().catch((error: unknown) => console.error(`could not set up the demo: ${(error as Error).message}`));
