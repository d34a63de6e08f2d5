import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { ADMIN_TOKEN, startTestApi, type TestApi } from './testing.ts';

let api: TestApi;
let agentToken: string;
let supervisorToken: string;

beforeAll(async () => {
  api = await startTestApi();
  const agent = await api.call(ADMIN_TOKEN, { method: 'POST', url: '/api/v1/agents', payload: { name: 'Ann' } });
  agentToken = agent.json().token;
  const supervisor = await api.call(ADMIN_TOKEN, { method: 'POST', url: '/api/v1/agents', payload: { name: 'Sue', role: 'supervisor' } });
  supervisorToken = supervisor.json().token;
});

afterAll(async () => {
  await api?.close();
});

describe('text the database cannot store', () => {
  it('answers 400 invalid_text for a NUL character instead of failing with 500 (found by the API fuzzer)', async () => {
    const queue = (await api.call(ADMIN_TOKEN, { method: 'POST', url: '/api/v1/queues', payload: { name: 'Nul' } })).json();
    const res = await api.call(ADMIN_TOKEN, { method: 'PATCH', url: `/api/v1/queues/${queue.id}`, payload: { afterHoursMessage: 'closed\u0000now' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_text');
  });
});

describe('authentication', () => {
  it('answers 401 without a bearer token', async () => {
    const res = await api.call(null, { method: 'GET', url: '/api/v1/agents' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringContaining('Bearer') } });
  });

  it('answers 401 for an unknown token and for a non-bearer scheme', async () => {
    expect((await api.call('sb_not-a-real-token', { method: 'GET', url: '/api/v1/me' })).statusCode).toBe(401);
    const basic = await api.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Basic ${ADMIN_TOKEN}` } });
    expect(basic.statusCode).toBe(401);
  });

  it('answers 401 before looking at the body', async () => {
    const res = await api.call(null, { method: 'POST', url: '/api/v1/agents', payload: { name: 42 } });
    expect(res.statusCode).toBe(401);
  });

  it('refuses an agent token on an admin route with 403', async () => {
    const res = await api.call(agentToken, { method: 'POST', url: '/api/v1/queues', payload: { name: 'x', memberIds: [] } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('forbidden');
  });

  it('lets supervisors read agents and queues but not create them', async () => {
    expect((await api.call(supervisorToken, { method: 'GET', url: '/api/v1/agents' })).statusCode).toBe(200);
    expect((await api.call(supervisorToken, { method: 'GET', url: '/api/v1/queues' })).statusCode).toBe(200);
    expect((await api.call(agentToken, { method: 'GET', url: '/api/v1/agents' })).statusCode).toBe(403);
    const create = await api.call(supervisorToken, { method: 'POST', url: '/api/v1/agents', payload: { name: 'Nope' } });
    expect(create.statusCode).toBe(403);
  });

  it('refuses the bootstrap admin token on agent routes, pointing to agent tokens', async () => {
    const res = await api.call(ADMIN_TOKEN, { method: 'PUT', url: '/api/v1/me/status', payload: { status: 'online' } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toContain('agent token');
  });

  it('resolves an agent token to its agent', async () => {
    const res = await api.call(agentToken, { method: 'GET', url: '/api/v1/me' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: 'Ann', role: 'agent', status: 'offline', capacity: { telegram: 3, webchat: 3 } });
  });
});

describe('errors', () => {
  it('names the invalid field of a malformed body', async () => {
    const res = await api.call(ADMIN_TOKEN, { method: 'POST', url: '/api/v1/agents', payload: { name: 42 } });
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('validation_failed');
    expect(error.message).toMatch(/^body\.name: /);
    expect(error.details).toEqual([{ path: 'body.name', message: expect.any(String) }]);
  });

  it('names invalid query and path parameters', async () => {
    const query = await api.call(ADMIN_TOKEN, { method: 'GET', url: '/api/v1/conversations?limit=500' });
    expect(query.statusCode).toBe(400);
    expect(query.json().error.message).toMatch(/^query\.limit: /);
    const params = await api.call(ADMIN_TOKEN, { method: 'GET', url: '/api/v1/conversations/not-a-uuid' });
    expect(params.statusCode).toBe(400);
    expect(params.json().error.message).toMatch(/^params\.id: /);
  });

  it('answers 400 invalid_json for a body that is not JSON', async () => {
    const res = await api.call(ADMIN_TOKEN, {
      method: 'POST',
      url: '/api/v1/agents',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_json');
  });

  it('keeps the status of fastify client errors: 415 and 413', async () => {
    const media = await api.call(ADMIN_TOKEN, { method: 'POST', url: '/api/v1/agents', headers: { 'content-type': 'text/xml' }, payload: '<a/>' });
    expect(media.statusCode).toBe(415);
    expect(media.json().error.code).toBe('unsupported_media_type');
    const big = await api.call(ADMIN_TOKEN, { method: 'POST', url: '/api/v1/agents', payload: { name: 'x'.repeat(1024 * 1024 + 1) } });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('payload_too_large');
  });

  it('answers unknown routes with 404 in the same shape', async () => {
    const res = await api.call(ADMIN_TOKEN, { method: 'GET', url: '/api/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'not_found', message: 'no route GET /api/v1/nothing-here' } });
  });

  it('hides the details of server errors', async () => {
    const broken = await startTestApi();
    await broken.pool.query('drop table queue_members cascade');
    try {
      const res = await broken.call(ADMIN_TOKEN, { method: 'GET', url: '/api/v1/queues' });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ error: { code: 'internal', message: 'internal error' } });
    } finally {
      await broken.close();
    }
  });
});

describe('operations', () => {
  it('serves health and readiness', async () => {
    const health = await api.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    const ready = await api.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', checks: { database: true, redis: true } });
  });

  it('publishes an OpenAPI document generated from the route schemas', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      '/api/v1/inboxes',
      '/api/v1/inboxes/{id}',
      '/api/v1/agents',
      '/api/v1/queues',
      '/api/v1/queues/{id}/members',
      '/api/v1/me',
      '/api/v1/me/status',
      '/api/v1/conversations',
      '/api/v1/conversations/{id}',
      '/api/v1/conversations/{id}/messages',
      '/api/v1/conversations/{id}/resolve',
    ]) {
      expect(doc.paths).toHaveProperty([path]);
    }
    expect(doc.paths).not.toHaveProperty(['/healthz']);
    const post = doc.paths['/api/v1/agents'].post;
    expect(post.requestBody.content['application/json'].schema.properties).toHaveProperty('name');
    expect(doc.components.schemas).toHaveProperty('Agent');
    expect(doc.components.schemas).toHaveProperty('Error');
    // every $ref points at a schema the document defines
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    for (const ref of refs) expect(doc.components.schemas).toHaveProperty([ref]);
    const ui = await api.app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
  });
});
