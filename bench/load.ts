import http from 'node:http';
import type { Delivery } from './deliveries.ts';

/** Milliseconds on the monotonic clock; only ever compared with itself. */
export const now = (): number => performance.now();

export interface DriveResult {
  /** POST start per external id (monotonic ms), successful deliveries only. */
  sentAt: Map<string, number>;
  /** Acknowledge latency per successful POST, ms. */
  ackMs: number[];
  failures: { status: number; body: string }[];
  firstSend: number;
  lastAck: number;
}

/**
 * POSTs every delivery with at most `concurrency` in flight over keep-alive connections, the way
 * Telegram's webhook sender holds up to max_connections open. A 200 is an acknowledge. With a
 * `rate` (per second), delivery i is not sent before i/rate seconds; 0 sends as fast as acks come.
 */
export async function drive(target: string, headers: Record<string, string>, deliveries: Delivery[], concurrency: number, rate = 0): Promise<DriveResult> {
  const url = new URL(target);
  if (url.hostname !== '127.0.0.1') throw new Error(`the bench only targets 127.0.0.1, not ${url.hostname}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const result: DriveResult = { sentAt: new Map(), ackMs: [], failures: [], firstSend: Number.POSITIVE_INFINITY, lastAck: 0 };
  let next = 0;
  const t0 = now();
  const lane = async () => {
    for (let i = next++; i < deliveries.length; i = next++) {
      const d = deliveries[i]!;
      if (rate > 0) {
        const wait = t0 + (i * 1000) / rate - now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      const start = now();
      result.firstSend = Math.min(result.firstSend, start);
      const reply = await post(agent, url, headers, d.body);
      const end = now();
      if (reply.status === 200) {
        result.sentAt.set(d.externalId, start);
        result.ackMs.push(end - start);
        result.lastAck = Math.max(result.lastAck, end);
      } else {
        result.failures.push(reply);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, deliveries.length) }, lane));
  } finally {
    agent.destroy();
  }
  return result;
}

export function post(agent: http.Agent, url: URL, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (e) => resolve({ status: 0, body: e.message }));
      },
    );
    req.on('error', (e) => resolve({ status: 0, body: e.message }));
    req.end(body);
  });
}

export function failIfRejected(what: string, run: DriveResult): void {
  if (run.failures.length) throw new Error(`${what}: ${run.failures.length} webhook POSTs were not acknowledged, first: ${JSON.stringify(run.failures[0])}`);
}
