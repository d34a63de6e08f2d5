import pg from 'pg';
import { EVENTS_CHANNEL, eventsAfter, type DomainEvent, type Pool, type Viewer } from '@switchboard/db';
import { RetryableError } from '@switchboard/errors';
import type { Logger } from '@switchboard/log';
import { currentSnapshot, decideGap, snapshotEnded, type Gap } from './event-gaps.ts';
import { startListener, type Listener } from './event-listener.ts';
import { loadVisibility, type VisibilityContext } from './event-visibility.ts';

/** A live stream the hub feeds: `push` gets every new event in id order; it filters for its viewer. */
export interface Subscriber {
  readonly viewer: Viewer;
  readonly isClosed: boolean;
  push(events: readonly DomainEvent[], context: VisibilityContext): void;
  /** Ends the stream; the client reconnects with Last-Event-ID. */
  end(): void;
}

export interface HubOptions {
  /** Read even without a NOTIFY: a missed notification or a LISTEN connection being re-made. */
  pollMs: number;
  /** How soon to look again while a gap in the ids is open. */
  gapRetryMs: number;
  maxGapWaitMs: number;
  batchSize: number;
  /** The dedicated LISTEN connection; by default a client with the pool's settings. */
  newClient?: () => pg.Client;
}

const DEFAULTS: HubOptions = { pollMs: 5_000, gapRetryMs: 50, maxGapWaitMs: 30_000, batchSize: 500 };

/**
 * One per API process: a single LISTEN connection and a single reader of the outbox, fanning
 * out to every open stream. Each NOTIFY (or poll tick) causes one `eventsAfter(frontier)`;
 * the frontier only moves past ids that are settled (see event-gaps.ts), so a stream never
 * skips an event that commits late. Started by the first subscriber, stopped by `close`.
 */
export class EventHub {
  private readonly pool: Pool;
  private readonly logger: Logger;
  private readonly options: HubOptions;
  private readonly subscribers = new Set<Subscriber>();
  /** Every event up to here has been handed to the subscribers of its time. */
  private frontier: bigint | null = null;
  private starting: Promise<void> | null = null;
  private listener: Listener | null = null;
  private poll: NodeJS.Timeout | null = null;
  private gapRetry: NodeJS.Timeout | null = null;
  private gap: Gap | null = null;
  private draining: Promise<void> | null = null;
  private again = false;
  private closed = false;

  constructor(deps: { pool: Pool; logger: Logger }, options: Partial<HubOptions> = {}) {
    this.pool = deps.pool;
    this.logger = deps.logger;
    this.options = { ...DEFAULTS, ...options };
  }

  /**
   * Adds `subscriber` and returns the frontier: it will be pushed every event after it, so a
   * resuming client replays (its Last-Event-ID, frontier] from the table and nothing twice.
   */
  async subscribe(subscriber: Subscriber): Promise<bigint> {
    await this.start();
    if (this.closed || this.frontier === null) throw new RetryableError('shutting_down', 'the event stream is shutting down');
    this.subscribers.add(subscriber);
    return this.frontier;
  }

  unsubscribe(subscriber: Subscriber): void {
    this.subscribers.delete(subscriber);
  }

  /** Ends every stream and the LISTEN connection (app preClose: open streams would hold the server open). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.poll) clearInterval(this.poll);
    if (this.gapRetry) clearTimeout(this.gapRetry);
    await this.starting?.catch(() => {});
    await this.listener?.close();
    await this.draining;
    for (const subscriber of this.subscribers) subscriber.end();
    this.subscribers.clear();
  }

  private start(): Promise<void> {
    this.starting ??= this.init().catch((error: unknown) => {
      this.starting = null; // the next subscriber tries again
      throw error;
    });
    return this.starting;
  }

  private async init(): Promise<void> {
    const { rows } = await this.pool.query<{ max: string }>(`select coalesce(max(id), 0) as max from events`);
    if (this.closed) return;
    this.frontier = BigInt(rows[0]!.max);
    const newClient = this.options.newClient ?? (() => new pg.Client({ ...this.pool.options, application_name: 'switchboard-api-events' }));
    // taking the frontier first is safe: the read that onListening causes covers the time in between
    this.listener = startListener({ newClient, channel: EVENTS_CHANNEL, logger: this.logger, onNotify: () => this.kick(), onListening: () => this.kick() });
    this.poll = setInterval(() => this.kick(), this.options.pollMs);
    this.poll.unref();
  }

  /** Reads now, or right after the read in progress: NOTIFYs arriving during a read are not lost. */
  private kick(): void {
    if (this.closed || this.frontier === null) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.again = false;
    this.draining = this.drain()
      .catch((error: unknown) => this.logger.error({ err: error }, 'reading the event outbox failed; the next notification or poll retries'))
      .finally(() => {
        this.draining = null;
        if (this.again) this.kick();
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.gap?.snapshot && !this.gap.settled) this.gap.settled = await snapshotEnded(this.pool, this.gap.snapshot);
      const rows = await eventsAfter(this.pool, this.frontier!.toString(), this.options.batchSize);
      const { ready, blocked } = await this.settled(rows);
      if (ready.length > 0) await this.dispatch(ready);
      if (blocked) return this.retryGapSoon();
      if (rows.length < this.options.batchSize || this.closed) return;
    }
  }

  /** The leading run of `rows` that may be streamed; `blocked` when it stops at an open gap. */
  private async settled(rows: readonly DomainEvent[]): Promise<{ ready: DomainEvent[]; blocked: boolean }> {
    const ready: DomainEvent[] = [];
    let last = this.frontier!;
    for (const event of rows) {
      const decision = decideGap(last, event, this.gap, Date.now(), this.options.maxGapWaitMs);
      if (decision.kind === 'wait') {
        this.gap = decision.gap;
        if (decision.needSnapshot) {
          this.gap.snapshot = await currentSnapshot(this.pool);
          this.logger.debug({ from: String(this.gap.from) }, 'event gap: waiting for the transactions that may hold it');
        }
        return { ready, blocked: true };
      }
      if (decision.kind === 'skip') {
        const level = decision.reason === 'timeout' ? 'warn' : 'debug';
        this.logger[level]({ from: String(last + 1n), to: String(BigInt(event.id) - 1n), reason: decision.reason }, 'event ids skipped: never committed');
      }
      this.gap = null;
      ready.push(event);
      last = BigInt(event.id);
    }
    return { ready, blocked: false };
  }

  private async dispatch(events: DomainEvent[]): Promise<void> {
    // Move the frontier and pick the recipients in one synchronous step: a stream that
    // subscribes from here on replays this batch from the table instead of receiving it.
    const targets = [...this.subscribers];
    this.frontier = BigInt(events[events.length - 1]!.id);
    const agentIds = targets.flatMap((t) => (t.viewer.role === 'agent' && t.viewer.agentId ? [t.viewer.agentId] : []));
    let context: VisibilityContext;
    try {
      context = await loadVisibility(this.pool, events, agentIds);
    } catch (error) {
      // they would silently miss this batch; ended, they resume from their Last-Event-ID
      this.logger.error({ err: error }, 'loading event visibility failed; ending streams so they resume');
      for (const t of targets) t.end();
      return;
    }
    for (const t of targets) if (!t.isClosed) t.push(events, context);
  }

  private retryGapSoon(): void {
    if (this.gapRetry || this.closed) return;
    this.gapRetry = setTimeout(() => {
      this.gapRetry = null;
      this.kick();
    }, this.options.gapRetryMs);
  }
}
