import { performance } from 'node:perf_hooks';
import type { Job } from 'bullmq';
import { Counter, Histogram, type Registry } from 'prom-client';
import { AppError, PermanentError, RateLimitedError } from '@switchboard/errors';
import { RetryLaterSignal } from '@switchboard/queue';

export type SendOutcome = 'sent' | 'retry' | 'failed';

interface SendMetrics {
  duration: Histogram<'channel'>;
  sends: Counter<'channel' | 'outcome' | 'code'>;
}

const SEND_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The send metrics of a registry, created once (every channel's worker shares them). */
export function sendMetrics(registry: Registry): SendMetrics {
  const registers = [registry];
  return {
    duration: (registry.getSingleMetric('switchboard_egress_send_duration_seconds') as Histogram<'channel'> | undefined) ?? new Histogram({
      name: 'switchboard_egress_send_duration_seconds',
      help: 'One call to a platform to send a reply (whatever its outcome), by channel.',
      labelNames: ['channel'],
      buckets: SEND_BUCKETS,
      registers,
    }),
    sends: (registry.getSingleMetric('switchboard_egress_sends_total') as Counter<'channel' | 'outcome' | 'code'> | undefined) ?? new Counter({
      name: 'switchboard_egress_sends_total',
      help: 'Reply sends by channel, outcome (sent, retry, failed for good) and code (`ok`, or the error code the platform answer was classified as).',
      labelNames: ['channel', 'outcome', 'code'],
      registers,
    }),
  };
}

/**
 * What a failed send leads to, by the rule deliver.ts records it with: a permanent error, or
 * the last attempt of one that spends attempts, fails the reply; anything else runs again.
 */
export function sendOutcome(error: unknown, job: Pick<Job, 'attemptsMade' | 'opts'>): Exclude<SendOutcome, 'sent'> {
  const spendsAttempt = !(error instanceof RateLimitedError || error instanceof RetryLaterSignal);
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  return error instanceof PermanentError || (lastAttempt && spendsAttempt) ? 'failed' : 'retry';
}

/** Runs one platform send, timing it and counting it by outcome and code; rethrows what the send threw. */
export async function timedSend<T>(registry: Registry | undefined, channel: string, job: Pick<Job, 'attemptsMade' | 'opts'>, send: () => Promise<T>): Promise<T> {
  if (!registry) return send();
  const metrics = sendMetrics(registry);
  const started = performance.now();
  try {
    const result = await send();
    metrics.sends.inc({ channel, outcome: 'sent', code: 'ok' });
    return result;
  } catch (error) {
    const code = error instanceof AppError ? error.code : 'send_failed';
    metrics.sends.inc({ channel, outcome: sendOutcome(error, job), code });
    throw error;
  } finally {
    metrics.duration.observe({ channel }, (performance.now() - started) / 1000);
  }
}
