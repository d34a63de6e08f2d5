import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { ADMIN_TOKEN, receiveTelegramMessage, startTestApi, type Method, type TestApi } from './testing.ts';

/**
 * Every route × every role, generated from the fastify route table: a route without a rule
 * here fails, so a new route must state who may call it. Roles: none (no token), `other` (an
 * agent of another team), `agent` (member of the conversation's team and its assignee),
 * supervisor, admin (an admin agent). Conversation routes are called on one team's conversation,
 * which the other team's agent must not learn exists (404).
 */
type Rule =
  | 'public' // no token needed
  | 'any' // any authenticated caller (the route checks ownership itself)
  | 'supervisor'
  | 'admin'
  | 'conversation' // visible to its team, supervisors and admins; 404 to other teams
  | 'conversation-supervisor'; // supervisors and admins only (403 to agents)
type Role = 'none' | 'other' | 'agent' | 'supervisor' | 'admin';
const ROLES: Role[] = ['none', 'other', 'agent', 'supervisor', 'admin'];

interface Row {
  rule: Rule;
  /** A body the route accepts, so the answer reflects authorization rather than validation. */
  body?: unknown;
  /** A query string, e.g. to stop the SSE stream before it starts streaming. */
  query?: string;
  /** The route's own target (not the conversation) does not exist here, so allowed callers may get 404. */
  missingTarget?: boolean;
}

