import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { verifyVisitorToken, webchatChannelName, type VisitorTokenClaims } from '@switchboard/channels';
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
      socket.on('message', (data, isBinary) => {
        if (!isBinary && isPing(data.toString())) send(socket, PONG);
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

function isPing(text: string): boolean {
  if (text.length > 100) return false;
  try {
    return (JSON.parse(text) as { type?: unknown } | null)?.type === 'ping';
  } catch {
    return false;
  }
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
