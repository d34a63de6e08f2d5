import type { Pool, SecretBox } from '@switchboard/db';
import { rememberSecrets, type Logger } from '@switchboard/log';
import { DEFAULT_RETRY_SCHEDULE, retryDelayMs, type RetrySchedule } from './backoff.ts';
import { fanOutOnce, type FanOutState } from './fanout.ts';
import { DEFAULT_ADDRESS_POLICY, type WebhookAddressPolicy } from './address-policy.ts';
import { sendDelivery, SEND_TIMEOUT_MS } from './send.ts';
import { claimDueDeliveries, recordAttempt, type ClaimedDelivery } from './store.ts';

export interface WebhookWorkerDeps {
  pool: Pool;
  secretBox: SecretBox;
  logger: Logger;
}

export interface WebhookWorkerOptions {
  /** How often to look for new outbox events and for due deliveries. */
  pollMs: number;
  /** How soon to look again while the fan-out waits at a hole in the event ids. */
  gapRetryMs: number;
  maxGapWaitMs: number;
  batchSize: number;
  /** Deliveries sent at once by this replica. */
  concurrency: number;
  timeoutMs: number;
  retry: RetrySchedule;
  /** An endpoint where every attempt has failed for this long is disabled. */
  disableAfterMs: number;
  random: () => number;
  /** Which addresses endpoints may resolve to (no loopback, link-local or metadata service by default). */
  addressPolicy: WebhookAddressPolicy;
}

export const DEFAULT_WEBHOOK_OPTIONS: WebhookWorkerOptions = {
  pollMs: 1_000,
  gapRetryMs: 50,
  maxGapWaitMs: 30_000,
  batchSize: 200,
  concurrency: 16,
  timeoutMs: SEND_TIMEOUT_MS,
  retry: DEFAULT_RETRY_SCHEDULE,
  disableAfterMs: 24 * 3_600_000,
  random: Math.random,
  addressPolicy: DEFAULT_ADDRESS_POLICY,
};

export interface WebhookWorker {
  /** One fan-out round and one send round, for tests and for a caller that knows work is waiting. */
  tick(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The outbound-webhook loop of one egress replica: fan new outbox events out to deliveries,
 * then send the deliveries that are due. The schedule lives in PostgreSQL (a due-time sweep,
 * not delayed jobs), so a restart loses nothing and the delivery row is the only truth.
 */
export function startWebhookWorker(deps: WebhookWorkerDeps, overrides: Partial<WebhookWorkerOptions> = {}): WebhookWorker {
  const options = { ...DEFAULT_WEBHOOK_OPTIONS, ...overrides };
  const state: FanOutState = { gap: null };
  // an attempt in flight keeps its lease well past the send timeout
  const leaseMs = options.timeoutMs + 30_000;
  let closed = false;

  const sendOne = async (delivery: ClaimedDelivery) => {
    const secret = deps.secretBox.open<string>(delivery.sealedSecret);
    rememberSecrets(secret);
    const outcome = await sendDelivery(delivery, secret, { timeoutMs: options.timeoutMs, addressPolicy: options.addressPolicy });
    const { disabled } = await recordAttempt(deps.pool, delivery, outcome, {
      retryDelayMs: retryDelayMs(options.retry, delivery.attempt, options.random),
      retryWindowMs: options.retry.windowMs,
      disableAfterMs: options.disableAfterMs,
    });
    if (disabled) deps.logger.warn({ webhookId: delivery.subscriptionId, url: delivery.url }, 'webhook endpoint disabled after sustained failure');
  };

  const fanOut = async (): Promise<boolean> => {
    const fanned = await fanOutOnce(deps.pool, state, { batchSize: options.batchSize, maxGapWaitMs: options.maxGapWaitMs, now: Date.now });
    return fanned.waiting || fanned.events === options.batchSize;
  };

  // Sends run beside the loop, up to `concurrency` at once: an endpoint that takes the whole
  // timeout holds one slot, not the round.
  const inFlight = new Set<Promise<void>>();
  const send = async (): Promise<boolean> => {
    const free = options.concurrency - inFlight.size;
    if (free <= 0 || closed) return false;
    const due = await claimDueDeliveries(deps.pool, free, leaseMs);
    for (const delivery of due) {
      const attempt: Promise<void> = sendOne(delivery)
        // the lease runs out and the delivery comes due again: nothing is lost, only delayed
        .catch((error: unknown) => deps.logger.warn({ err: error, deliveryId: delivery.id }, 'webhook attempt could not be recorded'))
        .finally(() => {
          inFlight.delete(attempt);
          sendLoop.wake();
        });
      inFlight.add(attempt);
    }
    return due.length === free;
  };

  const fanOutLoop = repeat('webhook fan-out', fanOut, options, deps.logger);
  const sendLoop = repeat('webhook send', send, options, deps.logger);

  return {
    async tick() {
      await fanOut();
      await send();
      await Promise.all(inFlight);
    },
    async close() {
      closed = true;
      await Promise.all([fanOutLoop.stop(), sendLoop.stop()]);
      await Promise.all(inFlight);
    },
  };
}

/**
 * Runs `task` every `pollMs`, or after `gapRetryMs` when it says more is waiting; `wake` runs
 * it soon. Never two runs at once.
 */
function repeat(name: string, task: () => Promise<boolean>, options: WebhookWorkerOptions, logger: Logger) {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  const schedule = (ms: number) => {
    if (stopped || running) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(run, ms);
  };
  function run() {
    timer = null;
    again = false;
    running = task()
      .catch((error: unknown) => {
        logger.warn({ err: error }, `${name} failed`);
        return false;
      })
      .then((more) => {
        running = null;
        schedule(more || again ? options.gapRetryMs : options.pollMs);
      });
  }
  schedule(0);
  return {
    wake() {
      if (running) again = true;
      else schedule(0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
