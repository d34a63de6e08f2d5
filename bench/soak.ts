import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, dropQueuePrefix, freePort, startFakeTelegram, testQueuePrefix, waitFor } from '@switchboard/testkit';
import { apiClient } from '../tests/support/stack.ts';
import { telegramDeliveries } from './deliveries.ts';
import { failIfRejected } from './load.ts';
import { openLoop } from './open-loop.ts';
import { Teardown, type BenchInfra } from './setup.ts';
import { summarize, type Summary } from './stats.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
export const SOAK_SERVICES = ['api', 'ingress-telegram', 'router', 'egress'] as const;
type Service = (typeof SOAK_SERVICES)[number];
/** The soak's customers: after the first round every webhook adds to a conversation that already exists. */
const CUSTOMERS = 300;
const AGENTS = 10;
const SAMPLE_MS = 2_000;

export interface SoakOptions {
  minutes: number;
  rate: number;
  replyRate: number;
  /** Open-loop rates for the ack figures after the soak, each for `rateSeconds`. */
  ackRates: number[];
  rateSeconds: number;
}

export interface RssSample {
  /** Seconds since the load started. */
  atS: number;
  rssMiB: Record<Service, number>;
}

export interface SoakResult {
  minutes: number;
  rate: number;
  replyRate: number;
  /** Idle, right after every service answered /healthz. */
  boot: Record<Service, number>;
  /**
   * Medians of the samples (one every SAMPLE_MS) in the window right after the warm-up (JIT,
   * pools and caches filled) and in the last window of the soak: one reading lands anywhere in
   * a garbage-collection cycle, a median over a window does not. `atS` is the window's middle.
   */
  start: RssSample;
  end: RssSample;
  /** Window length, seconds. */
  windowS: number;
  samples: RssSample[];
  webhooks: number;
  replies: number;
  failedWebhooks: number;
  /** After the soak, on the same processes: webhook ack latency open-loop at each rate, ingress-telegram in a process of its own. */
  ack: { rate: number; ack: Summary }[];
}

/** The RSS of one process in MiB, from /proc (Linux). */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) / 1024;
}

/**
 * Each service as its own process (its real main.ts, as `pnpm start` runs it) on a fresh database
 * and queue prefix, a Telegram inbox taking `rate` webhooks/s open-loop and agents replying at
 * `replyRate`/s through the API, for `minutes`; the RSS of each process read from /proc.
 */
export async function runSoak(infra: BenchInfra, options: SoakOptions, parent: Teardown): Promise<SoakResult> {
  const teardown = new Teardown();
  parent.add('soak', () => teardown.run());
  try {
    return await soak(infra, options, teardown);
  } finally {
    await teardown.run();
  }
}

