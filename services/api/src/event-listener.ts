import pg from 'pg';
import type { Logger } from '@switchboard/log';

export interface ListenerOptions {
  /** A new, unconnected client each time: a pool client cannot be held by LISTEN forever. */
  newClient: () => pg.Client;
  channel: string;
  logger: Logger;
  /** A NOTIFY arrived. */
  onNotify: () => void;
  /** LISTEN is (again) in place: anything committed while it was not is to be read now. */
  onListening: () => void;
  backoff?: { initialMs: number; maxMs: number };
}

export interface Listener {
  close(): Promise<void>;
}

const DEFAULT_BACKOFF = { initialMs: 250, maxMs: 10_000 };

/**
 * One dedicated connection that LISTENs, reconnecting with capped exponential backoff (and
 * jitter, so replicas restarted together do not reconnect in lockstep) when PostgreSQL
 * restarts or the connection drops. The caller's periodic poll covers the time without it.
 */
export function startListener(options: ListenerOptions): Listener {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  let client: pg.Client | null = null;
  let closed = false;
  let delayMs = backoff.initialMs;
  let retry: NodeJS.Timeout | null = null;

  const scheduleReconnect = (reason: unknown) => {
    if (closed || retry) return;
    options.logger.warn({ err: reason, retryInMs: delayMs }, 'event listener disconnected; reconnecting');
    retry = setTimeout(() => {
      retry = null;
      void connect();
    }, delayMs * (0.75 + Math.random() / 2));
    delayMs = Math.min(delayMs * 2, backoff.maxMs);
  };

  const connect = async () => {
    if (closed) return;
    const current = options.newClient();
    client = current;
    let failed = false;
    const fail = (reason: unknown) => {
      if (failed || client !== current) return;
      failed = true;
      client = null;
      current.removeAllListeners('notification');
      void current.end().catch(() => {});
      scheduleReconnect(reason);
    };
    current.on('error', fail);
    current.on('end', () => fail(new Error('connection ended')));
    current.on('notification', () => options.onNotify());
    try {
      await current.connect();
      await current.query(`listen ${pg.escapeIdentifier(options.channel)}`);
    } catch (error) {
      fail(error);
      return;
    }
    if (closed || client !== current) return;
    delayMs = backoff.initialMs;
    options.onListening();
  };

  void connect();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const current = client;
      client = null;
      if (current) {
        current.removeAllListeners('notification');
        await current.end().catch(() => {});
      }
    },
  };
}
