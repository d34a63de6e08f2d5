import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { verifyVisitorToken, webchatChannelName, type VisitorTokenClaims } from '@switchboard/channels';
import { appendEvent, type Pool } from '@switchboard/db';
import type { Logger } from '@switchboard/log';
import { isOriginAllowed, type WebchatInbox, type WebchatInboxes } from './inboxes.ts';
import { LIVE_INTERRUPTED, type LiveHub, type LivePeer } from './live-hub.ts';

/**
 * Close codes the widget acts on: 4401 start a new session; 4403/4404 give up (wrong site or
 * inbox); 1012/1013 reconnect, wait for `ready`, then re-sync with `GET .../messages?after_seq=`.
 */
export const CLOSE = { unauthorized: 4401, forbidden: 4403, notFound: 4404, restarting: 1012, interrupted: LIVE_INTERRUPTED } as const;

const READY = JSON.stringify({ type: 'ready' });
const PONG = JSON.stringify({ type: 'pong' });
const SUBSCRIBE_TIMEOUT_MS = 10_000;
const HEARTBEAT_MS = 30_000;

export interface SocketRouteDeps {
  /** Where a visitor's typing is written for agents (the outbox their event stream reads). */
  pool: Pool;
  inboxes: WebchatInboxes;
  hub: LiveHub;
  logger: Logger;
}

/** `GET /webchat/:inboxId/socket?token=`: pushes agent replies to the visitor's open tabs. */
export function registerSocketRoute(app: FastifyInstance, deps: SocketRouteDeps): void {
  app.get<{ Params: { inboxId: string }; Querystring: { token?: unknown } }>(
    '/webchat/:inboxId/socket',
    { websocket: true },
    async (socket, req) => {
      // listeners first: frames that arrive while the inbox loads are not dropped
      let onTyping: (typing: boolean) => void = () => {};
      socket.on('message', (data, isBinary) => {
        if (isBinary) return;
        const frame = parseFrame(data.toString());
        if (frame?.type === 'ping') send(socket, PONG);
        else if (frame?.type === 'typing') onTyping(frame.typing);
      });

      let inbox: WebchatInbox;
      try {
        inbox = await deps.inboxes.require(req.params.inboxId);
      } catch (error) {
        const missing = (error as { statusCode?: number }).statusCode === 404;
        if (!missing) deps.logger.error({ err: error }, 'web-chat socket: inbox lookup failed');
        socket.close(missing ? CLOSE.notFound : CLOSE.interrupted, missing ? 'inbox not found' : 'try again later');
        return;
      }
      if (!isOriginAllowed(inbox, req.headers.origin)) {
        socket.close(CLOSE.forbidden, 'origin not allowed');
        return;
      }
      let visitor: VisitorTokenClaims;
      try {
        const token = typeof req.query.token === 'string' ? req.query.token : '';
        visitor = verifyVisitorToken(token, inbox.tokenKey, { inboxId: inbox.id });
      } catch {
        socket.close(CLOSE.unauthorized, 'invalid visitor token');
        return;
      }
      if (socket.readyState !== socket.OPEN) return;

      onTyping = typingRelay(deps, inbox.id, visitor.visitorId);
      const channel = webchatChannelName(inbox.id, visitor.visitorId);
      const peer: LivePeer = { send: (data) => send(socket, data), close: (code, reason) => socket.close(code, reason) };
      socket.on('close', () => deps.hub.leave(channel, peer));
      try {
        await withTimeout(deps.hub.join(channel, peer), SUBSCRIBE_TIMEOUT_MS);
      } catch (error) {
        deps.logger.warn({ err: error, inboxId: inbox.id }, 'web-chat socket: could not subscribe');
        socket.close(CLOSE.interrupted, 'live delivery unavailable');
        return;
      }
      send(socket, READY);
    },
  );
  startHeartbeat(app);
}

/**
 * Protocol-level pings find sockets whose peer vanished without a close (a laptop lid shut),
 * so their Redis subscriptions are released instead of piling up.
 */
function startHeartbeat(app: FastifyInstance): void {
  const alive = new WeakSet<WebSocket>();
  app.websocketServer.on('connection', (socket: WebSocket) => {
    alive.add(socket);
    socket.on('pong', () => alive.add(socket));
  });
  const timer = setInterval(() => {
    for (const socket of app.websocketServer.clients) {
      if (!alive.delete(socket)) socket.terminate();
      else socket.ping();
    }
  }, HEARTBEAT_MS);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));
}

function send(socket: WebSocket, data: string): void {
  if (socket.readyState === socket.OPEN) socket.send(data);
}

type Frame = { type: 'ping' } | { type: 'typing'; typing: boolean };

function parseFrame(text: string): Frame | undefined {
  if (text.length > 200) return undefined;
  try {
    const frame = JSON.parse(text) as { type?: unknown; typing?: unknown } | null;
    if (frame?.type === 'ping') return { type: 'ping' };
    if (frame?.type === 'typing' && typeof frame.typing === 'boolean') return { type: 'typing', typing: frame.typing };
  } catch {
    // not JSON: ignored like any unknown frame
  }
  return undefined;
}

/** A visitor may say "typing" at most this often; the widget sends it every 2 s while typing. */
export const TYPING_INTERVAL_MS = 1_500;

/**
 * Writes the visitor's typing for agents as a `conversation.typing` event, throttled per
 * socket: a started-typing at most every TYPING_INTERVAL_MS, a stopped-typing only after a start.
 */
function typingRelay(deps: SocketRouteDeps, inboxId: string, visitorId: string): (typing: boolean) => void {
  let lastStart = 0;
  let typingNow = false;
  return (typing) => {
    const now = Date.now();
    if (typing && now - lastStart < TYPING_INTERVAL_MS) return;
    if (!typing && !typingNow) return;
    if (typing) lastStart = now;
    typingNow = typing;
    void (async () => {
      const { rows } = await deps.pool.query<{ id: string }>(
        `select id from conversations where inbox_id = $1 and thread_key = $2 and status <> 'resolved'`,
        [inboxId, visitorId],
      );
      if (rows[0]) await appendEvent(deps.pool, { type: 'conversation.typing', conversationId: rows[0].id, payload: { typing, by: 'contact' } });
    })().catch((error: unknown) => deps.logger.warn({ err: error, inboxId }, 'web-chat socket: could not relay typing'));
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
