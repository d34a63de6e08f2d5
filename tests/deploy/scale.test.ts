import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { createTestDatabase, dropQueuePrefix, fixtureJson, freePort, startFakeTelegram, testQueuePrefix, testRedisUrl, waitFor, type FakeTelegram, type TestDatabase } from '@switchboard/testkit';
import { apiClient } from '../support/stack.ts';

// `docker compose up --scale router=3 --scale egress=2` without Docker: the same entry points
// with the environment docker-compose.yml gives each service, as separate processes sharing one
// PostgreSQL, one Redis and one blob directory (the named volume), so anything that assumed a
// single router or egress (a fixed port, in-process state, a duplicate send) shows up here.
const root = fileURLToPath(new URL('../../', import.meta.url));
const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8'), { merge: true }) as {
  services: Record<string, { command: string[]; environment: Record<string, string> }>;
};

const ADMIN = `sba_${randomBytes(24).toString('base64url')}`;
const SECRET_KEY = randomBytes(32).toString('base64');
const CUSTOMERS = 16;
const MESSAGES_PER_CUSTOMER = 2;

interface Proc { name: string; url: string; child: ChildProcess; output: string }

let db: TestDatabase;
let fake: FakeTelegram;
let blobDir: string;
const prefix = testQueuePrefix();
const procs: Proc[] = [];

/** The compose service's environment with `${VAR:-default}` resolved and this machine's addresses. */
function composeEnv(service: string, overrides: Record<string, string>): Record<string, string> {
  const env = Object.fromEntries(
    Object.entries(compose.services[service]!.environment).map(([k, v]) => [
      k,
      String(v).replace(/\$\{(\w+)(?::[?-]([^}]*))?\}/g, (_m, name: string, fallback?: string) => {
        if (name === 'SWITCHBOARD_SECRET_KEY') return SECRET_KEY;
        if (name === 'SWITCHBOARD_ADMIN_TOKEN') return ADMIN;
        return fallback ?? '';
      }),
    ]),
  );
  // in compose each replica has its own network namespace; here they share one, so each gets a port
  return { ...env, DATABASE_URL: db.url, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...overrides };
}

async function start(service: string, overrides: Record<string, string> = {}): Promise<Proc> {
  const port = await freePort();
  const env = composeEnv(service, { PORT: String(port), ...overrides });
  if ('BLOB_DIR' in env) env.BLOB_DIR = blobDir;
  if ('TELEGRAM_API_ROOT' in env) env.TELEGRAM_API_ROOT = fake.apiRoot;
  const [command, ...args] = compose.services[service]!.command;
  expect(command).toBe('node');
  const child = spawn(process.execPath, args, { cwd: root, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc: Proc = { name: service, url: `http://127.0.0.1:${port}`, child, output: '' };
  child.stdout!.on('data', (d) => (proc.output += d));
  child.stderr!.on('data', (d) => (proc.output += d));
  procs.push(proc);
  return proc;
}

const sql = async <T>(text: string, params: unknown[] = []) => (await db.pool.query(text, params)).rows as T[];

let api: Proc;
let telegram: Proc;

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startFakeTelegram();
  blobDir = await mkdtemp(join(tmpdir(), 'sb-scale-blobs-'));
  telegram = await start('ingress-telegram');
  api = await start('api', { TELEGRAM_WEBHOOK_BASE_URL: telegram.url });
  for (let i = 0; i < 3; i++) await start('router');
  for (let i = 0; i < 2; i++) await start('egress');
  for (const p of procs) {
    await waitFor(async () => (await fetch(`${p.url}/readyz`).catch(() => undefined))?.status === 200, {
      // seven Node processes boot at once on two cores
      timeoutMs: 45_000,
      what: `${p.name} at ${p.url} to be ready\n${p.output}`,
    });
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => new Promise<void>((resolve) => {
    if (p.child.exitCode !== null) return resolve();
    p.child.once('exit', () => resolve());
    p.child.kill('SIGTERM');
  })));
  await fake.close();
  await dropQueuePrefix(prefix);
  await db.drop();
  await rm(blobDir, { recursive: true, force: true });
}, 40_000);

