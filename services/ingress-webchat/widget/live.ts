import type { SurveyFrame } from './survey.ts';

/**
 * The live half: a WebSocket for agent replies and typing, reconnecting with exponential
 * backoff; polling `GET messages` every 3 s while a socket cannot be opened at all.
 */

export interface LiveFrame {
  type: string;
  typing?: boolean;
  /** A `survey` frame: what to rate; `message` carries its question. */
  survey?: SurveyFrame;
  message?: {
    id: string;
    seq?: number;
    /** `in`: the visitor's own message sent from another tab (or this one); absent from older servers: an agent's. */
    direction?: 'in' | 'out';
    clientMessageId?: string | null;
    text: string | null;
    attachments?: { fileName: string; contentType: string; size: number; url: string }[];
  };
}

export interface LiveOptions {
  url(): Promise<string>;
  /** After every (re)connect and on every poll: fetch what was missed. */
  sync(): void;
  onFrame(frame: LiveFrame): void;
  /** Close 4401: the session is no longer valid. */
  onNewSession(): void;
}

const CLOSE_NEW_SESSION = 4401;
const CLOSE_GIVE_UP = [4403, 4404];
const POLL_MS = 3_000;
const PING_MS = 25_000;
const MAX_BACKOFF_MS = 30_000;
/** Sockets that never opened this many times in a row: assume a proxy blocks upgrades. */
const FAILURES_BEFORE_POLLING = 2;

export interface Live {
  send(frame: object): void;
  stop(): void;
}

export function startLive(options: LiveOptions): Live {
  let socket: WebSocket | undefined;
  let attempt = 0;
  let failures = 0;
  let stopped = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let pollTimer: ReturnType<typeof setInterval> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;

  const setPolling = (on: boolean) => {
    if (on && !pollTimer) pollTimer = setInterval(options.sync, POLL_MS);
    if (!on && pollTimer) pollTimer = void clearInterval(pollTimer);
  };

  const schedule = (delayMs: number) => {
    if (stopped) return;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, delayMs);
  };

  /** A socket that never opened; after a few in a row, poll until one does. */
  const neverOpened = () => {
    if (++failures >= FAILURES_BEFORE_POLLING) {
      setPolling(true);
      options.sync();
    }
    schedule(backoff(attempt++));
  };

  async function connect(): Promise<void> {
    let url: string;
    try {
      url = await options.url();
    } catch {
      schedule(backoff(attempt++));
      return;
    }
    if (stopped) return;
    let opened = false;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch {
      // a page's CSP or a locked-down browser may refuse sockets outright: as good as a blocked upgrade
      neverOpened();
      return;
    }
    socket = ws;
    ws.onopen = () => {
      opened = true;
      failures = 0;
    };
    ws.onmessage = (event) => {
      let frame: LiveFrame;
      try {
        frame = JSON.parse(String(event.data)) as LiveFrame;
      } catch {
        return;
      }
      if (frame.type === 'ready') {
        attempt = 0;
        setPolling(false);
        options.sync();
      } else {
        options.onFrame(frame);
      }
    };
    ws.onclose = (event) => {
      if (socket === ws) socket = undefined;
      clearInterval(pingTimer);
      if (stopped) return;
      if (CLOSE_GIVE_UP.includes(event.code)) return;
      if (event.code === CLOSE_NEW_SESSION) {
        options.onNewSession();
        schedule(0);
        return;
      }
      if (!opened) neverOpened();
      else schedule(backoff(attempt++));
    };
    clearInterval(pingTimer);
    // keeps idle proxies from cutting the connection
    pingTimer = setInterval(() => send({ type: 'ping' }), PING_MS);
  }

  function send(frame: object): void {
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  void connect();
  return {
    send,
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
      clearInterval(pingTimer);
      setPolling(false);
      socket?.close(1000);
    },
  };
}

/** 0.5 s, 1 s, 2 s … up to 30 s, with jitter so a restarted server is not hit by every tab at once. */
function backoff(attempt: number): number {
  const base = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt);
  return base / 2 + Math.random() * (base / 2);
}
