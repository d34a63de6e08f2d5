import { createPool, type Pool, type PoolClient } from '@switchboard/db';
import { now } from './load.ts';

/**
 * LISTEN on one channel and note when each payload arrives. NOTIFY is delivered only after the
 * notifying transaction commits, so the arrival time is when the row became visible to readers.
 */
export interface Listener {
  /** Arrival time (monotonic ms) per payload, since the last `reset()`. */
  readonly seen: Map<string, number>;
  reset(): void;
  /** A round trip on the listening connection: every notification committed before it has been heard. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export async function listen(databaseUrl: string, channel: string): Promise<Listener> {
  const pool: Pool = createPool({ connectionString: databaseUrl, max: 1, applicationName: 'switchboard-bench-listener' });
  const client: PoolClient = await pool.connect();
  const seen = new Map<string, number>();
  client.on('notification', (n) => {
    if (n.channel === channel && n.payload !== undefined && !seen.has(n.payload)) seen.set(n.payload, now());
  });
  await client.query(`listen ${channel}`);
  return {
    seen,
    reset: () => seen.clear(),
    drain: async () => {
      await client.query('select 1');
    },
    async close() {
      await client.query(`unlisten ${channel}`).catch(() => {});
      client.release();
      await pool.end();
    },
  };
}

/** Polls `probe` every `intervalMs` until it holds; fails after `timeoutMs` with what it was waiting for. */
export async function until(probe: () => Promise<boolean>, what: string, timeoutMs: number, intervalMs = 50): Promise<void> {
  const deadline = now() + timeoutMs;
  while (!(await probe())) {
    if (now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * PostgreSQL's now() is wall-clock; the bench's times are monotonic. Converts a database
 * epoch-ms value to the monotonic clock using an offset sampled at the start of each phase.
 */
export function wallToMonotonic(): (epochMs: number) => number {
  // Date.now() has 1 ms steps: sample right after a step so the offset is good to a few µs
  const start = Date.now();
  let wall = start;
  while (wall === start) wall = Date.now();
  const offset = wall - performance.now();
  return (epochMs) => epochMs - offset;
}
