import http from 'node:http';
import type { Delivery } from './deliveries.ts';
import { now, post, type DriveResult } from './load.ts';

/** Requests in flight at once before further ones queue in the client (still timed from their scheduled send). */
const MAX_SOCKETS = 512;

/** When request `i` of an open-loop run at `rate` per second is due, in ms after the start. */
export function scheduledAt(i: number, rate: number): number {
  return (i * 1000) / rate;
}

/** How many of `count` requests at `rate` per second are due `elapsedMs` after the start. */
export function dueCount(elapsedMs: number, rate: number, count: number): number {
  if (elapsedMs < 0) return 0;
  return Math.min(count, Math.floor((elapsedMs * rate) / 1000) + 1);
}

/**
 * Sends each delivery at its scheduled time whether or not earlier ones were acknowledged (an
 * open loop, as webhooks arrive from the platform), and times each acknowledge from its
 * *scheduled* send time: a server that stalls is charged for the requests that would have been
 * sent during the stall (no coordinated omission). `sentAt` holds scheduled times.
 */
export async function openLoop(target: string, headers: Record<string, string>, deliveries: Delivery[], rate: number): Promise<DriveResult> {
  if (!(rate > 0)) throw new Error(`an open loop needs a rate above 0, got ${rate}`);
  const url = new URL(target);
  if (url.hostname !== '127.0.0.1') throw new Error(`the bench only targets 127.0.0.1, not ${url.hostname}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
  const result: DriveResult = { sentAt: new Map(), ackMs: [], failures: [], firstSend: Number.POSITIVE_INFINITY, lastAck: 0 };
  const inFlight: Promise<void>[] = [];
  const t0 = now();
  result.firstSend = t0;
  const fire = (i: number) => {
    const d = deliveries[i]!;
    const scheduled = t0 + scheduledAt(i, rate);
    inFlight.push(
      post(agent, url, headers, d.body).then((reply) => {
        const end = now();
        if (reply.status === 200) {
          result.sentAt.set(d.externalId, scheduled);
          result.ackMs.push(end - scheduled);
          result.lastAck = Math.max(result.lastAck, end);
        } else {
          result.failures.push(reply);
        }
      }),
    );
  };
  try {
    await new Promise<void>((resolve) => {
      let next = 0;
      const tick = () => {
        const due = dueCount(now() - t0, rate, deliveries.length);
        while (next < due) fire(next++);
        if (next >= deliveries.length) return resolve();
        setTimeout(tick, Math.max(0, t0 + scheduledAt(next, rate) - now()));
      };
      tick();
    });
    await Promise.all(inFlight);
  } finally {
    agent.destroy();
  }
  return result;
}