const label = { labels: ['vip'] };
// the queue dashboard (bull-board, services/api/src/dashboard.ts): every page and JSON route admin only;
// the matrix's made-up queue names and job ids are unknown to it (404)
const DASHBOARD: Record<string, Row> = Object.fromEntries(
  [
    'GET /admin/queues',
    'GET /admin/queues/',
    'GET /admin/queues/*',
    'GET /admin/queues/api/job-schedulers',
    'GET /admin/queues/api/queues',
    'GET /admin/queues/api/queues/:queueName/:jobId',
    'GET /admin/queues/api/queues/:queueName/:jobId/flow',
    'GET /admin/queues/api/queues/:queueName/:jobId/logs',
    'GET /admin/queues/api/queues/:queueName/default-job-options',
    'GET /admin/queues/api/queues/:queueName/job-data-schema',
    'GET /admin/queues/api/queues/:queueName/metrics',
    'GET /admin/queues/api/queues/:queueName/rate-limit',
    'GET /admin/queues/api/queues/:queueName/workers',
    'GET /admin/queues/api/redis/stats',
    'GET /admin/queues/job-schedulers',
    'GET /admin/queues/metrics-history',
    'GET /admin/queues/queue/:queueName',
    'GET /admin/queues/queue/:queueName/:jobId',
    'PATCH /admin/queues/api/queues/:queueName/:jobId/delay',
    'PATCH /admin/queues/api/queues/:queueName/:jobId/priority',
    'PATCH /admin/queues/api/queues/:queueName/:jobId/update-data',
    'PATCH /admin/queues/api/queues/:queueName/job-schedulers/:schedulerId',
    'POST /admin/queues/api/queues/:queueName/add',
    'PUT /admin/queues/api/queues/:queueName/:jobId/clean',
    'PUT /admin/queues/api/queues/:queueName/:jobId/promote',
    'PUT /admin/queues/api/queues/:queueName/:jobId/remove-unprocessed-children',
    'PUT /admin/queues/api/queues/:queueName/:jobId/retry',
    'PUT /admin/queues/api/queues/:queueName/clean/:queueStatus',
    'PUT /admin/queues/api/queues/:queueName/concurrency',
    'PUT /admin/queues/api/queues/:queueName/empty',
    'PUT /admin/queues/api/queues/:queueName/job-schedulers/:schedulerId/remove',
    'PUT /admin/queues/api/queues/:queueName/job-schedulers/:schedulerId/run',
    'PUT /admin/queues/api/queues/:queueName/obliterate',
    'PUT /admin/queues/api/queues/:queueName/pause',
    'PUT /admin/queues/api/queues/:queueName/promote',
    'PUT /admin/queues/api/queues/:queueName/rate-limit',
    'PUT /admin/queues/api/queues/:queueName/rate-limit/release',
    'PUT /admin/queues/api/queues/:queueName/resume',
    'PUT /admin/queues/api/queues/:queueName/retry/:queueStatus',
    'PUT /admin/queues/api/queues/pause',
    'PUT /admin/queues/api/queues/resume',
  ].map((route) => [route, { rule: 'admin', missingTarget: true }]),
);
const TABLE: Record<string, Row> = {
  'GET /docs': { rule: 'public' },
  'GET /docs/': { rule: 'public' },
  'GET /docs/static/index.html': { rule: 'public' },
  'GET /docs/static/swagger-initializer.js': { rule: 'public' },
  'GET /docs/*': { rule: 'public', missingTarget: true },
  'GET /docs/json': { rule: 'public' },
  'GET /docs/yaml': { rule: 'public' },
  'GET /healthz': { rule: 'public' },
  'GET /readyz': { rule: 'public' },
  'GET /metrics': { rule: 'public' },
  'POST /api/v1/auth/login': { rule: 'public', body: 'login' },

  'GET /api/v1/audit': { rule: 'admin' },
  'POST /api/v1/tokens': { rule: 'any', body: { name: 'matrix' } },
  'GET /api/v1/tokens': { rule: 'any' },
  'DELETE /api/v1/tokens/:id': { rule: 'any', missingTarget: true },
  'PUT /api/v1/agents/:id/password': { rule: 'admin', body: { password: 'a long password 123' }, missingTarget: true },
  'DELETE /api/v1/agents/:id/password': { rule: 'admin', missingTarget: true },

  'POST /api/v1/agents': { rule: 'admin', body: { name: 'Made by matrix' } },
  'GET /api/v1/agents': { rule: 'supervisor' },
  'GET /api/v1/agents/:id/skills': { rule: 'supervisor', missingTarget: true },
  'PUT /api/v1/agents/:id/skills': { rule: 'admin', missingTarget: true },
  'GET /api/v1/agents/:id/capacity': { rule: 'supervisor', missingTarget: true },
  'PUT /api/v1/agents/:id/capacity': { rule: 'admin', missingTarget: true },
  'POST /api/v1/inboxes': { rule: 'admin' },
  'GET /api/v1/inboxes': { rule: 'admin' },
  'GET /api/v1/inboxes/:id': { rule: 'admin', missingTarget: true },
  'PUT /api/v1/inboxes/:id/survey': { rule: 'admin', body: { survey: { csat: true } }, missingTarget: true },
  'POST /api/v1/queues': { rule: 'admin' },
  'GET /api/v1/queues': { rule: 'supervisor' },
  'GET /api/v1/queues/:id': { rule: 'supervisor', missingTarget: true },
  'PATCH /api/v1/queues/:id': { rule: 'admin', missingTarget: true },
  'PUT /api/v1/queues/:id/steps': { rule: 'admin', missingTarget: true },
  'GET /api/v1/queues/:id/stats': { rule: 'supervisor', missingTarget: true },
  'PUT /api/v1/queues/:id/members': { rule: 'admin', missingTarget: true },
  'POST /api/v1/skills': { rule: 'admin' },
  'GET /api/v1/skills': { rule: 'supervisor' },
  'POST /api/v1/routing-rules': { rule: 'admin' },
  'GET /api/v1/routing-rules': { rule: 'supervisor' },
  'GET /api/v1/routing-rules/:id': { rule: 'supervisor', missingTarget: true },
  'PATCH /api/v1/routing-rules/:id': { rule: 'admin', missingTarget: true },
  'DELETE /api/v1/routing-rules/:id': { rule: 'admin', missingTarget: true },
  'POST /api/v1/business-hours': { rule: 'admin' },
  'GET /api/v1/business-hours': { rule: 'supervisor' },
  'GET /api/v1/business-hours/:id': { rule: 'supervisor', missingTarget: true },
  'PATCH /api/v1/business-hours/:id': { rule: 'admin', missingTarget: true },
  'DELETE /api/v1/business-hours/:id': { rule: 'admin', missingTarget: true },
  'POST /api/v1/sla-policies': { rule: 'admin' },
  'GET /api/v1/sla-policies': { rule: 'supervisor' },
  'GET /api/v1/sla-policies/:id': { rule: 'supervisor', missingTarget: true },
  'PATCH /api/v1/sla-policies/:id': { rule: 'admin', missingTarget: true },
  'DELETE /api/v1/sla-policies/:id': { rule: 'admin', missingTarget: true },
  'POST /api/v1/webhooks': { rule: 'admin' },
  'GET /api/v1/webhooks': { rule: 'admin' },
  'GET /api/v1/webhooks/:id': { rule: 'admin', missingTarget: true },
  'PATCH /api/v1/webhooks/:id': { rule: 'admin', missingTarget: true },
  'DELETE /api/v1/webhooks/:id': { rule: 'admin', missingTarget: true },
  'GET /api/v1/webhooks/:id/deliveries': { rule: 'admin', missingTarget: true },
  'GET /api/v1/webhooks/:id/deliveries/:deliveryId': { rule: 'admin', missingTarget: true },
  'POST /api/v1/webhooks/:id/deliveries/:deliveryId/replay': { rule: 'admin', missingTarget: true },
  'GET /api/v1/reports/volume': { rule: 'supervisor', query: 'from=2026-01-01&to=2026-01-02' },
  'GET /api/v1/reports/channel-share': { rule: 'supervisor', query: 'from=2026-01-01&to=2026-01-02' },
  'GET /api/v1/reports/response-times': { rule: 'supervisor', query: 'from=2026-01-01&to=2026-01-02' },
  'GET /api/v1/reports/sla': { rule: 'supervisor', query: 'from=2026-01-01&to=2026-01-02' },
  'GET /api/v1/reports/satisfaction': { rule: 'supervisor', query: 'from=2026-01-01&to=2026-01-02' },
  'GET /api/v1/dead-letters': { rule: 'admin' },
  'GET /api/v1/dead-letters/:queue/:jobId': { rule: 'admin', missingTarget: true },
  'POST /api/v1/dead-letters/:queue/:jobId/replay': { rule: 'admin', missingTarget: true },
  'DELETE /api/v1/dead-letters/:queue/:jobId': { rule: 'admin', missingTarget: true },
  ...DASHBOARD,
  'POST /api/v1/canned-responses': { rule: 'supervisor' },
  'GET /api/v1/canned-responses': { rule: 'any' },
  'GET /api/v1/canned-responses/:id': { rule: 'any', missingTarget: true },
  'PATCH /api/v1/canned-responses/:id': { rule: 'supervisor', missingTarget: true },
  'DELETE /api/v1/canned-responses/:id': { rule: 'supervisor', missingTarget: true },
  'GET /api/v1/contacts': { rule: 'any' },
  'POST /api/v1/contacts': { rule: 'supervisor' },
  'GET /api/v1/contacts/:id': { rule: 'any', missingTarget: true },
  'PATCH /api/v1/contacts/:id': { rule: 'supervisor', missingTarget: true },
  'DELETE /api/v1/contacts/:id': { rule: 'admin', missingTarget: true },
  'GET /api/v1/contacts/:id/conversations': { rule: 'any', missingTarget: true },
  'POST /api/v1/contacts/:id/merge': { rule: 'supervisor', missingTarget: true },
  'GET /api/v1/contacts/:id/merges': { rule: 'supervisor', missingTarget: true },
  'POST /api/v1/contacts/merges/:mergeId/undo': { rule: 'supervisor', missingTarget: true },

  'GET /api/v1/me': { rule: 'any' },
  'PUT /api/v1/me/status': { rule: 'any', body: { status: 'online' } },
  'POST /api/v1/me/heartbeat': { rule: 'any' },
  'GET /api/v1/offers': { rule: 'any' },
  'POST /api/v1/offers/:id/accept': { rule: 'any', missingTarget: true },
  'POST /api/v1/offers/:id/reject': { rule: 'any', missingTarget: true },
  'GET /api/v1/labels': { rule: 'any' },
  'GET /api/v1/search': { rule: 'any', query: 'q=hello' },
  'GET /api/v1/events': { rule: 'any', query: 'types=not.a.type' }, // 400 after authentication, before streaming

  'GET /api/v1/conversations': { rule: 'any' },
  'GET /api/v1/conversations/:id': { rule: 'conversation' },
  'POST /api/v1/conversations/:id/resolve': { rule: 'conversation' },
  'POST /api/v1/conversations/:id/reopen': { rule: 'conversation' },
  'GET /api/v1/conversations/:id/routing-decisions': { rule: 'conversation' },
  'POST /api/v1/conversations/:id/callback': { rule: 'conversation', body: { outcome: 'done' } },
  'POST /api/v1/conversations/:id/canned/:cannedId/render': { rule: 'conversation', missingTarget: true },
  'GET /api/v1/conversations/:id/messages': { rule: 'conversation' },
  'POST /api/v1/conversations/:id/messages': { rule: 'conversation', body: { text: 'a note', private: true } },
  'POST /api/v1/conversations/:id/attachments': { rule: 'conversation' },
  'GET /api/v1/conversations/:id/attachments/:key': { rule: 'conversation', missingTarget: true },
  'POST /api/v1/conversations/:id/assign': { rule: 'conversation-supervisor', body: 'assign' },
  'POST /api/v1/conversations/:id/transfer': { rule: 'conversation', body: 'assign' }, // the assignee may hand over their own
  'POST /api/v1/conversations/:id/typing': { rule: 'conversation', body: { typing: true } },
  'GET /api/v1/conversations/:id/position': { rule: 'conversation' },
  'PUT /api/v1/conversations/:id/priority': { rule: 'conversation', body: { priority: 1 } },
  'PUT /api/v1/conversations/:id/status': { rule: 'conversation', body: { status: 'pending' } },
  'GET /api/v1/conversations/:id/labels': { rule: 'conversation' },
  'POST /api/v1/conversations/:id/labels': { rule: 'conversation', body: label },
  'DELETE /api/v1/conversations/:id/labels/:label': { rule: 'conversation' },
};

