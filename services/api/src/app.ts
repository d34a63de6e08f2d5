import fastifySwagger, { type SwaggerTransform } from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  createJsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { registerHealthRoutes, registerHttpMetrics, registerMetricsRoute } from '@switchboard/runtime';
import { registerQueueGauges } from '@switchboard/queue';
import { authenticate } from './auth.ts';
import type { ApiDeps, ApiDepsInput, ZodApp } from './deps.ts';
import { systemClock } from '@switchboard/routing';
import { handleError, handleNotFound } from './error-handler.ts';
import { registerAgentRoutes } from './routes/agents.ts';
import { registerConversationRoutes } from './routes/conversations.ts';
import { registerInboxRoutes } from './routes/inboxes.ts';
import { registerMeRoutes } from './routes/me.ts';
import { registerAttachmentRoutes } from './routes/attachments.ts';
import { registerMessageRoutes } from './routes/messages.ts';
import { registerQueueRoutes } from './routes/queues.ts';
import { registerAssignmentRoutes } from './routes/assignment.ts';
import { registerOfferRoutes } from './routes/offers.ts';
import { registerRoutingAdminRoutes } from './routes/routing-admin.ts';
import { registerStatsRoutes } from './routes/stats.ts';
import { eventRoutes } from './routes/events.ts';
import { registerConversationStatusRoutes } from './routes/conversation-status.ts';
import { registerTypingRoutes } from './routes/typing.ts';
import { registerWebhookRoutes } from './routes/webhooks.ts';
import { DEFAULT_RATE_LIMIT_PER_MIN, registerRateLimit } from './rate-limit.ts';
import { IDEMPOTENCY_TTL_MS, registerIdempotency } from './idempotency.ts';
import { registerAuditRoutes } from './routes/audit.ts';
import { registerTokenRoutes } from './routes/tokens.ts';
import { registerLoginRoute, registerPasswordRoutes } from './routes/auth.ts';
import { registerLabelRoutes } from './routes/labels.ts';
import { registerSearchRoutes } from './routes/search.ts';
import { registerCannedRoutes } from './routes/canned.ts';
import { registerContactHistoryRoutes } from './routes/contact-history.ts';
import { registerContactRoutes } from './routes/contacts.ts';
import { registerDeadLetterRoutes } from './routes/dead-letters.ts';
import { registerReportRoutes } from './routes/reports.ts';
import { createDeadLetters, QUEUE_NAMES } from './dead-letters.ts';
import { dashboardRoutes, DASHBOARD_PATH } from './dashboard.ts';
import { registerSurveyPage } from './routes/survey-page.ts';

export type { ApiDeps } from './deps.ts';

const BODY_LIMIT = 1024 * 1024;

const ERROR_REF = { $ref: '#/components/schemas/Error' };
const errorAnswer = (description: string, code: string, message: string) => ({
  description,
  content: { 'application/json': { schema: ERROR_REF, example: { error: { code, message } } } },
});

const RETRY_AFTER = { 'retry-after': { type: 'integer', minimum: 1, description: 'seconds to wait before retrying' } };
const rateLimited = (example: string) => ({
  ...errorAnswer('Too many requests: wait Retry-After seconds, then retry', 'rate_limited', example),
  headers: RETRY_AFTER,
});

const IDEMPOTENCY_KEY = {
  type: 'string',
  minLength: 1,
  maxLength: 200,
  description:
    `makes a retry safe: the first answer to this key (status and body) is kept ${IDEMPOTENCY_TTL_MS / 3_600_000} h and replayed to the caller's retries `
    + 'with `Idempotent-Replayed: true`; the same key with a different request → 422 `idempotency_key_reused`; '
    + 'while the first request still runs → 409 `request_in_progress` with Retry-After',
};

type JsonSchema = Record<string, unknown>;

/**
 * The zod transform, plus what scope-wide hooks add to every route of the authenticated scope
 * (`scoped`, keyed `METHOD /url`) without the route schemas saying so: rate-limit.ts answers 429
 * with Retry-After, and idempotency.ts takes an Idempotency-Key on every POST. A route that
 * documents either itself keeps its own wording (the reply route handles its key itself).
 */
