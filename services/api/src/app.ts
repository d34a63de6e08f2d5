import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  createJsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { registerHealthRoutes } from '@switchboard/runtime';
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
import { registerRateLimit } from './rate-limit.ts';
import { registerIdempotency } from './idempotency.ts';
import { registerAuditRoutes } from './routes/audit.ts';
import { registerTokenRoutes } from './routes/tokens.ts';
import { registerLoginRoute, registerPasswordRoutes } from './routes/auth.ts';
import { registerLabelRoutes } from './routes/labels.ts';
import { registerSearchRoutes } from './routes/search.ts';
import { registerCannedRoutes } from './routes/canned.ts';
import { registerContactHistoryRoutes } from './routes/contact-history.ts';
import { registerContactRoutes } from './routes/contacts.ts';

export type { ApiDeps } from './deps.ts';

const BODY_LIMIT = 1024 * 1024;

/**
 * The REST API as a fastify instance, ready but not listening: main.ts listens, tests use
 * `inject` or listen on port 0.
 */
export async function buildApi(input: ApiDepsInput): Promise<FastifyInstance> {
  const deps: ApiDeps = { ...input, clock: input.clock ?? systemClock };
  // typed as fastify's logger interface so the instance is a plain FastifyInstance to callers
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({ loggerInstance, bodyLimit: BODY_LIMIT }).withTypeProvider<ZodTypeProvider>();
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
    transform: createJsonSchemaTransform({ skipList: [] }),
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  registerHealthRoutes(app, deps.readiness, deps.isShuttingDown);

  await app.register(
    async (api: ZodApp) => {
      api.addHook('onRequest', authenticate(deps));
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
    },
    { prefix: '/api/v1' },
  );
  // unauthenticated: exchanges a password for a token
  await app.register(async (open: ZodApp) => registerLoginRoute(deps, open), { prefix: '/api/v1' });
  // its own scope: EventSource cannot send headers, so this route also takes ?access_token=
  await app.register(eventRoutes(deps), { prefix: '/api/v1' });

  await app.ready();
  return app;
}