/** `METHOD /path` for every route, read from fastify's route tree (HEAD and OPTIONS are implied). */
export function routesOf(tree: string): string[] {
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const at = line.search(/[├└]── /);
    if (at < 0) continue;
    const depth = at / 4;
    const match = /^(.*?)(?: \(([^)]*)\))?$/.exec(line.slice(at + 4))!;
    const path = (depth > 0 ? stack[depth - 1]! : '') + match[1]!;
    stack[depth] = path;
    for (const method of (match[2] ?? '').split(',').map((m) => m.trim()).filter(Boolean)) {
      if (method !== 'HEAD' && method !== 'OPTIONS' && method !== '-') routes.push(`${method} ${path}`);
    }
  }
  return [...new Set(routes)].sort();
}

function expected(rule: Rule, role: Role): 'allowed' | 401 | 403 | 404 {
  if (rule === 'public') return 'allowed';
  if (role === 'none') return 401;
  switch (rule) {
    case 'any':
      return 'allowed';
    case 'supervisor':
      return role === 'supervisor' || role === 'admin' ? 'allowed' : 403;
    case 'admin':
      return role === 'admin' ? 'allowed' : 403;
    case 'conversation':
      return role === 'other' ? 404 : 'allowed';
    case 'conversation-supervisor':
      return role === 'supervisor' || role === 'admin' ? 'allowed' : 403;
  }
}

