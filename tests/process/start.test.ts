import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, dropQueuePrefix, fixtureText, startFakeTelegram, testQueuePrefix, testRedisUrl, waitFor, type FakeTelegram, type TestDatabase } from '@switchboard/testkit';
import { apiClient } from '../support/stack.ts';

// `pnpm start` as an operator runs it: the real main.ts of every service as its own process.
const root = fileURLToPath(new URL('../../', import.meta.url));
const ADMIN = `sba_${randomBytes(24).toString('base64url')}`;

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer().once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function freeBasePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // below Linux's ephemeral range (32768+), from which every other test's listen(0) and every
    // outgoing connection draw: a port free now must stay free until pnpm start binds it
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => portFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no nine free consecutive ports');
}

let db: TestDatabase;
let fake: FakeTelegram;
let child: ChildProcess;
let base: number;
let output = '';
let stateDir: string;
const prefix = testQueuePrefix();

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startFakeTelegram();
  base = await freeBasePort();
  // the demo agent's token is written here, not into the repository's .switchboard/
  stateDir = await mkdtemp(join(tmpdir(), 'sb-start-state-'));
  child = spawn(process.execPath, ['scripts/start.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: db.url,
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      SWITCHBOARD_BASE_PORT: String(base),
      SWITCHBOARD_ADMIN_TOKEN: ADMIN,
      SWITCHBOARD_SECRET_KEY: randomBytes(32).toString('base64'),
      TELEGRAM_API_ROOT: fake.apiRoot,
      LOG_LEVEL: 'warn',
      SWITCHBOARD_STATE_DIR: stateDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
}, 30_000);

afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  await fake.close();
  await dropQueuePrefix(prefix);
  await db.drop();
  await rm(stateDir, { recursive: true, force: true });
});

describe('pnpm start', () => {
  it('brings every service up ready', async () => {
    for (let i = 0; i < 9; i++) {
      await waitFor(
        async () => (await fetch(`http://127.0.0.1:${base + i}/readyz`).catch(() => undefined))?.status === 200,
        // generous: seven Node processes start at once on a machine that also runs other test files
        { timeoutMs: 60_000, what: `service on port ${base + i} to be ready\n${output}` },
      );
    }
    expect(output).toContain(`http://localhost:${base}/docs`);
  }, 120_000);

  it('sets up a demo web chat with an online agent and prints where to try it', async () => {
    const demoUrl = await waitFor(() => new RegExp(`http://localhost:${base + 2}/demo/[0-9a-f-]{36}`).exec(output)?.[0], {
      // the demo is set up through the API once it is ready: on a loaded 2-core machine that takes a while
      timeoutMs: 60_000,
      what: `the demo URL\n${output}`,
    });
    const page = await fetch(demoUrl.replace('localhost', '127.0.0.1'));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/widget.js');
    const saved = /DEMO_AGENT_TOKEN=(\S+)/.exec(await readFile(join(stateDir, 'local.env'), 'utf8'))?.[1];
    expect(output).toContain(`Bearer ${saved}`);
    const me = await apiClient(`http://127.0.0.1:${base}`, saved!).get('/api/v1/me');
    expect(me.body).toMatchObject({ name: 'Demo agent', status: 'online' });
  }, 70_000);

  it('runs the agent workflow of docs/api.md as written', async () => {
    const doc = await readFile(fileURLToPath(new URL('../../docs/api.md', import.meta.url)), 'utf8');
    const script = /## Agent workflow[\s\S]*?```sh\n([\s\S]*?)```/.exec(doc)![1]!
      .replaceAll('localhost:3000', `127.0.0.1:${base}`)
      .replaceAll('localhost:3002', `127.0.0.1:${base + 2}`)
      .replaceAll('.switchboard/local.env', join(stateDir, 'local.env'));
    const { stdout } = await promisify(execFile)('bash', ['-c', script], {
      cwd: stateDir,
      timeout: 60_000,
      env: { ...process.env, SWITCHBOARD_ADMIN_TOKEN: ADMIN },
    });
    expect(stdout).toContain('in: Hi, where is my order?');
    expect(stdout).toMatch(/^[0-9a-f-]{36} (queued|sending|sent)$/m);
    expect(stdout).toMatch(/^resolved$/m);
    expect(stdout).toContain('event: message.created');
  }, 70_000);

  it('carries a Telegram message to an agent and the reply back, across processes', async () => {
    const admin = apiClient(`http://127.0.0.1:${base}`, ADMIN);
    const agent = await admin.post('/api/v1/agents', { name: 'Process Agent', capacity: 2 });
    expect({ status: agent.status, body: agent.body }).toMatchObject({ status: 201 });
    const queue = await admin.post('/api/v1/queues', { name: 'Process queue', memberIds: [agent.body.agent.id] });
    const inbox = await admin.post('/api/v1/inboxes', {
      channel: 'telegram',
      name: 'Process bot',
      defaultQueueId: queue.body.id,
      secrets: { botToken: '999:process-token', webhookSecret: 'process_secret' },
    });
    expect(inbox.body.webhookUrl).toBe(`http://localhost:${base + 1}/webhooks/telegram/${inbox.body.id}`);
    const me = apiClient(`http://127.0.0.1:${base}`, agent.body.token);
    expect((await me.put('/api/v1/me/status', { status: 'online' })).status).toBe(200);

    const hook = await fetch(inbox.body.webhookUrl.replace('localhost', '127.0.0.1'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'process_secret' },
      body: fixtureText('telegram/text_private.json'),
    });
    expect(hook.status).toBe(200);
    const conversation = await waitFor(async () => (await me.get('/api/v1/conversations?assignee=me')).body.items[0], {
      timeoutMs: 20_000,
      what: 'the conversation to reach the agent',
    });
    expect((await me.post(`/api/v1/conversations/${conversation.id}/messages`, { text: 'Hello from another process' })).status).toBe(201);
    const call = await fake.waitForCall('sendMessage', (c) => c.params.text === 'Hello from another process', 20_000);
    expect(String(call.params.chat_id)).toBe('218485655');
  }, 40_000);

  it('shuts every service down cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (let i = 0; i < 9; i++) expect(await portFree(base + i)).toBe(true);
  }, 30_000);
});
