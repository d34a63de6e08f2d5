import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createOutboundMessage } from '@switchboard/db';
import { silentLogger } from '@switchboard/log';
import { createRedis, jobIdFor, waitForRedis } from '@switchboard/queue';
import { Queue, Worker } from 'bullmq';
import { ADMIN_TOKEN, apiClient, setUpDesk, startStack, type Stack } from '../tests/support/stack.ts';
import { interleaveByBot, telegramDeliveries } from './deliveries.ts';
import { until } from './listen.ts';
import { drive, failIfRejected, now } from './load.ts';
import { describeMachine, setUpBenchInfra, Teardown, type BenchInfra } from './setup.ts';
import { perSecond } from './stats.ts';

/**
 * Egress paces each bot to Telegram's 30 messages/s, so the replies are spread over enough bots
 * that pacing never binds below BOTS × 30/s and the figure is egress's own cost.
 */
const BOTS = 50;
const TELEGRAM_PACE = 30;
/** Egress's default worker concurrency; the floor worker gets the same. */
const CONCURRENCY = 8;

export interface EgressResult {
  replies: number;
  bots: number;
  /** Replies per second above which pacing, not egress, would be the limit. */
  paceCap: number;
  /** Replies queued, then egress resumed: replies marked sent per second. */
  switchboardPerSecond: number;
  /** A bare BullMQ worker POSTing the same sendMessage requests to the same fake Bot API. */
  floorPerSecond: number;
}

/** Agents' replies, one per conversation (so reply ordering never waits), sent by the real egress to the fake Bot API on loopback. */
export async function runEgress(infra: BenchInfra, options: { replies: number; timeoutMs: number }, parent: Teardown): Promise<EgressResult> {
  const teardown = new Teardown();
  parent.add('egress bench', () => teardown.run());
  try {
    const stack = await startStack({ logger: silentLogger() });
    teardown.add('egress stack', () => stack.close());
    const chats = await openConversations(infra, stack, options.replies, options.timeoutMs);
    const switchboardPerSecond = await measureEgress(stack, chats, options.timeoutMs);
    const floorPerSecond = await measureFloor(infra, stack, chats, options.timeoutMs, teardown);
    return { replies: chats.length, bots: BOTS, paceCap: BOTS * TELEGRAM_PACE, switchboardPerSecond, floorPerSecond };
  } finally {
    await teardown.run();
  }
}

interface Chat {
  conversationId: string;
  inboxId: string;
  chatId: string;
  botToken: string;
}

