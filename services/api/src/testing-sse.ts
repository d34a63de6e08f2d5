import http from 'node:http';

/** Test support: a small server-sent-events reader, reading the stream as a browser's EventSource would. */

export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
  retry?: number;
}

export interface SseMessage {
  id: string;
  event: string;
  data: { id: string; type: string; conversationId: string | null; agentId: string | null; payload: Record<string, unknown>; createdAt: string };
}

export interface SseClient {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The response, to pause reading (a slow consumer) or watch it end. */
  raw: http.IncomingMessage;
  /** The body of a refused request (JSON error), or '' for a stream. */
  body: string;
  /** The next frame of any kind: event, comment, retry. */
  nextFrame(): Promise<SseFrame>;
  /** The next event (comments skipped). */
  next(): Promise<SseMessage>;
  /** Events up to and including the first that `done` accepts. */
  until(done: (m: SseMessage) => boolean): Promise<SseMessage[]>;
  close(): void;
}

const WAIT_MS = 10_000;

export function parseFrame(text: string): SseFrame {
  const frame: SseFrame = {};
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) frame.comment = line.slice(1).trim();
    const at = line.indexOf(':');
    const field = line.slice(0, at);
    const value = line.slice(at + 1).replace(/^ /, '');
    if (field === 'id') frame.id = value;
    else if (field === 'event') frame.event = value;
    else if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
    else if (field === 'retry') frame.retry = Number(value);
  }
  return frame;
}

/**
 * Opens `url` with node:http and no connection pooling (`agent: false`): fetch's pool may open
 * sockets that never carry a request, which a closing server then waits on.
 */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const request = http.get(url, { agent: false, headers: { accept: 'text/event-stream', ...headers } });
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  const ok = response.statusCode === 200;
  const frames: SseFrame[] = [];
  let ended = false;
  let wake: () => void = () => {};
  let buffer = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => {
    // search only the new text (and one character before it): frames can be megabytes
    let from = Math.max(0, buffer.length - 1);
    buffer += chunk;
    for (let end = buffer.indexOf('\n\n', from); end >= 0; end = buffer.indexOf('\n\n', from)) {
      frames.push(parseFrame(buffer.slice(0, end)));
      buffer = buffer.slice(end + 2);
      from = 0;
    }
    wake();
  });
  const finished = new Promise<void>((resolve) => {
    const done = () => {
      ended = true;
      wake();
      resolve();
    };
    response.once('end', done);
    response.once('close', done);
    response.once('error', done);
  });
  if (!ok) await finished;
  const body = ok ? '' : buffer;

  async function nextFrame(): Promise<SseFrame> {
    const deadline = Date.now() + WAIT_MS;
    while (frames.length === 0) {
      if (ended) throw new Error('the stream ended');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no SSE frame within ${WAIT_MS} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return frames.shift()!;
  }

  async function next(): Promise<SseMessage> {
    for (;;) {
      const frame = await nextFrame();
      if (frame.event !== undefined && frame.data !== undefined) {
        return { id: frame.id ?? '', event: frame.event, data: JSON.parse(frame.data) as SseMessage['data'] };
      }
    }
  }

  return {
    status: response.statusCode ?? 0,
    headers: response.headers,
    body,
    raw: response,
    nextFrame,
    next,
    async until(done) {
      const seen: SseMessage[] = [];
      for (;;) {
        const message = await next();
        seen.push(message);
        if (done(message)) return seen;
      }
    },
    close: () => request.destroy(),
  };
}