let api: TestApi;
let routes: string[];
const tokens: Record<Role, string | null> = { none: null, other: null, agent: null, supervisor: null, admin: null };
let agentId: string;
// login attempts are counted per email in a Redis shared by every run
const login = { email: `ann-${randomUUID().slice(0, 8)}@example.test`, password: 'matrix password 123' };
let conversationId: string;

const admin = (method: Method, url: string, payload?: object) => api.call(ADMIN_TOKEN, payload ? { method, url, payload } : { method, url });
async function createAgent(name: string, role = 'agent', email?: string) {
  const { agent, token } = (await admin('POST', '/api/v1/agents', { name, role, ...(email ? { email } : {}) })).json();
  return { id: agent.id as string, token: token as string };
}

beforeAll(async () => {
  api = await startTestApi();
  routes = routesOf(api.app.printRoutes({ commonPrefix: false }));
  const ann = await createAgent('Ann', 'agent', login.email);
  await admin('PUT', `/api/v1/agents/${ann.id}/password`, { password: login.password });
  const carl = await createAgent('Carl');
  agentId = ann.id;
  Object.assign(tokens, { agent: ann.token, other: carl.token, supervisor: (await createAgent('Sue', 'supervisor')).token, admin: (await createAgent('Ada', 'admin')).token });
  const queueId = (await admin('POST', '/api/v1/queues', { name: 'Team A', memberIds: [ann.id] })).json().id;
  await admin('POST', '/api/v1/queues', { name: 'Team B', memberIds: [carl.id] });
  const inboxId = (await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'A bot', defaultQueueId: queueId, secrets: { botToken: '123456:AAbbCCdd_ee-ff' } })).json().id;
  conversationId = await receiveTelegramMessage(api.pool, inboxId, '5150');
});

