import { fixtureText } from '@switchboard/testkit';

/** One webhook as Telegram would deliver it: the body is serialized up front, outside the timed path. */
export interface Delivery {
  /** What Switchboard stores as messages.external_id: `<chat id>:<message id>`. */
  externalId: string;
  chatId: number;
  body: string;
}

interface TelegramUpdate {
  update_id: number;
  message: {
    message_id: number;
    from: Record<string, unknown>;
    chat: Record<string, unknown>;
    date: number;
    text: string;
  } & Record<string, unknown>;
}

/** Chat ids of simulated customers: far from the fixture's own, distinct per phase via `firstCustomer`. */
const CHAT_ID_BASE = 700_000_000;

/**
 * `count` private text updates shaped like the text_private.json fixture, each a new message
 * (update_id and message_id increase), spread round-robin over `customers` chats.
 */
export function telegramDeliveries(options: { count: number; customers: number; firstCustomer: number; firstId: number }): Delivery[] {
  const template = JSON.parse(fixtureText('telegram/text_private.json')) as TelegramUpdate;
  const date = Math.floor(Date.now() / 1000);
  const deliveries: Delivery[] = [];
  for (let i = 0; i < options.count; i++) {
    const customer = options.firstCustomer + (i % options.customers);
    const chatId = CHAT_ID_BASE + customer;
    const messageId = options.firstId + i;
    const person = { id: chatId, first_name: `Customer ${customer}`, username: `customer_${customer}` };
    const update: TelegramUpdate = {
      ...template,
      update_id: template.update_id + options.firstId + i,
      message: {
        ...template.message,
        message_id: messageId,
        from: { ...template.message.from, ...person },
        chat: { ...template.message.chat, ...person },
        date,
        text: `hello there, message ${messageId}`,
      },
    };
    deliveries.push({ externalId: `${chatId}:${messageId}`, chatId, body: JSON.stringify(update) });
  }
  return deliveries;
}

/** What each pipeline is given: the same load for both. */
export interface PhaseOptions {
  /** Messages in the burst pass. */
  messages: number;
  /** POSTs in flight in the burst pass. */
  concurrency: number;
  customers: number;
  warmup: number;
  warmupCustomers: number;
  /** Offered rates (messages per second) of the open-loop passes; empty skips them. */
  rates: number[];
  /** How long each open-loop pass offers its rate. */
  rateSeconds: number;
  /** How long to wait for acknowledged messages to be stored before giving up. */
  timeoutMs: number;
}

/**
 * A measured pass: `burst` sends as fast as the pipeline acknowledges (its throughput is the
 * pipeline's capacity; the backlog it builds shows in the end-to-end figures); a paced pass
 * offers `rate` messages per second open-loop for `rateSeconds`, so its latencies are what a
 * platform sending at that rate sees.
 */
export interface Pass {
  name: string;
  /** 0 for the burst. */
  rate: number;
  deliveries: Delivery[];
}

/** The warm-up, then the passes (burst first, then `rates` in order), each on customers and message ids of its own so every message is new. */
export function plan(options: PhaseOptions, rates: readonly number[] = options.rates): { warmup: Delivery[]; passes: Pass[] } {
  const warmup = telegramDeliveries({ count: options.warmup, customers: options.warmupCustomers, firstCustomer: 0, firstId: 1 });
  let firstCustomer = options.warmupCustomers;
  let firstId = options.warmup + 1;
  const pass = (name: string, rate: number, count: number): Pass => {
    const customers = Math.min(options.customers, count);
    const deliveries = telegramDeliveries({ count, customers, firstCustomer, firstId });
    firstCustomer += customers;
    firstId += count;
    return { name, rate, deliveries };
  };
  return {
    warmup,
    passes: [pass('burst', 0, options.messages), ...rates.map((rate) => pass(`${rate}/s`, rate, Math.max(1, Math.round(rate * options.rateSeconds))))],
  };
}

/** Conversations the plan opens (one per customer): what the agents' capacity must cover. */
export function conversationsIn(p: { warmup: Delivery[]; passes: Pass[] }): number {
  return new Set([...p.warmup, ...p.passes.flatMap((x) => x.deliveries)].map((d) => d.chatId)).size;
}

/**
 * Round robin over the bots: the conversations come back bot by bot, and replies queued in that
 * order would reach one bot 40 at a time, over its 30/s, so pacing would bind after all.
 */
export function interleaveByBot<T extends { inboxId: string }>(chats: readonly T[]): T[] {
  const byBot = new Map<string, T[]>();
  for (const chat of chats) {
    const list = byBot.get(chat.inboxId);
    if (list) list.push(chat);
    else byBot.set(chat.inboxId, [chat]);
  }
  const lists = [...byBot.values()];
  const out: T[] = [];
  for (let i = 0; out.length < chats.length; i++) for (const list of lists) if (i < list.length) out.push(list[i]!);
  return out;
}