/** One customer message per conversation, spread over BOTS Telegram inboxes; returns once every conversation is stored and routed. */
async function openConversations(infra: BenchInfra, stack: Stack, count: number, timeoutMs: number): Promise<Chat[]> {
  const desk = await setUpDesk(stack, { agents: 10, capacity: Math.ceil(count / 10) + 1 });
  const admin = apiClient(stack.urls.api, ADMIN_TOKEN);
  const perBot = Math.max(1, Math.ceil(count / BOTS));
  const tokens = new Map<string, string>();
  for (let b = 0; b < BOTS; b++) {
    const webhookSecret = randomBytes(24).toString('base64url');
    const botToken = `${100_000 + b}:BENCH-egress-${b}`;
    const inbox = await admin.post('/api/v1/inboxes', { channel: 'telegram', name: `Bench bot ${b}`, defaultQueueId: desk.queueId, secrets: { botToken, webhookSecret } });
    if (inbox.status !== 201) throw new Error(`creating an inbox failed: ${JSON.stringify(inbox.body)}`);
    tokens.set(inbox.body.id as string, botToken);
    // the fake Bot API numbers sent messages from 1000 in each chat; inbound ids above that
    // range keep a reply's external id from colliding with its customer's message
    const deliveries = telegramDeliveries({ count: perBot, customers: perBot, firstCustomer: b * perBot, firstId: 1_000_000 + b * perBot });
    failIfRejected('egress set-up', await drive(inbox.body.webhookUrl as string, { 'x-telegram-bot-api-secret-token': webhookSecret }, deliveries, 16));
  }
  const total = perBot * BOTS;
  const conversations = async () =>
    (
      await stack.pool.query<{ conversationId: string; inboxId: string; chatId: string }>(
        `select c.id as "conversationId", c.inbox_id as "inboxId", i.external_id as "chatId"
           from conversations c join contact_identities i on i.id = c.contact_identity_id`,
      )
    ).rows;
  let rows: Awaited<ReturnType<typeof conversations>> = [];
  await until(async () => (rows = await conversations()).length >= total, `${total} conversations to be stored`, timeoutMs);
  // egress needs no assignment; it is timed once the router has nothing left to do, so routing does not share the machine with it
  const redis = createRedis(infra.redisUrl, 'client');
  const queues = ['inbound', 'routing'].map((name) => new Queue(name, { connection: redis, prefix: stack.prefix }));
  try {
    const busy = async () => (await Promise.all(queues.map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')))).some((c) => Object.values(c).some((n) => n > 0));
    await until(async () => !(await busy()), 'the router to finish routing the set-up conversations', timeoutMs);
  } finally {
    await Promise.all(queues.map((q) => q.close()));
    redis.disconnect();
  }
  return interleaveByBot(rows.map((r) => ({ ...r, botToken: tokens.get(r.inboxId)! })));
}

/** Queues one reply per conversation with egress paused (as the API does: row, then job), then times egress draining them. */
async function measureEgress(stack: Stack, chats: Chat[], timeoutMs: number): Promise<number> {
  await Promise.all(stack.egress.workers.map((w) => w.pause()));
  let next = 0;
  const writer = async () => {
    for (let i = next++; i < chats.length; i = next++) {
      const chat = chats[i]!;
      const { message } = await createOutboundMessage(stack.pool, { conversationId: chat.conversationId, inboxId: chat.inboxId, agentId: null, text: `bench reply ${i}`, isPrivate: false });
      await stack.producer.add('outbound-telegram', { messageId: message.id, channel: 'telegram' }, { jobId: jobIdFor('out', message.id) });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, writer));
  // the bench's replies are the only outbound messages in this database; a 2,000-id array
  // parameter every 10 ms cost the shared event loop more than the count itself
  const sent = async () => (await stack.pool.query<{ n: number }>(`select count(*)::int as n from messages where direction = 'out' and status = 'sent'`)).rows[0]!.n;
  const start = now();
  for (const w of stack.egress.workers) w.resume();
  await until(async () => (await sent()) >= chats.length, `${chats.length} replies to be sent`, timeoutMs, 10);
  return perSecond(chats.length, start, now());
}

/** The same requests (sendMessage, JSON, to the same fake Bot API) from a bare BullMQ worker. */
async function measureFloor(infra: BenchInfra, stack: Stack, chats: Chat[], timeoutMs: number, teardown: Teardown): Promise<number> {
  const producerRedis = createRedis(infra.redisUrl, 'producer');
  const workerRedis = createRedis(infra.redisUrl, 'worker');
  teardown.add('egress floor redis', () => [producerRedis, workerRedis].forEach((r) => r.disconnect()));
  await Promise.all([waitForRedis(producerRedis), waitForRedis(workerRedis)]);
  const name = 'bare-egress';
  const queue = new Queue(name, { connection: producerRedis, prefix: infra.queuePrefix });
  queue.on('error', () => {});
  teardown.add('egress floor queue', () => queue.close());
  await queue.addBulk(chats.map((c, i) => ({ name: 'send', data: { token: c.botToken, chatId: c.chatId, text: `bench reply ${i}` } })));

  const apiRoot = stack.telegram.apiRoot.replace(/\/$/, '');
  let done = 0;
  const worker = new Worker(
    name,
    async (job) => {
      const { token, chatId, text } = job.data as { token: string; chatId: string; text: string };
      const res = await fetch(`${apiRoot}/bot${token}/sendMessage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chat_id: chatId, text }) });
      const body = (await res.json()) as { ok: boolean };
      if (!body.ok) throw new Error(`sendMessage failed: ${JSON.stringify(body)}`);
    },
    { connection: workerRedis, prefix: infra.queuePrefix, concurrency: CONCURRENCY, autorun: false },
  );
  worker.on('error', () => {});
  worker.on('completed', () => void done++);
  worker.on('failed', (_job, error) => console.error(`bench: egress floor job failed: ${error.message}`));
  teardown.add('egress floor worker', () => worker.close());
  const start = now();
  void worker.run();
  await until(async () => done >= chats.length, `the floor's ${chats.length} sends`, timeoutMs, 10);
  return perSecond(chats.length, start, now());
}

/** `pnpm bench:egress [--replies 2000]`: the egress phase alone, for working on egress. */
async function main(): Promise<void> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { replies: { type: 'string' }, 'timeout-ms': { type: 'string' } } });
  process.env.LOG_LEVEL = 'silent';
  const teardown = new Teardown();
  process.once('SIGINT', () => void teardown.run().then(() => process.exit(130)));
  try {
    const infra = await setUpBenchInfra(teardown);
    const machine = await describeMachine(infra);
    console.log(`machine: ${machine.cores} cores, load ${machine.loadAverage.toFixed(2)} at start, Node ${machine.node}`);
    const result = await runEgress(infra, { replies: Number(values.replies ?? 2000), timeoutMs: Number(values['timeout-ms'] ?? 120_000) }, teardown);
    console.log(`egress: ${result.replies} replies over ${result.bots} bots (pace cap ${result.paceCap}/s)`);
    console.log(`  switchboard ${result.switchboardPerSecond.toFixed(0)}/s, floor ${result.floorPerSecond.toFixed(0)}/s, ratio ${(result.switchboardPerSecond / result.floorPerSecond).toFixed(2)}`);
  } finally {
    await teardown.run();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: Error) => {
    console.error(`bench:egress failed: ${error.stack ?? error.message}`);
    process.exitCode = 1;
  });
}