describe('three routers and two egress processes, as docker compose --scale runs them', () => {
  it('stores every message once, assigns every conversation once, and sends every reply once', async () => {
    expect(procs.filter((p) => p.name === 'router')).toHaveLength(3);
    expect(procs.filter((p) => p.name === 'egress')).toHaveLength(2);
    const admin = apiClient(api.url, ADMIN);
    const agent = await admin.post('/api/v1/agents', { name: 'Scale Agent', capacity: CUSTOMERS + 4 });
    expect(agent.status).toBe(201);
    const queue = await admin.post('/api/v1/queues', { name: 'Scale queue', memberIds: [agent.body.agent.id] });
    const inbox = await admin.post('/api/v1/inboxes', {
      channel: 'telegram',
      name: 'Scale bot',
      defaultQueueId: queue.body.id,
      secrets: { botToken: '4242:scale-token', webhookSecret: 'scale_secret' },
    });
    expect(inbox.status).toBe(201);
    const me = apiClient(api.url, agent.body.token);
    expect((await me.put('/api/v1/me/status', { status: 'online' })).status).toBe(200);

    // the real update shape, one private chat per customer; every update is delivered twice,
    // as Telegram does when an acknowledgement is lost
    const template = fixtureJson('telegram/text_private.json') as { update_id: number; message: Record<string, any> };
    const updates = Array.from({ length: CUSTOMERS * MESSAGES_PER_CUSTOMER }, (_, i) => {
      const customer = 500_000 + (i % CUSTOMERS);
      const u = structuredClone(template);
      u.update_id = 900_000 + i;
      u.message.message_id = 10_000 + i;
      u.message.from.id = customer;
      u.message.chat.id = customer;
      u.message.text = `scale message ${i}`;
      return u;
    });
    const deliver = (u: unknown) => fetch(`${telegram.url}/webhooks/telegram/${inbox.body.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'scale_secret' },
      body: JSON.stringify(u),
    });
    const statuses = await Promise.all([...updates, ...updates].map(async (u) => (await deliver(u)).status));
    expect(new Set(statuses)).toEqual(new Set([200]));

    const total = CUSTOMERS * MESSAGES_PER_CUSTOMER;
    await waitFor(async () => {
      const [row] = await sql<{ stored: number; assigned: number }>(
        `select (select count(*)::int from messages where direction = 'in') as stored,
                (select count(*)::int from conversations where routing_state = 'assigned') as assigned`,
      );
      return row!.stored === total && row!.assigned === CUSTOMERS;
    }, { timeoutMs: 30_000, what: `${total} messages stored and ${CUSTOMERS} conversations assigned` });

    const perText = await sql<{ text: string; n: number }>(`select text, count(*)::int as n from messages where direction = 'in' group by text`);
    expect(perText).toHaveLength(total);
    expect(perText.every((r) => r.n === 1)).toBe(true);
    const conversations = await sql<{ id: string; assignee_id: string; thread_key: string; messages: number; assignments: number }>(
      `select c.id, c.assignee_id, c.thread_key,
              (select count(*)::int from messages m where m.conversation_id = c.id and m.direction = 'in') as messages,
              (select count(*)::int from assignments a where a.conversation_id = c.id) as assignments
         from conversations c`,
    );
    expect(conversations).toHaveLength(CUSTOMERS);
    expect(new Set(conversations.map((c) => c.thread_key)).size).toBe(CUSTOMERS);
    for (const c of conversations) {
      expect({ assignee: c.assignee_id, messages: c.messages, assignments: c.assignments }).toEqual({ assignee: agent.body.agent.id, messages: MESSAGES_PER_CUSTOMER, assignments: 1 });
    }

    // the agent answers every customer message
    const inbound = await sql<{ id: string; conversation_id: string; text: string }>(`select id, conversation_id, text from messages where direction = 'in'`);
    const replies = inbound.map((m) => ({ conversationId: m.conversation_id, text: `re: ${m.text}` }));
    for (const r of replies) expect((await me.post(`/api/v1/conversations/${r.conversationId}/messages`, { text: r.text })).status).toBe(201);

    await waitFor(async () => {
      const [row] = await sql<{ sent: number }>(`select count(*)::int as sent from messages where direction = 'out' and status = 'sent'`);
      return row!.sent === replies.length;
    }, { timeoutMs: 30_000, what: `${replies.length} replies sent` });
    const sends = fake.calls.filter((c) => c.method === 'sendMessage');
    const perReply = new Map<string, number>();
    for (const call of sends) perReply.set(String(call.params.text), (perReply.get(String(call.params.text)) ?? 0) + 1);
    expect(perReply.size).toBe(replies.length);
    for (const r of replies) expect({ text: r.text, sends: perReply.get(r.text) }).toEqual({ text: r.text, sends: 1 });
    // each reply went to the chat of its own conversation
    const byText = new Map(replies.map((r) => [r.text, conversations.find((c) => c.id === r.conversationId)!.thread_key]));
    for (const call of sends) expect(byText.get(String(call.params.text))).toContain(String(call.params.chat_id));
  }, 90_000);

  it('leaves no process crashed', () => {
    for (const p of procs) expect({ service: p.name, exitCode: p.child.exitCode }).toEqual({ service: p.name, exitCode: null });
  });
});
