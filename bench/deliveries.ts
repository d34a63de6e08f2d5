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
  messages: number;
  concurrency: number;
  customers: number;
  warmup: number;
  warmupCustomers: number;
  /** Messages per second of the paced pass; 0 skips it. */
  rate: number;
  /** How long to wait for acknowledged messages to be stored before giving up. */
  timeoutMs: number;
}

/**
 * A measured pass: `burst` sends as fast as the pipeline acknowledges (the backlog it builds
 * shows in the end-to-end figures); `paced` offers a steady rate below capacity, so its
 * end-to-end figures are the pipeline's own latency rather than time spent queued.
 */
export interface Pass {
  name: 'burst' | 'paced';
  rate: number;
  deliveries: Delivery[];
}

/** The warm-up, then the passes, each on customers and message ids of its own so every message is new. */
export function plan(options: PhaseOptions): { warmup: Delivery[]; passes: Pass[] } {
  const warmup = telegramDeliveries({ count: options.warmup, customers: options.warmupCustomers, firstCustomer: 0, firstId: 1 });
  const pass = (k: number, name: Pass['name'], rate: number): Pass => ({
    name,
    rate,
    deliveries: telegramDeliveries({
      count: options.messages,
      customers: options.customers,
      firstCustomer: options.warmupCustomers + k * options.customers,
      firstId: options.warmup + k * options.messages + 1,
    }),
  });
  return { warmup, passes: [pass(0, 'burst', 0), ...(options.rate > 0 ? [pass(1, 'paced', options.rate)] : [])] };
}