afterAll(async () => {
  await api?.close();
});

/** Puts the conversation back in the state every call expects: open and held by the agent. */
async function resetConversation() {
  await admin('POST', `/api/v1/conversations/${conversationId}/reopen`);
  const res = await admin('POST', `/api/v1/conversations/${conversationId}/assign`, { agentId, force: true });
  if (res.statusCode !== 200 && res.json().error?.code !== 'already_assigned') expect(res.json()).toEqual({ reset: 'assigned' });
}

function urlFor(route: string, row: Row): string {
  const path = route.split(' ')[1]!
    .replace('/conversations/:id', `/conversations/${conversationId}`)
    .replace(/:label\b/, 'vip')
    .replace(/:key\b/, 'a'.repeat(64))
    .replace(/\*$/, 'missing-file')
    .replace(/:[a-zA-Z]+/g, () => randomUUID());
  return row.query ? `${path}?${row.query}` : path;
}

describe('authorization matrix', () => {
  it('every route has a rule, and every rule a route', () => {
    const missing = routes.filter((r) => !TABLE[r]);
    expect(missing.map((r) => `new route without a rule: ${r}`)).toEqual([]);
    expect(Object.keys(TABLE).filter((r) => !routes.includes(r)).map((r) => `rule for a route that does not exist: ${r}`)).toEqual([]);
  });

  it('answers each role as its rule says', async () => {
    const mismatches: string[] = [];
    for (const route of routes) {
      const row = TABLE[route];
      if (!row) continue;
      const method = route.split(' ')[0] as Method;
      for (const role of ROLES) {
        if (row.rule.startsWith('conversation')) await resetConversation();
        const body = row.body === 'assign' ? { agentId, force: true } : row.body === 'login' ? login : row.body;
        const res = await api.call(tokens[role], {
          method,
          url: urlFor(route, row),
          ...(body !== undefined ? { payload: body as object } : method === 'GET' || method === 'DELETE' ? {} : { payload: {} }),
        });
        const want = expected(row.rule, role);
        const status = res.statusCode;
        const ok =
          want === 'allowed'
            ? ![401, 403, 500].includes(status) && (status !== 404 || row.missingTarget === true)
            : status === want;
        if (!ok) mismatches.push(`${route} as ${role}: expected ${want}, got ${status} ${res.body.slice(0, 120)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
