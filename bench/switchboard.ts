import { randomBytes } from 'node:crypto';
import { EVENTS_CHANNEL } from '@switchboard/db';
import { silentLogger } from '@switchboard/log';
import { ADMIN_TOKEN, apiClient, setUpDesk, startStack, type Stack } from '../tests/support/stack.ts';
import { conversationsIn, plan, type Delivery, type Pass, type PhaseOptions } from './deliveries.ts';
import { listen, until, wallToMonotonic } from './listen.ts';
import { drive, failIfRejected, type DriveResult } from './load.ts';
import { openLoop } from './open-loop.ts';
import { Teardown } from './setup.ts';
import { perSecond, phaseFigures, summarize, type PhaseResult, type Summary } from './stats.ts';

/** Enough agents that routing never waits for capacity; each gets an equal share of the conversations. */
const AGENTS = 10;

export interface SwitchboardPass extends PhaseResult {
  conversations: number;
  /** Per message: POST start until it is stored and its conversation has an agent (both commits heard via NOTIFY). */
  ready: Summary;
  readyPerSecond: number;
  /** Per conversation: its first message's POST start until the conversation.assigned commit. */
  firstMessageToAssigned: Summary;
  /** The same, ending at assignments.started_at (the start of the assigning transaction). */
  firstMessageToAssignedByStartedAt: Summary;
  /** Per conversation: its first message's message.created commit until its conversation.assigned commit. */
  storedToAssigned: Summary;
}

export interface SwitchboardResult {
  burst: SwitchboardPass;
  /** One open-loop pass per offered rate, in the order of `options.rates`. */
  paced: SwitchboardPass[];
}

/**
 * The real stack in this process (every service from its build function, real ports, fake Bot
 * API), a Telegram inbox routed to a queue of online agents, driven by webhook POSTs.
 */
export async function runSwitchboard(options: PhaseOptions, parent: Teardown): Promise<SwitchboardResult> {
  const teardown = new Teardown();
  parent.add('switchboard stack', () => teardown.run());
  try {
    return await measureSwitchboard(options, teardown);
  } finally {
    await teardown.run();
  }
}

async function measureSwitchboard(options: PhaseOptions, teardown: Teardown): Promise<SwitchboardResult> {
  const stack = await startStack({ logger: silentLogger() });
  teardown.add('stack', () => stack.close());
  const planned = plan(options);
  const conversations = conversationsIn(planned);
  const desk = await setUpDesk(stack, { agents: AGENTS, capacity: Math.ceil(conversations / AGENTS) + 1 });
  const webhookSecret = randomBytes(24).toString('base64url');
  const inbox = await apiClient(stack.urls.api, ADMIN_TOKEN).post('/api/v1/inboxes', {
    channel: 'telegram',
    name: 'Bench bot',
    defaultQueueId: desk.queueId,
    secrets: { botToken: '123456:BENCH-bot-token', webhookSecret },
  });
  if (inbox.status !== 201) throw new Error(`creating the inbox failed: ${JSON.stringify(inbox.body)}`);
  const inboxId = inbox.body.id as string;
  const url = inbox.body.webhookUrl as string;
  const headers = { 'x-telegram-bot-api-secret-token': webhookSecret };

  const listener = await listen(stack.db.url, EVENTS_CHANNEL);
  teardown.add('listener', () => listener.close());
  const progress = async () =>
    (
      await stack.pool.query<{ stored: number; assigned: number }>(
        `select (select count(*) from messages where inbox_id = $1 and direction = 'in')::int as stored,
                (select count(*) from conversations where inbox_id = $1 and routing_state = 'assigned')::int as assigned`,
        [inboxId],
      )
    ).rows[0]!;
  const expected = { stored: 0, assigned: 0 };
  const settled = (run: DriveResult, deliveries: Delivery[], what: string) => {
    expected.stored += run.sentAt.size;
    expected.assigned += new Set(deliveries.map((d) => d.chatId)).size;
    let last = { stored: 0, assigned: 0 };
    return until(async () => {
      last = await progress();
      return last.stored >= expected.stored && last.assigned >= expected.assigned;
    }, what, options.timeoutMs).catch((error: Error) => {
      throw new Error(`${error.message}: ${last.stored}/${expected.stored} messages stored, ${last.assigned}/${expected.assigned} conversations assigned`);
    });
  };

  const { warmup, passes } = planned;
  const warm = await drive(url, headers, warmup, options.concurrency);
  failIfRejected('switchboard, warm-up', warm);
  await settled(warm, warmup, 'the warm-up to be stored and assigned');

  const results: SwitchboardPass[] = [];
  for (const pass of passes) {
    listener.reset();
    const toMonotonic = wallToMonotonic();
    const run = pass.rate > 0 ? await openLoop(url, headers, pass.deliveries, pass.rate) : await drive(url, headers, pass.deliveries, options.concurrency);
    failIfRejected(`switchboard, ${pass.name}`, run);
    await settled(run, pass.deliveries, `the ${pass.name} messages to be stored and assigned`);
    await listener.drain();
    results.push(await collect(stack, inboxId, run, pass, options, listener.seen, toMonotonic));
  }
  const [burst, ...paced] = results;
  return { burst: burst!, paced };
}