function withScopeConventions(transform: SwaggerTransform, scoped: ReadonlySet<string>): SwaggerTransform {
  return (input) => {
    const result = transform(input);
    const methods = [input.route.method].flat();
    const schema = result.schema as JsonSchema;
    if (schema.hide) return result;
    const limited = methods.some((m) => scoped.has(`${m} ${input.url}`));
    const responses = { ...(schema.response as Record<string, JsonSchema> | undefined) };
    if (limited) responses[429] = rateLimited(`more than ${DEFAULT_RATE_LIMIT_PER_MIN} requests a minute with this token; retry in 12 s`);
    // outside the scope only POST /auth/login declares a limit (per email and address)
    else if (responses[429]) responses[429] = rateLimited('too many login attempts; retry in 540 s');
    if (!limited || !methods.includes('POST')) return { ...result, schema: { ...schema, response: responses } };
    const headers = (schema.headers as JsonSchema | undefined) ?? { type: 'object' };
    const properties = { 'idempotency-key': IDEMPOTENCY_KEY, ...(headers.properties as Record<string, JsonSchema> | undefined) };
    responses[409] ??= {
      ...errorAnswer('The first request with this Idempotency-Key is still running: retry after Retry-After seconds', 'request_in_progress', 'a request with this Idempotency-Key is still running; retry shortly'),
      headers: RETRY_AFTER,
    };
    responses[422] ??= errorAnswer('The Idempotency-Key was used with a different request', 'idempotency_key_reused', 'this Idempotency-Key was used with a different request; use a new key for a new request');
    return { ...result, schema: { ...schema, headers: { ...headers, properties }, response: responses } };
  };
}

/**
 * The REST API as a fastify instance, ready but not listening: main.ts listens, tests use
 * `inject` or listen on port 0.
 */
export async function buildApi(input: ApiDepsInput): Promise<FastifyInstance> {
  const deps: ApiDeps = { ...input, clock: input.clock ?? systemClock };
  // typed as fastify's logger interface so the instance is a plain FastifyInstance to callers
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({ loggerInstance, bodyLimit: BODY_LIMIT }).withTypeProvider<ZodTypeProvider>();
  // routes of the authenticated scope, for the document's rate-limit and idempotency notes
  const scoped = new Set<string>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Switchboard API', version: '1', description: 'Agents and admins: inboxes, agents, queues, conversations, replies.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: withScopeConventions(createJsonSchemaTransform({ skipList: [] }), scoped),
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  if (deps.metrics) {
    registerHttpMetrics(app, deps.metrics);
    registerMetricsRoute(app, deps.metrics);
    if (deps.redis && deps.queuePrefix) {
      const gauges = registerQueueGauges(deps.metrics, { connection: deps.redis, prefix: deps.queuePrefix, queues: QUEUE_NAMES, logger: deps.logger });
      app.addHook('onClose', () => gauges.close());
    }
  }
  registerHealthRoutes(app, deps.readiness, deps.isShuttingDown);
  // the catalog's queues, for dead letters and the dashboard; closed with the app
  const deadLetters = deps.redis && deps.queuePrefix ? createDeadLetters(deps.redis, deps.queuePrefix) : undefined;
  if (deadLetters) app.addHook('onClose', () => deadLetters.close());

  await app.register(
    async (api: ZodApp) => {
      api.addHook('onRequest', authenticate(deps));
      api.addHook('onRoute', (route) => {
        for (const method of [route.method].flat()) scoped.add(`${method} ${route.url}`);
      });
      registerRateLimit(deps, api);
      registerIdempotency(deps, api);
      registerAuditRoutes(deps, api);
      registerTokenRoutes(deps, api);
      registerPasswordRoutes(deps, api);
      registerInboxRoutes(deps, api);
      registerAgentRoutes(deps, api);
      registerQueueRoutes(deps, api);
      registerMeRoutes(deps, api);
      registerConversationRoutes(deps, api);
      registerMessageRoutes(deps, api);
      registerAttachmentRoutes(deps, api);
      registerRoutingAdminRoutes(deps, api);
      registerOfferRoutes(deps, api);
      registerAssignmentRoutes(deps, api);
      registerStatsRoutes(deps, api);
      registerConversationStatusRoutes(deps, api);
      registerTypingRoutes(deps, api);
      registerWebhookRoutes(deps, api);
      registerLabelRoutes(deps, api);
      registerSearchRoutes(deps, api);
      registerCannedRoutes(deps, api);
      registerContactHistoryRoutes(deps, api);
      registerContactRoutes(deps, api);
      registerDeadLetterRoutes(deps, api, deadLetters);
      registerReportRoutes(deps, api);
    },
    { prefix: '/api/v1' },
  );
  // unauthenticated: exchanges a password for a token
  await app.register(async (open: ZodApp) => registerLoginRoute(deps, open), { prefix: '/api/v1' });
  // its own scope: EventSource cannot send headers, so this route also takes ?access_token=
  await app.register(eventRoutes(deps), { prefix: '/api/v1' });
  // unauthenticated HTML pages behind the signed links of survey mails (docs/surveys.md)
  await app.register(async (open: ZodApp) => registerSurveyPage(deps, open));
  // a browser page (bull-board), admins only; also takes ?access_token=
  await app.register(dashboardRoutes(deps, deadLetters), { prefix: DASHBOARD_PATH });

  await app.ready();
  return app;
}
