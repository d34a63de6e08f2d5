/**
 * The arithmetic behind `pnpm sim`: seeded random draws, the Erlang C (M/M/c) prediction the
 * simulated queue is compared with, and the summary of the measured waits. No I/O here.
 */

/** mulberry32: small, fast and seeded, so a run can be repeated exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An exponential draw with the given mean (inter-arrival times of a Poisson process, handling times). */
export function exponential(random: () => number, mean: number): number {
  return -Math.log(1 - random()) * mean;
}

export interface ErlangC {
  /** Offered load in Erlangs: arrival rate × mean handling time. */
  erlangs: number;
  /** Share of the servers' time spent working. */
  occupancy: number;
  /** Probability that an arrival waits at all. */
  pWait: number;
  /** Mean wait over all arrivals, in the unit of `handleMean`. */
  meanWait: number;
  /** 90th percentile of the wait: P(W > t) = pWait · e^(−(cμ−λ)t). */
  p90Wait: number;
}

/**
 * M/M/c with `servers` servers: Poisson arrivals at `rate`, exponential service with mean
 * `handleMean` (same time unit). Uses the Erlang B recursion, which stays exact for large c
 * where factorials overflow. Undefined when the load is at or over the servers (no steady state).
 */
export function erlangC(input: { servers: number; rate: number; handleMean: number }): ErlangC | undefined {
  const { servers: c, rate, handleMean } = input;
  const a = rate * handleMean;
  if (c <= 0 || a >= c) return undefined;
  let b = 1;
  for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b);
  const pWait = (c * b) / (c - a * (1 - b));
  const drain = c / handleMean - rate; // cμ − λ
  return {
    erlangs: a,
    occupancy: a / c,
    pWait,
    meanWait: pWait / drain,
    p90Wait: pWait <= 0.1 ? 0 : Math.log(pWait / 0.1) / drain,
  };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1]!;
}

export function summarizeWaits(waits: readonly number[]): { count: number; mean: number; p90: number; max: number; pWait: number } {
  const sorted = [...waits].sort((x, y) => x - y);
  const count = sorted.length;
  return {
    count,
    mean: count ? sorted.reduce((s, v) => s + v, 0) / count : Number.NaN,
    p90: percentile(sorted, 0.9),
    max: sorted.at(-1) ?? Number.NaN,
    pWait: count ? sorted.filter((v) => v > 0).length / count : Number.NaN,
  };
}

/**
 * The same traffic through an ideal FIFO queue with `servers` interchangeable servers, in
 * memory: random numbers are drawn in the same order as the database run draws them, so a
 * dispatcher that never idles an agent while work waits reproduces these waits exactly.
 */
export function idealFifo(input: { servers: number; ratePerMin: number; handleMin: number; seed: number; warmupEnd: number; end: number }): { waits: number[]; occupancy: number } {
  const MINUTE = 60_000;
  const random = seededRandom(input.seed);
  const queue: number[] = [];
  const completions: number[] = [];
  const waits: number[] = [];
  let busy = 0;
  let area = 0;
  let last = 0;
  const advance = (to: number) => {
    const from = Math.max(last, input.warmupEnd);
    const until = Math.min(to, input.end);
    if (until > from) area += busy * (until - from);
    last = to;
  };
  let next = exponential(random, MINUTE / input.ratePerMin);
  for (;;) {
    const done = completions[0];
    const arrivalDue = next < input.end;
    if (!arrivalDue && done === undefined) break;
    if (arrivalDue && (done === undefined || next <= done)) {
      advance(next);
      queue.push(next);
      next += exponential(random, MINUTE / input.ratePerMin);
    } else {
      completions.shift();
      advance(done!);
      busy -= 1;
    }
    while (queue.length && busy < input.servers) {
      const arrival = queue.shift()!;
      if (arrival >= input.warmupEnd && arrival < input.end) waits.push((last - arrival) / 1000);
      busy += 1;
      const at = last + exponential(random, input.handleMin * MINUTE);
      const later = completions.findIndex((c) => c > at);
      completions.splice(later < 0 ? completions.length : later, 0, at);
    }
  }
  return { waits, occupancy: area / (input.servers * (input.end - input.warmupEnd)) };
}