async function collect(
  stack: Stack,
  inboxId: string,
  run: DriveResult,
  pass: Pass,
  options: PhaseOptions,
  seen: Map<string, number>,
  toMonotonic: (epochMs: number) => number,
): Promise<SwitchboardPass> {
  const messages = await stack.pool.query<{ id: string; externalId: string; conversationId: string; createdMs: number }>(
    `select id, external_id as "externalId", conversation_id as "conversationId", (extract(epoch from created_at) * 1000)::float8 as "createdMs"
       from messages where inbox_id = $1 and direction = 'in'`,
    [inboxId],
  );
  const events = await stack.pool.query<{ id: string; type: string; conversationId: string; messageId: string | null }>(
    `select id::text, type, conversation_id as "conversationId", payload->>'messageId' as "messageId" from events where id = any($1::bigint[])`,
    [[...seen.keys()]],
  );
  const assignments = await stack.pool.query<{ conversationId: string; startedMs: number }>(
    `select a.conversation_id as "conversationId", (extract(epoch from min(a.started_at)) * 1000)::float8 as "startedMs"
       from assignments a join conversations c on c.id = a.conversation_id where c.inbox_id = $1 group by a.conversation_id`,
    [inboxId],
  );

  const byId = new Map(messages.rows.map((m) => [m.id, m]));
  const storedAt = new Map<string, number>();
  const assignedAt = new Map<string, number>();
  for (const e of events.rows) {
    const at = seen.get(e.id)!;
    if (e.type === 'message.created' && e.messageId) {
      const m = byId.get(e.messageId);
      if (m) storedAt.set(m.externalId, at);
    } else if (e.type === 'conversation.assigned' && !assignedAt.has(e.conversationId)) {
      assignedAt.set(e.conversationId, at);
    }
  }
  const createdAt = new Map(messages.rows.map((m) => [m.externalId, toMonotonic(m.createdMs)]));
  const startedAt = new Map(assignments.rows.map((a) => [a.conversationId, toMonotonic(a.startedMs)]));
  const base = phaseFigures(run, pass, options, storedAt, createdAt);

  // a message is ready for an agent once it is stored and its conversation is assigned
  const conversationOf = new Map(messages.rows.map((m) => [m.externalId, m.conversationId]));
  const firstSent = new Map<string, number>();
  const firstMessage = new Map<string, string>();
  const ready: number[] = [];
  let lastReady = 0;
  for (const [externalId, sent] of run.sentAt) {
    const conversationId = conversationOf.get(externalId)!;
    const assigned = assignedAt.get(conversationId);
    if (assigned === undefined) throw new Error(`conversation ${conversationId} was assigned before LISTEN started`);
    const at = Math.max(storedAt.get(externalId)!, assigned);
    ready.push(at - sent);
    lastReady = Math.max(lastReady, at);
    if (sent < (firstSent.get(conversationId) ?? Number.POSITIVE_INFINITY)) {
      firstSent.set(conversationId, sent);
      firstMessage.set(conversationId, externalId);
    }
  }
  const toAssigned: number[] = [];
  const toStarted: number[] = [];
  const storedToAssigned: number[] = [];
  for (const [conversationId, sent] of firstSent) {
    const assigned = assignedAt.get(conversationId)!;
    toAssigned.push(assigned - sent);
    toStarted.push(startedAt.get(conversationId)! - sent);
    storedToAssigned.push(assigned - storedAt.get(firstMessage.get(conversationId)!)!);
  }
  return {
    ...base,
    conversations: firstSent.size,
    ready: summarize(ready),
    readyPerSecond: perSecond(ready.length, run.firstSend, lastReady),
    firstMessageToAssigned: summarize(toAssigned),
    firstMessageToAssignedByStartedAt: summarize(toStarted),
    storedToAssigned: summarize(storedToAssigned),
  };
}