async function soak(infra: BenchInfra, options: SoakOptions, teardown: Teardown): Promise<SoakResult> {
  const db = await createTestDatabase();
  teardown.add('soak database', () => db.drop());
  const prefix = testQueuePrefix();
  teardown.add('soak queue prefix', () => dropQueuePrefix(prefix));
  const telegram = await startFakeTelegram();
  teardown.add('soak fake telegram', () => telegram.close());
  const adminToken = `bench-admin-${randomBytes(16).toString('hex')}`;
  const ports = Object.fromEntries(await Promise.all(SOAK_SERVICES.map(async (s) => [s, await freePort()] as const))) as Record<Service, number>;
  const urls = Object.fromEntries(SOAK_SERVICES.map((s) => [s, `http://127.0.0.1:${ports[s]}`])) as Record<Service, string>;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: db.url,
    REDIS_URL: infra.redisUrl,
    QUEUE_PREFIX: prefix,
    SWITCHBOARD_SECRET_KEY: randomBytes(32).toString('base64'),
    SWITCHBOARD_ADMIN_TOKEN: adminToken,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    TELEGRAM_WEBHOOK_BASE_URL: urls['ingress-telegram'],
    BLOB_DIR: join(tmpdir(), `sb-bench-blobs-${prefix}`),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    API_RATE_LIMIT_PER_MIN: '1000000',
  };
  teardown.add('soak blobs', () => rm(env.BLOB_DIR!, { recursive: true, force: true }));
  const children = new Map<Service, ChildProcess>();
  teardown.add('soak services', () => Promise.all([...children.values()].map(stopChild)));
  for (const service of SOAK_SERVICES) {
    // BENCH_CPU_PROF_DIR: each service writes a CPU profile there when it exits (node --cpu-prof)
    const profile = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`, `--cpu-prof-name=${service}.cpuprofile`] : [];
    const child = spawn(process.execPath, [...profile, `services/${service}/src/main.ts`], { cwd: root, env: { ...env, PORT: String(ports[service]) }, stdio: ['ignore', 'ignore', 'inherit'] });
    children.set(service, child);
  }
  await Promise.all(
    SOAK_SERVICES.map((s) =>
      waitFor(
        async () => {
          if (children.get(s)!.exitCode !== null) throw new Error(`${s} exited with ${children.get(s)!.exitCode}`);
          return (await fetch(`${urls[s]}/healthz`).catch(() => undefined))?.status === 200;
        },
        { what: `${s} to listen`, timeoutMs: 60_000, intervalMs: 100 },
      ),
    ),
  );
  const sample = async (atS: number): Promise<RssSample> => ({
    atS,
    rssMiB: Object.fromEntries(await Promise.all(SOAK_SERVICES.map(async (s) => [s, await rssMiB(children.get(s)!.pid!)] as const))) as Record<Service, number>,
  });
  const boot = (await sample(0)).rssMiB;

  const { inboxUrl, headers } = await setUpInbox(urls.api, adminToken);
  const admin = apiClient(urls.api, adminToken);
  const seconds = options.minutes * 60;
  const deliveries = telegramDeliveries({ count: Math.round(options.rate * seconds), customers: CUSTOMERS, firstCustomer: 0, firstId: 1 });
  const t0 = performance.now();
  const load = openLoop(inboxUrl, headers, deliveries, options.rate);

  // replies go to conversations that have an agent, as an agent's would
  let replies = 0;
  let replying = true;
  const replier = (async () => {
    const every = 1000 / options.replyRate;
    let conversations: string[] = [];
    let refreshed = 0;
    for (let i = 0; replying; i++) {
      const due = t0 + i * every;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (!replying) break;
      if (performance.now() - refreshed > 5_000) {
        conversations = (await db.pool.query<{ id: string }>(`select id from conversations where routing_state = 'assigned'`)).rows.map((r) => r.id);
        refreshed = performance.now();
      }
      const id = conversations[i % Math.max(1, conversations.length)];
      if (id === undefined) continue;
      const res = await admin.post(`/api/v1/conversations/${id}/messages`, { text: `soak reply ${i}` });
      if (res.status === 201) replies++;
    }
  })();

  const samples: RssSample[] = [];
  const sampler = setInterval(() => void sample((performance.now() - t0) / 1000).then((s) => samples.push(s), () => {}), SAMPLE_MS);
  let run;
  try {
    run = await load;
  } finally {
    clearInterval(sampler);
    replying = false;
    await replier.catch(() => {});
  }
  const warmS = Math.min(30, seconds / 5);
  const windowS = Math.max(SAMPLE_MS / 1000, Math.min(60, seconds / 5));
  const start = medianOf(samples.filter((x) => x.atS >= warmS && x.atS < warmS + windowS), warmS + windowS / 2);
  const end = medianOf(samples.filter((x) => x.atS >= seconds - windowS), seconds - windowS / 2);

  const ack: SoakResult['ack'] = [];
  let firstId = deliveries.length + 1;
  for (const rate of options.ackRates) {
    const count = Math.max(1, Math.round(rate * options.rateSeconds));
    const burst = telegramDeliveries({ count, customers: Math.min(200, count), firstCustomer: CUSTOMERS + firstId, firstId });
    firstId += count;
    const measured = await openLoop(inboxUrl, headers, burst, rate);
    failIfRejected(`webhooks at ${rate}/s to ingress-telegram as a process`, measured);
    ack.push({ rate, ack: summarize(measured.ackMs) });
  }
  return { minutes: options.minutes, rate: options.rate, replyRate: options.replyRate, boot, start, end, windowS, samples, webhooks: run.sentAt.size, replies, failedWebhooks: run.failures.length, ack };
}

/** Per service, the median RSS of `samples`. */
export function medianOf(samples: readonly RssSample[], atS: number): RssSample {
  if (samples.length === 0) throw new Error('no RSS samples in the window: the soak is shorter than its sampling interval');
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  return { atS, rssMiB: Object.fromEntries(SOAK_SERVICES.map((s) => [s, median(samples.map((x) => x.rssMiB[s]))])) as Record<Service, number> };
}

async function setUpInbox(apiUrl: string, adminToken: string): Promise<{ inboxUrl: string; headers: Record<string, string> }> {
  const admin = apiClient(apiUrl, adminToken);
  const ids: string[] = [];
  for (let i = 0; i < AGENTS; i++) {
    const res = await admin.post('/api/v1/agents', { name: `Soak agent ${i + 1}`, email: `soak${i + 1}@bench.test`, capacity: Math.ceil(CUSTOMERS / AGENTS) + 1 });
    if (res.status !== 201) throw new Error(`creating an agent failed: ${JSON.stringify(res.body)}`);
    ids.push(res.body.agent.id);
    const online = await apiClient(apiUrl, res.body.token).put('/api/v1/me/status', { status: 'online' });
    if (online.status !== 200) throw new Error(`going online failed: ${JSON.stringify(online.body)}`);
  }
  const queue = await admin.post('/api/v1/queues', { name: 'Soak', memberIds: ids });
  if (queue.status !== 201) throw new Error(`creating the queue failed: ${JSON.stringify(queue.body)}`);
  const webhookSecret = randomBytes(24).toString('base64url');
  const inbox = await admin.post('/api/v1/inboxes', { channel: 'telegram', name: 'Soak bot', defaultQueueId: queue.body.id, secrets: { botToken: '654321:SOAK-bot-token', webhookSecret } });
  if (inbox.status !== 201) throw new Error(`creating the inbox failed: ${JSON.stringify(inbox.body)}`);
  return { inboxUrl: inbox.body.webhookUrl as string, headers: { 'x-telegram-bot-api-secret-token': webhookSecret } };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
