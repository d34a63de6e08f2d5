import { randomUUID } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createAgent as createAgentRow, issueToken } from '@switchboard/db';
import { callers, startTestApi, type TestApi } from './testing.ts';
import { LOGIN_ATTEMPTS } from './routes/auth.ts';

let api: TestApi;
const { as, admin } = callers(() => api);
// login attempts are counted per email in a Redis shared by every run: unique addresses per run
const run = randomUUID().slice(0, 8);
const annEmail = `ann-${run}@example.test`;
const bobEmail = `bob-${run}@example.test`;
const ann = { id: '', token: '' };
const bob = { id: '', token: '' };

async function createAgent(name: string, email?: string) {
  const { agent, token } = (await admin('POST', '/api/v1/agents', { name, ...(email ? { email } : {}) })).json();
  return { id: agent.id as string, token: token as string };
}

beforeAll(async () => {
  api = await startTestApi();
  Object.assign(ann, await createAgent('Ann', annEmail));
  Object.assign(bob, await createAgent('Bob', bobEmail));
});

afterAll(async () => {
  await api?.close();
});

const me = (token: string) => as(token, 'GET', '/api/v1/me');

describe('API tokens', () => {
  it('an agent creates a named token, uses it, lists it without the secret, and revokes it', async () => {
    const created = await as(ann.token, 'POST', '/api/v1/tokens', { name: 'CRM plug-in' });
    expect(created.statusCode).toBe(201);
    const { token, secret } = created.json();
    expect(token).toMatchObject({ agentId: ann.id, name: 'CRM plug-in', kind: 'api', expiresAt: null, revokedAt: null, lastUsedAt: null });
    expect((await me(secret)).json().id).toBe(ann.id);

    const stored = await api.pool.query(`select token_hash from api_tokens where id = $1`, [token.id]);
    expect(stored.rows[0].token_hash.toString('utf8')).not.toContain(secret);
    const listed = (await as(ann.token, 'GET', '/api/v1/tokens')).json();
    const row = listed.find((t: { id: string }) => t.id === token.id);
    expect(row.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(secret);
    expect(Object.keys(row).sort()).toEqual(['agentId', 'createdAt', 'expiresAt', 'id', 'kind', 'lastUsedAt', 'name', 'revokedAt']);

    expect((await as(ann.token, 'DELETE', `/api/v1/tokens/${token.id}`)).statusCode).toBe(204);
    const after = await me(secret);
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('unauthorized');
    expect((await as(ann.token, 'GET', '/api/v1/tokens')).json().map((t: { id: string }) => t.id)).not.toContain(token.id);
    const all = (await as(ann.token, 'GET', '/api/v1/tokens?include_revoked=true')).json();
    expect(all.find((t: { id: string }) => t.id === token.id).revokedAt).not.toBeNull();
  });

  it('a token past its expiry is refused with 401', async () => {
    const expiresAt = new Date(Date.now() + 60_000).toISOString();
    const { token, secret } = (await as(ann.token, 'POST', '/api/v1/tokens', { name: 'short', expiresAt })).json();
    expect(new Date(token.expiresAt).toISOString()).toBe(expiresAt);
    expect((await me(secret)).statusCode).toBe(200);
    await api.pool.query(`update api_tokens set expires_at = now() - interval '1 second' where id = $1`, [token.id]);
    expect((await me(secret)).statusCode).toBe(401);
  });

  it('refuses an expiry in the past, naming the field', async () => {
    const res = await as(ann.token, 'POST', '/api/v1/tokens', { name: 'x', expiresAt: '2001-01-01T00:00:00Z' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/^body\.expiresAt/);
  });

  it("an agent cannot see, create or revoke another agent's tokens; an admin can", async () => {
    const { token: bobs } = (await as(bob.token, 'POST', '/api/v1/tokens', { name: 'bob script' })).json();
    expect((await as(ann.token, 'GET', `/api/v1/tokens?agent_id=${bob.id}`)).statusCode).toBe(403);
    expect((await as(ann.token, 'POST', '/api/v1/tokens', { name: 'sneaky', agentId: bob.id })).statusCode).toBe(403);
    expect((await as(ann.token, 'DELETE', `/api/v1/tokens/${bobs.id}`)).statusCode).toBe(404);
    expect((await as(ann.token, 'GET', '/api/v1/tokens')).json().map((t: { agentId: string }) => t.agentId)).not.toContain(bob.id);

    const forBob = await admin('POST', '/api/v1/tokens', { name: 'made by admin', agentId: bob.id });
    expect(forBob.statusCode).toBe(201);
    expect((await me(forBob.json().secret)).json().id).toBe(bob.id);
    const bobsList = (await admin('GET', `/api/v1/tokens?agent_id=${bob.id}`)).json();
    expect(bobsList.map((t: { name: string }) => t.name).sort()).toEqual(['bob script', 'default', 'made by admin']);
    expect((await admin('DELETE', `/api/v1/tokens/${bobs.id}`)).statusCode).toBe(204);
    expect((await admin('POST', '/api/v1/tokens', { name: 'nobody' })).statusCode).toBe(400);
  });
});

describe('password login', () => {
  const password = 'correct horse battery staple';

  it('an admin sets a password, stored as an argon2id hash', async () => {
    expect((await as(ann.token, 'PUT', `/api/v1/agents/${ann.id}/password`, { password })).statusCode).toBe(403);
    expect((await admin('PUT', `/api/v1/agents/${ann.id}/password`, { password: 'short' })).statusCode).toBe(400);
    expect((await admin('PUT', `/api/v1/agents/${ann.id}/password`, { password })).statusCode).toBe(204);
    const { rows } = await api.pool.query(`select password_hash from agents where id = $1`, [ann.id]);
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$v=19\$/);
    expect(rows[0].password_hash).not.toContain(password);
  });

  it('login returns a 12-hour token that works and is listed as a login token', async () => {
    const res = await as(null, 'POST', '/api/v1/auth/login', { email: annEmail, password });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.agentId).toBe(ann.id);
    const hours = (new Date(body.expiresAt).getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(11.9);
    expect(hours).toBeLessThanOrEqual(12);
    expect((await me(body.token)).json().id).toBe(ann.id);
    const listed = (await as(ann.token, 'GET', '/api/v1/tokens')).json();
    expect(listed.find((t: { id: string }) => t.id === body.tokenId)).toMatchObject({ kind: 'login', name: 'login' });
  });

  it('a wrong password, an unknown email and an agent without a password get the same 401', async () => {
    const attempts = [
      { email: annEmail, password: 'wrong password!!' },
      { email: `nobody-${run}@example.test`, password },
      { email: bobEmail, password },
    ];
    const answers = await Promise.all(attempts.map((a) => as(null, 'POST', '/api/v1/auth/login', a)));
    for (const res of answers) {
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toEqual({ code: 'unauthorized', message: 'invalid email or password' });
    }
  });

  it('limits login attempts per email and address, with Retry-After', async () => {
    const attempt = () => as(null, 'POST', '/api/v1/auth/login', { email: `limited-${run}@example.test`, password: 'guess guess guess' });
    for (let i = 0; i < LOGIN_ATTEMPTS; i++) expect((await attempt()).statusCode).toBe(401);
    const limited = await attempt();
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // another email from the same address is still counted apart
    expect((await as(null, 'POST', '/api/v1/auth/login', { email: annEmail, password })).statusCode).toBe(200);
  });
});

describe('rate limit per token', () => {
  let limited: TestApi;
  afterAll(async () => {
    await limited?.close();
  });

  it('answers 429 rate_limited with Retry-After once a token passes its requests per minute, other tokens unaffected', async () => {
    limited = await startTestApi({ rateLimitPerMin: 5 });
    const call = (token: string) => limited.call(token, { method: 'GET', url: '/api/v1/me' });
    // made in the database: the bootstrap admin's bucket is shared by every test file on this Redis
    const make = async (name: string) => issueToken(limited.pool, (await createAgentRow(limited.pool, { name, role: 'agent', capacity: {} })).id);
    const [first, second] = [await make('Quick'), await make('Calm')];
    // twelve calls: even if a minute boundary falls among them, one window sees more than five
    const answers = [];
    for (let i = 0; i < 12; i++) answers.push(await call(first));
    expect(answers.slice(0, 5).map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    const over = answers.find((r) => r.statusCode !== 200)!;
    expect(over.statusCode).toBe(429);
    expect(over.json().error.code).toBe('rate_limited');
    const retryAfter = Number(over.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await call(second)).statusCode).toBe(200);
  });
});
