import type pg from 'pg';
import { fixtureText } from '@switchboard/testkit';

/**
 * Traffic for the fault tests: a platform that delivers Telegram updates the way Telegram does
 * (retrying until it gets a 2xx), and agents' replies written through the API with an
 * Idempotency-Key (retried until answered).
 */

/** FAULTS_SCALE multiplies message and reply counts for longer local runs (default 1). */
export const SCALE = Math.max(Number(process.env.FAULTS_SCALE || 1), 0.01);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const FIRST_CHAT = 700_000_000;

export const chatIdOf = (chat: number) => String(FIRST_CHAT + chat);

/** One customer message: the text_private fixture with its ids, chat and text made distinct. */
export function updateFor(i: number, chats: number) {
  const update = JSON.parse(fixtureText('telegram/text_private.json'));
  const chatId = FIRST_CHAT + (i % chats);
  const messageId = 1 + Math.floor(i / chats);
  update.update_id = 100_000_000 + i;
  update.message.message_id = messageId;
  update.message.from.id = chatId;
  update.message.from.username = `customer${chatId}`;
  update.message.chat.id = chatId;
  update.message.chat.username = `customer${chatId}`;
  update.message.date = Math.floor(Date.now() / 1000);
  update.message.text = `faults message ${i} in chat ${chatId}`;
  return { externalId: `${chatId}:${messageId}`, text: update.message.text as string, body: JSON.stringify(update) };
}

export interface Stream {
  /** Updates handed to the webhook at least once. */
  readonly posted: number;
  /** External ids (`chat:message`) of updates answered 2xx. */
  readonly acked: Set<string>;
  /** Webhook answers other than 2xx, and refused connections, that the platform retried. */
  readonly retries: { refused: number; status: Map<number, number> };
  /** Resolves once `fraction` of the updates have been posted. */
  reached(fraction: number): Promise<void>;
  done: Promise<void>;
}

/**
 * Posts `count` updates over `chats` chats at about `perSecond`, `concurrency` at a time; each
 * one is retried with a short backoff until answered 2xx, exactly as the platform would. Updates
 * of one chat are `chats` apart, so a chat's updates go out one after the other.
 */
export function startStream(options: { webhookUrl: string; secret: string; count: number; chats: number; perSecond: number; concurrency: number; giveUpMs?: number }): Stream {
  const acked = new Set<string>();
  const retries = { refused: 0, status: new Map<number, number>() };
  const started = Date.now();
  let next = 0;
  let posted = 0;
  const waiters: Array<{ at: number; resolve: () => void }> = [];
  const wake = () => {
    for (const w of [...waiters]) if (posted >= w.at) (waiters.splice(waiters.indexOf(w), 1), w.resolve());
  };
  const deliver = async (i: number) => {
    const update = updateFor(i, options.chats);
    const deadline = Date.now() + (options.giveUpMs ?? 180_000);
    let backoff = 50;
    for (let first = true; ; first = false) {
      if (first) (posted++, wake());
      const res = await fetch(options.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': options.secret },
        body: update.body,
        signal: AbortSignal.timeout(10_000),
      }).catch(() => undefined);
      await res?.arrayBuffer().catch(() => undefined);
      if (res && res.status >= 200 && res.status < 300) {
        acked.add(update.externalId);
        return;
      }
      if (res) retries.status.set(res.status, (retries.status.get(res.status) ?? 0) + 1);
      else retries.refused++;
      if (Date.now() > deadline) throw new Error(`update ${update.externalId} not acknowledged within ${options.giveUpMs ?? 180_000} ms`);
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 1_000);
    }
  };
  const worker = async () => {
    while (next < options.count) {
      const i = next++;
      const due = started + (i * 1000) / options.perSecond;
      if (due > Date.now()) await sleep(due - Date.now());
      await deliver(i);
    }
  };
  const done = Promise.all(Array.from({ length: options.concurrency }, worker)).then(() => undefined);
  return {
    get posted() {
      return posted;
    },
    acked,
    retries,
    reached: (fraction) =>
      new Promise((resolve) => {
        waiters.push({ at: Math.ceil(fraction * options.count), resolve });
        wake();
      }),
    done,
  };
}

