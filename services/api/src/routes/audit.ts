import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { listAudit, recordAudit, type NewAuditEntry } from '@switchboard/db';
import { maybePrincipalOf, requireRole } from '../auth.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { errorResponses, EXAMPLE_IDS, exampleAt } from '../schemas.ts';

/**
 * The audit trail. Every successful (2xx) write to the configuration resources below, and every
 * assignment and transfer, is recorded by one onSend hook from the route pattern: who, what,
 * when, the target, a summary. Request bodies are never stored (they carry secrets and passwords).
 * The entry is written after the change commits, before the answer leaves; a crash in between
 * loses the entry, not the change.
 */
const AUDITED_RESOURCES: Record<string, string> = {
  inboxes: 'inbox',
  agents: 'agent',
  queues: 'queue',
  routing: 'routing',
  'routing-rules': 'routing_rule',
  skills: 'skill',
  calendars: 'calendar',
  'business-hours': 'business_hours',
  'sla-policies': 'sla_policy',
  tokens: 'token',
  webhooks: 'webhook',
  'canned-responses': 'canned_response',
};
const AUDITED_CONVERSATION_ACTIONS = new Set(['assign', 'transfer']);
const VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'update', DELETE: 'delete' };
const PAST: Record<string, string> = { create: 'created', update: 'updated', delete: 'deleted' };

/** What a write to `pattern` (e.g. `/api/v1/agents/:id/skills`) does, or undefined if it is not audited. */
export function auditedAction(method: string, pattern: string): { action: string; targetType: string } | undefined {
  const verb = VERBS[method];
  if (!verb) return undefined;
  const segments = pattern.replace(/^\/api\/v1\//, '').split('/').filter((s) => s && !s.startsWith(':'));
  const [resource, ...rest] = segments;
  if (resource === 'conversations') {
    const last = rest.at(-1);
    return method === 'POST' && rest.length === 1 && last && AUDITED_CONVERSATION_ACTIONS.has(last) ? { action: `conversation.${last}`, targetType: 'conversation' } : undefined;
  }
  const targetType = resource ? AUDITED_RESOURCES[resource] : undefined;
  if (!targetType) return undefined;
  // POST on a sub-path names the action itself (e.g. /webhooks/:id/replay); other methods say create/update/delete
  const action = method === 'POST' && rest.length > 0 ? [targetType, ...rest] : [targetType, ...rest, verb];
  return { action: action.join('.').replaceAll('-', '_'), targetType };
}

/** The target's id: the `:id` in the path, else the `id` of what a create returned. */
function targetIdOf(request: FastifyRequest, payload: unknown): string | null {
  const fromPath = (request.params as Record<string, unknown> | undefined)?.id;
  if (typeof fromPath === 'string') return fromPath;
  if (typeof payload !== 'string' || !payload.startsWith('{')) return null;
  try {
    const body = JSON.parse(payload) as Record<string, { id?: unknown } | unknown>;
    const nested = Object.values(body).find((v): v is { id: string } => typeof (v as { id?: unknown } | null)?.id === 'string');
    return typeof body.id === 'string' ? body.id : (nested?.id ?? null);
  } catch {
    return null;
  }
}

function entryFor(request: FastifyRequest, reply: FastifyReply, payload: unknown): NewAuditEntry | undefined {
  if (reply.statusCode < 200 || reply.statusCode >= 300 || reply.getHeader('idempotent-replayed')) return undefined;
  const principal = maybePrincipalOf(request);
  const what = auditedAction(request.method, request.routeOptions.url ?? '');
  if (!principal || !what) return undefined;
  const targetId = targetIdOf(request, payload);
  const actor = principal.agentId ? `${principal.role} ${principal.agentId}` : 'the bootstrap admin';
  const [, ...words] = what.action.split('.');
  const done = words.map((w) => PAST[w] ?? w).join(' ');
  return {
    actorAgentId: principal.agentId,
    actorRole: principal.role,
    action: what.action,
    targetType: what.targetType,
    targetId,
    summary: `${actor}: ${what.targetType.replaceAll('_', ' ')} ${targetId ?? ''} ${done}`.replace(/\s+/g, ' ').trim(),
    details: { method: request.method, route: request.routeOptions.url, status: reply.statusCode },
  };
}

const auditExample = {
  id: '2087',
  at: exampleAt('09:30:12'),
  actorAgentId: EXAMPLE_IDS.supervisor,
  actorRole: 'supervisor',
  action: 'conversation.assign',
  targetType: 'conversation',
  targetId: EXAMPLE_IDS.conversation,
  summary: `supervisor ${EXAMPLE_IDS.supervisor}: conversation ${EXAMPLE_IDS.conversation} assign`,
  details: { method: 'POST', route: '/api/v1/conversations/:id/assign', status: 200 },
};

const AuditDto = z
  .object({
    id: z.string().describe('pass the last id of a page as `before` for the next page'),
    at: z.date(),
    actorAgentId: z.uuid().nullable().describe('null: the bootstrap admin token'),
    actorRole: z.string(),
    action: z.string().describe('e.g. inbox.create, agent.skills.update, token.delete, conversation.assign'),
    targetType: z.string(),
    targetId: z.string().nullable(),
    summary: z.string(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEntry', examples: [auditExample] });

const AuditPage = z
  .object({ items: z.array(AuditDto), nextBefore: z.string().nullable() })
  .meta({ examples: [{ items: [auditExample], nextBefore: null }] });

const AuditQuery = z.object({
  actor: z.uuid().optional().describe('an agent id'),
  action: z.string().max(100).optional(),
  target_type: z.string().max(50).optional(),
  target_id: z.string().max(100).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  before: z.string().regex(/^\d{1,18}$/, 'an audit entry id').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** The recording hook (for the whole authenticated scope) and `GET /audit`. */
export function registerAuditRoutes(deps: ApiDeps, app: ZodApp): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const entry = entryFor(request, reply, payload);
    if (!entry) return payload;
    try {
      await recordAudit(deps.pool, entry);
    } catch (error) {
      request.log.error({ err: error, action: entry.action }, 'writing the audit entry failed');
    }
    return payload;
  });

  app.get(
    '/audit',
    {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['audit'],
        summary: 'Audit log of configuration changes, token changes, assignments and transfers, newest first',
        querystring: AuditQuery,
        response: { 200: AuditPage, ...errorResponses(400, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      const items = await listAudit(deps.pool, {
        ...(q.actor ? { actorAgentId: q.actor } : {}),
        ...(q.action ? { action: q.action } : {}),
        ...(q.target_type ? { targetType: q.target_type } : {}),
        ...(q.target_id ? { targetId: q.target_id } : {}),
        ...(q.since ? { since: new Date(q.since) } : {}),
        ...(q.until ? { until: new Date(q.until) } : {}),
        ...(q.before ? { beforeId: q.before } : {}),
        limit: q.limit,
      });
      return { items, nextBefore: items.length === q.limit ? items.at(-1)!.id : null };
    },
  );
}
