import type { Pass, PhaseOptions } from './deliveries.ts';
import type { DriveResult } from './load.ts';

/** Latency figures in milliseconds, nearest-rank percentiles over every sample (no histogram). */
export interface Summary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array: the smallest value with at least q of the samples at or below it. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((acc, v) => acc + v, 0);
  return {
    count: sorted.length,
    min: sorted[0] ?? Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** Items per second over a window given in milliseconds. */
export function perSecond(count: number, fromMs: number, toMs: number): number {
  const ms = toMs - fromMs;
  return ms > 0 ? (count * 1000) / ms : Number.NaN;
}

/** The figures one pipeline produced in one pass. */
export interface PhaseResult {
  messages: number;
  concurrency: number;
  /** Offered messages per second; 0 for the burst. */
  rate: number;
  failed: number;
  /** Client side: POST start to the 200 fully read. */
  ack: Summary;
  ackPerSecond: number;
  /** POST start to the row's commit, heard through LISTEN/NOTIFY. */
  stored: Summary;
  storedPerSecond: number;
  /** POST start to the row's created_at (PostgreSQL now(): the start of the storing transaction). */
  storedByCreatedAt: Summary;
}

/** Ack latency, ack throughput and stored latency/throughput from the send log and the commit times. */
export function phaseFigures(run: DriveResult, pass: Pass, options: PhaseOptions, storedAt: Map<string, number>, createdAt: Map<string, number>): PhaseResult {
  const stored: number[] = [];
  const byCreatedAt: number[] = [];
  let lastStored = 0;
  for (const [externalId, sent] of run.sentAt) {
    const at = storedAt.get(externalId);
    const created = createdAt.get(externalId);
    if (at === undefined || created === undefined) throw new Error(`message ${externalId} was acknowledged but never stored`);
    stored.push(at - sent);
    byCreatedAt.push(created - sent);
    lastStored = Math.max(lastStored, at);
  }
  return {
    messages: run.sentAt.size,
    concurrency: options.concurrency,
    rate: pass.rate,
    failed: run.failures.length,
    ack: summarize(run.ackMs),
    ackPerSecond: perSecond(run.ackMs.length, run.firstSend, run.lastAck),
    stored: summarize(stored),
    storedPerSecond: perSecond(stored.length, run.firstSend, lastStored),
    storedByCreatedAt: summarize(byCreatedAt),
  };
}
