import { parseArgs } from 'node:util';
import type { PhaseOptions } from './deliveries.ts';

export interface BenchOptions {
  quick: boolean;
  phase: PhaseOptions;
  /** Jobs and rows for the bare BullMQ and INSERT figures. */
  partsJobs: number;
  /** Agents' replies in the egress figure. */
  replies: number;
  soakMinutes: number;
  /** Webhooks per second during the soak. */
  soakRate: number;
  /** Replies per second during the soak: under Telegram's 30/s per bot, which egress paces to. */
  replyRate: number;
}

/** The whole default run fits in this; a longer soak adds its extra minutes. */
const BUDGET_MS = 10 * 60_000;
const DEFAULT_SOAK_MINUTES = 2;

const FULL = { messages: 2000, concurrency: 32, customers: 200, warmup: 100, rates: '250,500,1000', rateSeconds: 4, timeoutMs: 120_000, partsJobs: 5000, replies: 2000, soakMinutes: DEFAULT_SOAK_MINUTES, soakRate: 100, replyRate: 20 };
/** `--quick`: every phase, small, for a smoke run of about a minute. */
const QUICK = { ...FULL, messages: 400, warmup: 50, rateSeconds: 1, partsJobs: 1000, replies: 300, soakMinutes: 0.25, soakRate: 50, replyRate: 10 };

/** Flags first, then BENCH_* variables, then the defaults (the quick ones with --quick or BENCH_QUICK=1). */
export function readOptions(args: string[], env: Record<string, string | undefined>): BenchOptions {
  const flags = ['messages', 'concurrency', 'customers', 'warmup', 'rates', 'rate-seconds', 'timeout-ms', 'parts-jobs', 'replies', 'soak-minutes', 'soak-rate', 'reply-rate'] as const;
  const { values } = parseArgs({ args, options: { quick: { type: 'boolean' }, ...Object.fromEntries(flags.map((f) => [f, { type: 'string' }])) } as Record<string, { type: 'string' | 'boolean' }> });
  const quick = values.quick === true || env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  const d = quick ? QUICK : FULL;
  const raw = (flag: (typeof flags)[number]) => {
    const v = values[flag] ?? env[`BENCH_${flag.toUpperCase().replaceAll('-', '_')}`];
    return v === undefined || v === '' ? undefined : String(v);
  };
  const num = (flag: (typeof flags)[number], fallback: number, min: number, integer = true): number => {
    const v = raw(flag);
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) throw new Error(`--${flag} (or BENCH_${flag.toUpperCase().replaceAll('-', '_')}) must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got ${v}`);
    return n;
  };
  const rates = (raw('rates') ?? d.rates).split(',').map((s) => Number(s.trim()));
  if (rates.length === 0 || rates.some((r) => !Number.isInteger(r) || r < 1)) throw new Error(`--rates must be a comma-separated list of integers ≥ 1, got ${raw('rates')}`);

  const messages = num('messages', d.messages, 1);
  const customers = Math.min(num('customers', d.customers, 1), messages);
  const warmup = num('warmup', d.warmup, 1);
  return {
    quick,
    phase: {
      messages,
      concurrency: num('concurrency', d.concurrency, 1),
      customers,
      warmup,
      // the warm-up keeps the burst's messages-per-customer ratio, on customers of its own
      warmupCustomers: Math.max(1, Math.min(warmup, Math.round((warmup * customers) / messages))),
      rates,
      rateSeconds: num('rate-seconds', d.rateSeconds, 0.1, false),
      timeoutMs: num('timeout-ms', d.timeoutMs, 1_000),
    },
    partsJobs: num('parts-jobs', d.partsJobs, 1),
    replies: num('replies', d.replies, 1),
    soakMinutes: num('soak-minutes', d.soakMinutes, 0.05, false),
    soakRate: num('soak-rate', d.soakRate, 1),
    replyRate: num('reply-rate', d.replyRate, 1),
  };
}

/** When the watchdog stops the run: the 10-minute budget, plus whatever a longer soak adds. */
export function watchdogMs(options: Pick<BenchOptions, 'soakMinutes'>): number {
  return BUDGET_MS + Math.max(0, options.soakMinutes - DEFAULT_SOAK_MINUTES) * 60_000;
}
