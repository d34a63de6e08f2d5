import type { ServerResponse } from 'node:http';
import type { DomainEvent, Viewer } from '@switchboard/db';
import type { Subscriber } from './event-hub.ts';
import { isVisible, type VisibilityContext } from './event-visibility.ts';

export interface SseOptions {
  /** Events waiting for a slow client before the stream is closed with `event: overflow`. */
  maxBuffer: number;
  keepAliveMs: number;
  /** Sent as `retry:` so EventSource reconnects after this long. */
  retryMs: number;
}

const END_GRACE_MS = 5_000;

/** One SSE message: `id` lets the client resume with Last-Event-ID; JSON never contains a newline. */
export function formatEvent(e: DomainEvent): string {
  const data = { id: e.id, type: e.type, conversationId: e.conversationId, agentId: e.agentId, payload: e.payload, createdAt: e.createdAt };
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * One client's stream. It starts in replay: the route writes the events the client missed
 * while live events from the hub are held back; `goLive` then releases the held ones that
 * replay did not already cover, so the client sees every id once, in order. Writes respect
 * backpressure; a client that falls `maxBuffer` events behind is told `overflow` and closed,
 * and resumes from its Last-Event-ID instead of growing this process's memory.
 */
export class SseStream implements Subscriber {
  readonly viewer: Viewer;
  private readonly raw: ServerResponse;
  private readonly types: ReadonlySet<string> | null;
  private readonly options: SseOptions;
  private replaying = true;
  private closed = false;
  /** The highest id taken into the stream (written or pending): nothing at or below it again. */
  private lastQueued: bigint;
  private lastWritten: string | null = null;
  private held: DomainEvent[] = [];
  private pending: DomainEvent[] = [];
  private opened = false;
  private keepAlive: NodeJS.Timeout | null = null;
  private readonly closeListeners: (() => void)[] = [];

  /** Nothing is written yet: the route subscribes first, so a refused subscription is still a normal error reply. */
  constructor(raw: ServerResponse, init: { viewer: Viewer; types: ReadonlySet<string> | null; options: SseOptions }) {
    this.raw = raw;
    this.viewer = init.viewer;
    this.types = init.types;
    this.options = init.options;
    this.lastQueued = 0n;
    raw.on('close', () => this.close());
    // a write racing a dropped connection errors; unhandled, that would crash the process
    raw.on('error', () => this.close());
  }

  /** Sends the headers and starts the keep-alive; events after `afterId` are the client's. */
  open(afterId: bigint): void {
    this.lastQueued = afterId;
    if (this.raw.destroyed) return this.close();
    // ended by a shutdown between subscribing and opening
    if (this.closed) return void this.raw.writeHead(503, { 'retry-after': '1' }).end();
    this.opened = true;
    this.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx would otherwise buffer the stream
      'x-accel-buffering': 'no',
    });
    this.raw.write(`retry: ${this.options.retryMs}\n\n`);
    this.raw.on('drain', () => this.flush());
    // a comment line: proxies and load balancers see traffic, clients ignore it
    this.keepAlive = setInterval(() => {
      if (!this.raw.writableNeedDrain) this.raw.write(': keep-alive\n\n');
    }, this.options.keepAliveMs);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  private wants(e: DomainEvent, context: VisibilityContext): boolean {
    return (this.types === null || this.types.has(e.type)) && isVisible(e, this.viewer, context);
  }

  /** Missed events, in id order. Resolves once the client has taken them (backpressure). */
  async replay(events: readonly DomainEvent[], context: VisibilityContext): Promise<void> {
    let chunk = '';
    for (const e of events) {
      const id = BigInt(e.id);
      if (id <= this.lastQueued) continue;
      this.lastQueued = id;
      if (!this.wants(e, context)) continue;
      chunk += formatEvent(e);
      this.lastWritten = e.id;
    }
    if (this.closed || chunk === '' || this.raw.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.raw.off('drain', done);
        this.raw.off('close', done);
        resolve();
      };
      this.raw.on('drain', done);
      this.raw.on('close', done);
    });
  }

  /** Replay is done: release the live events held meanwhile that replay did not cover. */
  goLive(): void {
    this.replaying = false;
    const held = this.held;
    this.held = [];
    this.accept(held);
  }

  /** Called by the hub for each batch of new events, in id order. */
  push(events: readonly DomainEvent[], context: VisibilityContext): void {
    if (this.closed) return;
    const wanted = events.filter((e) => this.wants(e, context));
    if (wanted.length === 0) return;
    if (this.replaying) {
      this.held.push(...wanted);
      if (this.held.length > this.options.maxBuffer) this.overflow();
    } else this.accept(wanted);
  }

  private accept(events: readonly DomainEvent[]): void {
    for (const e of events) {
      const id = BigInt(e.id);
      if (id <= this.lastQueued) continue;
      this.lastQueued = id;
      this.pending.push(e);
    }
    // only what a backed-up socket leaves waiting counts against the cap, not a large batch
    this.flush();
    if (this.pending.length > this.options.maxBuffer) this.overflow();
  }

  private flush(): void {
    if (this.closed || this.replaying || this.pending.length === 0 || this.raw.writableNeedDrain) return;
    const events = this.pending;
    this.pending = [];
    this.lastWritten = events[events.length - 1]!.id;
    this.raw.write(events.map(formatEvent).join(''));
  }

  /** No `id:` line: the client's Last-Event-ID stays at the last event it really received. */
  private overflow(): void {
    const data = JSON.stringify({ reason: 'slow_consumer', lastEventId: this.lastWritten });
    this.end(`event: overflow\ndata: ${data}\n\n`);
  }

  /** Ends the stream (shutdown, overflow, or an error while replaying); the client reconnects. */
  end(finalFrame?: string): void {
    if (this.closed) return;
    if (this.opened) {
      if (finalFrame) this.raw.write(finalFrame);
      this.raw.end();
      // a client that stopped reading would keep the socket (and a graceful shutdown) waiting
      const stuck = setTimeout(() => this.raw.destroy(), END_GRACE_MS);
      stuck.unref();
      this.raw.once('finish', () => clearTimeout(stuck));
    }
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.held = [];
    this.pending = [];
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}
