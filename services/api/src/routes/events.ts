import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DomainEventType } from '@switchboard/contracts';
import { eventsAfter, type Pool } from '@switchboard/db';
import { authenticate, principalOf } from '../auth.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { invalidField } from '../error-handler.ts';
import { EventHub, type HubOptions } from '../event-hub.ts';
import { SseStream, type SseOptions } from '../event-sse.ts';
import { loadVisibility } from '../event-visibility.ts';
import { errorResponses } from '../schemas.ts';

export interface EventStreamOptions {
  hub?: Partial<HubOptions>;
  sse?: Partial<SseOptions>;
}

const SSE_DEFAULTS: SseOptions = { maxBuffer: 1_000, keepAliveMs: 15_000, retryMs: 2_000 };
const REPLAY_PAGE = 500;
const EVENT_ID = /^\d{1,19}$/;

const StreamQuery = z.object({
  types: z.string().max(2_000).optional().describe('comma-separated event types to receive, e.g. `offer.created,conversation.assigned`; all when absent'),
  last_event_id: z.string().optional().describe('resume after this event id; the `Last-Event-ID` header, which EventSource sends when it reconnects, wins'),
  access_token: z.string().optional().describe("the bearer token, for browsers' EventSource, which cannot set headers; prefer the Authorization header"),
});

const DESCRIPTION = `Server-sent events (\`text/event-stream\`): every outbox event you may see, live. Each message is
\`id: <event id>\`, \`event: <type>\`, \`data: {"id","type","conversationId","agentId","payload","createdAt"}\`.
Admins and supervisors see everything; agents see events of conversations assigned to them or waiting in their queues,
and events addressed to them (offers are only for the agent offered). Reconnect with \`Last-Event-ID\` (or
\`?last_event_id=\`) to receive what you missed, in order, before live events. \`: keep-alive\` comments every 15 s.
A client that falls 1000 events behind gets a final \`event: overflow\` and should reconnect with its Last-Event-ID.`;

function parseTypes(value: string | undefined): ReadonlySet<string> | null {
  if (value === undefined || value.trim() === '') return null;
  const types = value.split(',').map((t) => t.trim()).filter(Boolean);
  const unknown = types.find((t) => !DomainEventType.safeParse(t).success);
  if (unknown !== undefined) throw invalidField('query.types', `unknown event type ${JSON.stringify(unknown.slice(0, 60))}`);
  return new Set(types);
}

function resumeAfter(request: FastifyRequest, query: string | undefined): bigint | null {
  const header = request.headers['last-event-id'];
  const value = typeof header === 'string' && header !== '' ? header : query;
  if (value === undefined) return null;
  if (!EVENT_ID.test(value)) throw invalidField(header ? 'Last-Event-ID' : 'query.last_event_id', 'must be an event id');
  return BigInt(value);
}

/**
 * EventSource cannot set headers, so this route alone also takes the token from the query.
 * Copied into the header before `authenticate` runs, so both paths share one check.
 */
async function tokenFromQuery(request: FastifyRequest): Promise<void> {
  const token = (request.query as { access_token?: unknown }).access_token;
  if (request.headers.authorization === undefined && typeof token === 'string' && token !== '') request.headers.authorization = `Bearer ${token}`;
}

// the default serializer logs the URL, which may carry the token
const redactedRequest = (request: FastifyRequest) => ({
  method: request.method,
  url: request.url.replace(/([?&]access_token=)[^&]*/g, '$1[redacted]'),
  remoteAddress: request.ip,
});

/** Writes the events in (afterId, upTo] the client may see, page by page, at the client's pace. */
async function replay(pool: Pool, stream: SseStream, afterId: bigint, upTo: bigint): Promise<void> {
  const { viewer } = stream;
  const agentIds = viewer.role === 'agent' && viewer.agentId ? [viewer.agentId] : [];
  let cursor = afterId;
  while (cursor < upTo && !stream.isClosed) {
    const page = (await eventsAfter(pool, cursor.toString(), REPLAY_PAGE)).filter((e) => BigInt(e.id) <= upTo);
    if (page.length === 0) return;
    await stream.replay(page, await loadVisibility(pool, page, agentIds));
    cursor = BigInt(page[page.length - 1]!.id);
  }
}

/**
 * `GET /api/v1/events`. Its own scope because its authentication also accepts `?access_token=`.
 * The hub is per API instance and is closed before the server, or open streams would keep
 * `app.close()` waiting forever.
 */
export function eventRoutes(deps: Pick<ApiDeps, 'pool' | 'logger' | 'adminToken'>, options: EventStreamOptions = {}) {
  const sse: SseOptions = { ...SSE_DEFAULTS, ...options.sse };
  return async (app: ZodApp): Promise<void> => {
    const hub = new EventHub(deps, options.hub);
    app.addHook('preClose', async () => hub.close());
    app.addHook('onRequest', tokenFromQuery);
    app.addHook('onRequest', authenticate(deps));

    app.get(
      '/events',
      {
        logSerializers: { req: redactedRequest },
        schema: { tags: ['events'], summary: 'Live event stream (SSE), resumable', description: DESCRIPTION, querystring: StreamQuery, response: { 200: z.string().describe('text/event-stream: `id`, `event` (the event type) and `data` (JSON) per event'), ...errorResponses(400) } },
      },
      async (request, reply) => {
        const viewer = principalOf(request);
        const types = parseTypes(request.query.types);
        const afterId = resumeAfter(request, request.query.last_event_id);
        const stream = new SseStream(reply.raw, { viewer, types, options: sse });
        const frontier = await hub.subscribe(stream);
        stream.onClose(() => hub.unsubscribe(stream));
        reply.hijack();
        // a Last-Event-ID ahead of this process's frontier (another replica was further along): live events up to it are dropped
        stream.open(afterId ?? frontier);
        try {
          if (afterId !== null && afterId < frontier) await replay(deps.pool, stream, afterId, frontier);
          stream.goLive();
        } catch (error) {
          request.log.error({ err: error }, 'replaying events failed; ending the stream so the client resumes');
          stream.end();
        }
      },
    );
  };
}
