import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import pg from 'pg';
import { appendEvent, EVENTS_CHANNEL, withTransaction } from '@switchboard/db';
import { createLogger } from '@switchboard/log';
import { createTestDatabase, waitFor, type TestDatabase } from '@switchboard/testkit';
import { handleError } from './error-handler.ts';
import { eventRoutes, type EventStreamOptions } from './routes/events.ts';
import { ADMIN_TOKEN } from './testing.ts';
import { openSse } from './testing-sse.ts';

/**
 * The hub and stream under stress, on a real database: commit order unlike id order, a lost
 * LISTEN connection, a client that stops reading, shutdown. The route is mounted on a bare
 * fastify so the limits (buffer, keep-alive, batch) can be made small.
 */

let db: TestDatabase;
const apps = new Set<{ close(): Promise<unknown> }>();

async function streamApp(options: EventStreamOptions, listenerName = 'sb-events-test') {
  const app = Fastify({ loggerInstance: logger }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  const newClient = () => new pg.Client({ connectionString: db.url, application_name: listenerName });
  const deps = { pool: db.pool, logger, adminToken: ADMIN_TOKEN };
  await app.register(eventRoutes(deps, { ...options, hub: { newClient, ...options.hub } }), { prefix: '/api/v1' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  apps.add(app);
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1/events`;
  const close = async () => {
    apps.delete(app);
    await app.close();
  };
  return {
    close,
    open: (query = '') => openSse(`${url}${query}`, { authorization: `Bearer ${ADMIN_TOKEN}` }),
    openWithQueryToken: () => openSse(`${url}?access_token=${ADMIN_TOKEN}`),
  };
}

const emit = () => withTransaction(db.pool, (tx) => appendEvent(tx, { type: 'routing.alert', payload: {} }));

/** An event written in a transaction left open: its id is taken, its row invisible until commit. */
async function openEvent() {
  const client = await db.pool.connect();
  await client.query('begin');
  const id = await appendEvent(client, { type: 'sla.breached', payload: { late: true } });
  let open = true;
  /** Idempotent, so a `finally` can always release the connection (pool.end() waits for it). */
  const end = async (how: 'commit' | 'rollback') => {
    if (!open) return;
    open = false;
    await client.query(how);
    client.release();
  };
  return { id, end };
}

/** Debug log lines of the stream apps, to wait for what the hub does. */
const logLines: string[] = [];
const logger = createLogger({ service: 'events-test', level: 'debug', destination: { write: (line: string) => void logLines.push(line) } });

/** The hub has met the gap twice and noted the transactions in flight (event-gaps.ts): it is waiting for them. */
async function hubWaitsAtGap(from: string) {
  await waitFor(() => logLines.some((l) => l.includes('event gap: waiting') && l.includes(`"from":"${from}"`)), { what: `the hub to wait at event ${from}` });
}

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await db?.drop();
});

describe('the event hub', () => {
  it('an event committed after a later one is streamed first, not lost (ids are taken in one order, committed in another)', async () => {
    const { open, close } = await streamApp({ hub: { maxGapWaitMs: 60_000 } });
    const sse = await open();
    const late = await openEvent();
    try {
      const early = await emit();
      expect(BigInt(early)).toBeGreaterThan(BigInt(late.id));
      await hubWaitsAtGap(late.id);
      await late.end('commit');
      expect((await sse.next()).id).toBe(late.id);
      expect((await sse.next()).id).toBe(early);
    } finally {
      await late.end('rollback');
      sse.close();
      await close();
    }
  });

  it('an id whose transaction rolled back holds the stream only until that transaction has ended', async () => {
    const { open, close } = await streamApp({ hub: { maxGapWaitMs: 60_000 } });
    const sse = await open();
    const doomed = await openEvent();
    try {
      const next = await emit();
      await hubWaitsAtGap(doomed.id);
      const rolledBackAt = Date.now();
      await doomed.end('rollback');
      expect((await sse.next()).id).toBe(next);
      expect(Date.now() - rolledBackAt).toBeLessThan(5_000); // settled, not timed out (60 s)
    } finally {
      await doomed.end('rollback');
      sse.close();
      await close();
    }
  });

  it('events committed while the LISTEN connection is lost are delivered once it is back, without waiting for the poll', async () => {
    const { open, close } = await streamApp({ hub: { pollMs: 600_000 } }, 'sb-events-reconnect');
    const sse = await open();
    const listenerPid = () =>
      db.pool
        .query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database() and application_name = 'sb-events-reconnect' and query ilike 'listen%'`)
        .then((r) => r.rows[0]?.pid);
    const before = await waitFor(listenerPid, { what: 'the LISTEN connection' });
    await db.pool.query('select pg_terminate_backend($1)', [before]);
    const whileDown = await emit();
    expect((await sse.next()).id).toBe(whileDown);
    const after = await waitFor(async () => ((await listenerPid()) ?? before) !== before && listenerPid(), { what: 'a new LISTEN connection' });
    expect(after).not.toBe(before);
    const live = await emit();
    expect((await sse.next()).id).toBe(live);
    sse.close();
    await close();
  });

  it('sends a keep-alive comment while nothing happens; a token in ?access_token= is kept out of the logs', async () => {
    const { openWithQueryToken, close } = await streamApp({ sse: { keepAliveMs: 20 } });
    const sse = await openWithQueryToken();
    expect(sse.status).toBe(200);
    expect(logLines.filter((l) => l.includes('access_token=[redacted]')).length).toBeGreaterThan(0);
    expect(logLines.filter((l) => l.includes(ADMIN_TOKEN))).toEqual([]);
    expect((await sse.nextFrame()).retry).toBeGreaterThan(0);
    expect((await sse.nextFrame()).comment).toBe('keep-alive');
    sse.close();
    await close();
  });

  it('a client that stops reading is sent a final event: overflow and closed; its Last-Event-ID is its last real event', async () => {
    const { open, close } = await streamApp({ sse: { maxBuffer: 5 }, hub: { batchSize: 5 } });
    const slow = await open();
    slow.raw.pause();
    const fast = await open();
    // far more than the kernel buffers on loopback can take in
    const { rows } = await db.pool.query<{ id: string }>(
      `insert into events(type, payload) select 'sla.breached', jsonb_build_object('pad', repeat('x', 524288)) from generate_series(1, 120) returning id`,
    );
    await db.pool.query('select pg_notify($1, $2)', [EVENTS_CHANNEL, rows.at(-1)!.id]);
    await fast.until((m) => m.id === rows.at(-1)!.id);
    fast.close();

    slow.raw.resume();
    const frames = [];
    for (;;) {
      const frame = await slow.nextFrame().catch(() => null);
      if (!frame) break;
      if (frame.event) frames.push(frame);
    }
    const last = frames.at(-1)!;
    expect(last.event).toBe('overflow');
    expect(last.id).toBeUndefined();
    const delivered = frames.slice(0, -1);
    expect(delivered.length).toBeLessThan(rows.length);
    expect(delivered.map((f) => f.id)).toEqual(rows.slice(0, delivered.length).map((r) => r.id));
    expect(JSON.parse(last.data!)).toEqual({ reason: 'slow_consumer', lastEventId: delivered.at(-1)?.id ?? null });
    await close();
  });

  it('app.close() ends open streams instead of waiting for them', async () => {
    const { close, open } = await streamApp({});
    const sse = await open();
    await sse.nextFrame(); // retry: the stream is open
    await close();
    await expect(sse.nextFrame()).rejects.toThrow('the stream ended');
  });
});