export interface WrittenReply {
  chatId: string;
  index: number;
  messageId: string;
  text: string;
}

export const replyText = (chatId: string, index: number) => `reply ${chatId}#${index}`;

/** Parses `reply <chat>#<index>` back; undefined for any other text. */
export function parseReplyText(text: unknown): { chatId: string; index: number } | undefined {
  const m = /^reply (\d+)#(\d+)$/.exec(String(text ?? ''));
  return m ? { chatId: m[1]!, index: Number(m[2]) } : undefined;
}

/**
 * For each chat: waits for its conversation, then writes `perChat` replies one after the other
 * (each POST retried with the same Idempotency-Key until answered), pausing about `pauseMs`
 * between them so the replies spread over the whole stream and its faults.
 */
export async function writeReplies(options: { apiUrl: string; token: string; db: pg.Pool; chatIds: string[]; perChat: number; pauseMs: number; giveUpMs?: number }): Promise<WrittenReply[]> {
  const written: WrittenReply[] = [];
  const giveUpMs = options.giveUpMs ?? 180_000;
  const retrying = async <T>(what: string, attempt: () => Promise<T | undefined>): Promise<T> => {
    const deadline = Date.now() + giveUpMs;
    for (;;) {
      const value = await attempt().catch(() => undefined);
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`${what}: no success within ${giveUpMs} ms`);
      await sleep(200);
    }
  };
  await Promise.all(
    options.chatIds.map(async (chatId) => {
      const conversationId = await retrying(`conversation of chat ${chatId}`, async () => {
        const { rows } = await options.db.query<{ id: string }>(`select id from conversations where thread_key = $1 and status <> 'resolved'`, [chatId]);
        return rows[0]?.id;
      });
      for (let index = 0; index < options.perChat; index++) {
        await sleep(options.pauseMs * (0.5 + Math.random()));
        const text = replyText(chatId, index);
        const message = await retrying(`reply ${text}`, async () => {
          const res = await fetch(`${options.apiUrl}/api/v1/conversations/${conversationId}/messages`, {
            method: 'POST',
            headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json', 'idempotency-key': `faults-${chatId}-${index}` },
            body: JSON.stringify({ text }),
            signal: AbortSignal.timeout(10_000),
          });
          const body = (await res.json()) as { id?: string };
          return res.status === 200 || res.status === 201 ? body.id : undefined;
        });
        written.push({ chatId, index, messageId: message, text });
      }
    }),
  );
  return written;
}

/** Admin creates `agents` online agents in one queue and a Telegram inbox routed to it. */
export async function setUpTelegramDesk(apiUrl: string, adminToken: string, options: { agents: number; capacity: number }) {
  const call = async (token: string, method: string, path: string, body: unknown) => {
    const res = await fetch(`${apiUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, any>;
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const agents: Array<{ id: string; token: string }> = [];
  for (let i = 0; i < options.agents; i++) {
    const created = await call(adminToken, 'POST', '/agents', { name: `Agent ${i + 1}`, email: `agent${i + 1}@faults.test`, capacity: options.capacity });
    agents.push({ id: created.agent.id, token: created.token });
  }
  const queue = await call(adminToken, 'POST', '/queues', { name: 'Support', memberIds: agents.map((a) => a.id) });
  for (const agent of agents) await call(agent.token, 'PUT', '/me/status', { status: 'online' });
  const secret = 'FaultsSecretToken';
  const inbox = await call(adminToken, 'POST', '/inboxes', {
    channel: 'telegram',
    name: 'Support bot',
    defaultQueueId: queue.id,
    secrets: { botToken: '123456:FAULTS-bot-token', webhookSecret: secret },
  });
  return { webhookUrl: String(inbox.webhookUrl), secret, inboxId: String(inbox.id) };
}
