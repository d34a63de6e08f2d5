import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { callers, fieldOf, startTestApi, type TestApi, waitingJobs } from './testing.ts';

let api: TestApi;
const { as, admin } = callers(() => api);
let supervisor: string;
let agentToken: string;
const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';


async function createAgent(name: string, role = 'agent') {
  const { agent, token } = (await admin('POST', '/api/v1/agents', { name, role })).json();
  return { id: agent.id as string, token: token as string };
}
const createQueue = async (name: string) => (await admin('POST', '/api/v1/queues', { name, memberIds: [] })).json().id as string;

beforeAll(async () => {
  api = await startTestApi();
  supervisor = (await createAgent('Sue', 'supervisor')).token;
  agentToken = (await createAgent('Al')).token;
});
afterAll(async () => {
  await api?.close();
});

describe('queue routing settings', () => {
  it('reads the defaults (supervisors may, agents may not) and changes any subset (admins only)', async () => {
    const id = await createQueue('Settings');
    const read = await as(supervisor, 'GET', `/api/v1/queues/${id}`);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ id, name: 'Settings', strategy: 'least_load', autoAccept: true, offerTimeoutS: 30, fairnessBurst: 1, steps: [], members: [] });
    expect((await as(agentToken, 'GET', `/api/v1/queues/${id}`)).statusCode).toBe(403);
    expect((await as(null, 'GET', `/api/v1/queues/${id}`)).statusCode).toBe(401);
    expect((await as(supervisor, 'PATCH', `/api/v1/queues/${id}`, { autoAccept: false })).statusCode).toBe(403);

    const overflow = await createQueue('Settings overflow');
    const patched = await admin('PATCH', `/api/v1/queues/${id}`, {
      strategy: 'round_robin', autoAccept: false, offerTimeoutS: 20, maxWaitS: 600, maxWaitAction: 'overflow', overflowQueueId: overflow,
      offlinePolicy: 'requeue_after_grace', stickyWaitS: 60, queueFullMessage: 'We are busy',
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ strategy: 'round_robin', autoAccept: false, offerTimeoutS: 20, maxWaitAction: 'overflow', overflowQueueId: overflow, loadMode: 'ratio' });
    const { rows } = await api.pool.query(`select auto_accept, offer_timeout_s, queue_full_message from queues where id = $1`, [id]);
    expect(rows[0]).toEqual({ auto_accept: false, offer_timeout_s: 20, queue_full_message: 'We are busy' });
    expect((await waitingJobs(api.prefix, 'routing')).map((j) => j.data)).toContainEqual({ queueId: id, reason: 'queue_settings_changed' });
  });

  it('refuses inconsistent or invalid settings with a 400 naming the field', async () => {
    const id = await createQueue('Strict');
    const self = await admin('PATCH', `/api/v1/queues/${id}`, { overflowQueueId: id });
    expect(self.statusCode).toBe(400);
    expect(self.json().error).toMatchObject({ code: 'validation_failed', message: 'body.overflowQueueId: a queue cannot overflow to itself' });
    expect(fieldOf(await admin('PATCH', `/api/v1/queues/${id}`, { maxWaitAction: 'overflow' }))).toBe('body.maxWaitAction');
    expect(fieldOf(await admin('PATCH', `/api/v1/queues/${id}`, { offerTimeoutS: 0 }))).toBe('body.offerTimeoutS');
    expect(fieldOf(await admin('PATCH', `/api/v1/queues/${id}`, { strategy: 'random' }))).toBe('body.strategy');
    expect(fieldOf(await admin('PATCH', `/api/v1/queues/${id}`, { businessHoursId: NO_SUCH_ID }))).toBe('body.businessHoursId');
    expect((await admin('PATCH', `/api/v1/queues/${id}`, { colour: 'red' })).statusCode).toBe(400);
    expect((await admin('PATCH', `/api/v1/queues/${NO_SUCH_ID}`, { sticky: false })).statusCode).toBe(404);
    await createQueue('Taken');
    expect((await admin('PATCH', `/api/v1/queues/${id}`, { name: 'Taken' })).json().error.code).toBe('queue_name_taken');
  });

  it('replaces the steps, checking that their skills exist', async () => {
    const id = await createQueue('Stepped');
    expect((await admin('POST', '/api/v1/skills', { name: 'es' })).statusCode).toBe(201);
    const steps = [{ requiredSkills: [{ skill: 'es', min: 3 }], ringMax: 1, timeoutS: 30, skipIfNoAgents: true }, {}];
    const res = await admin('PUT', `/api/v1/queues/${id}/steps`, steps);
    expect(res.statusCode).toBe(200);
    expect(res.json().steps).toEqual([
      { stepNo: 1, requiredSkills: [{ skill: 'es', min: 3 }], ringMax: 1, timeoutS: 30, skipIfNoAgents: true },
      { stepNo: 2, requiredSkills: [], ringMax: null, timeoutS: null, skipIfNoAgents: false },
    ]);
    expect(fieldOf(await admin('PUT', `/api/v1/queues/${id}/steps`, [{}, { requiredSkills: [{ skill: 'klingon', min: 1 }] }]))).toBe('body.1.requiredSkills.0.skill');
    expect(fieldOf(await admin('PUT', `/api/v1/queues/${id}/steps`, [{ timeoutS: -1 }]))).toBe('body.0.timeoutS');
    expect((await api.pool.query(`select count(*)::int as n from routing_steps where queue_id = $1`, [id])).rows[0].n).toBe(2);
  });

  it('replaces members with rings in any of the three body forms', async () => {
    const id = await createQueue('Rings');
    const [a, b] = [await createAgent('Ring 1'), await createAgent('Ring 2')];
    const rings = await admin('PUT', `/api/v1/queues/${id}/members`, [{ agentId: a.id, ring: 1 }, { agentId: b.id, ring: 2 }]);
    expect(rings.statusCode).toBe(200);
    expect(rings.json().members).toEqual([{ agentId: a.id, ring: 1 }, { agentId: b.id, ring: 2 }]);
    const wrapped = await admin('PUT', `/api/v1/queues/${id}/members`, { members: [{ agentId: b.id, ring: 3 }] });
    expect(wrapped.json().members).toEqual([{ agentId: b.id, ring: 3 }]);
    const legacy = await admin('PUT', `/api/v1/queues/${id}/members`, { memberIds: [a.id, a.id] });
    expect(legacy.json()).toMatchObject({ memberIds: [a.id], members: [{ agentId: a.id, ring: 1 }] });
    expect(fieldOf(await admin('PUT', `/api/v1/queues/${id}/members`, [{ agentId: a.id }, { agentId: NO_SUCH_ID }]))).toBe('body.1.agentId');
    expect(fieldOf(await admin('PUT', `/api/v1/queues/${id}/members`, { members: [{ agentId: a.id, ring: 0 }] }))).toBe('body.members.0.ring');
    expect((await as(supervisor, 'PUT', `/api/v1/queues/${id}/members`, { memberIds: [] })).statusCode).toBe(403);
  });
});

describe('skills and capacity', () => {
  it('creates and lists skills, and replaces an agent\'s proficiencies', async () => {
    const created = await admin('POST', '/api/v1/skills', { name: 'billing' });
    expect(created.json()).toMatchObject({ name: 'billing' });
    expect((await admin('POST', '/api/v1/skills', { name: 'billing' })).json().error.code).toBe('skill_name_taken');
    expect((await as(supervisor, 'GET', '/api/v1/skills')).json().map((s: { name: string }) => s.name)).toContain('billing');
    expect((await as(supervisor, 'POST', '/api/v1/skills', { name: 'x' })).statusCode).toBe(403);

    const agent = await createAgent('Skilled');
    const set = await admin('PUT', `/api/v1/agents/${agent.id}/skills`, [{ skill: 'billing', proficiency: 4 }]);
    expect(set.json()).toEqual({ agentId: agent.id, skills: [{ skill: 'billing', proficiency: 4 }] });
    expect((await as(supervisor, 'GET', `/api/v1/agents/${agent.id}/skills`)).json().skills).toEqual([{ skill: 'billing', proficiency: 4 }]);
    expect(fieldOf(await admin('PUT', `/api/v1/agents/${agent.id}/skills`, [{ skill: 'billing', proficiency: 6 }]))).toBe('body.0.proficiency');
    expect(fieldOf(await admin('PUT', `/api/v1/agents/${agent.id}/skills`, [{ skill: 'billing', proficiency: 2 }, { skill: 'nope', proficiency: 2 }]))).toBe('body.1.skill');
    expect((await admin('PUT', `/api/v1/agents/${NO_SUCH_ID}/skills`, [])).statusCode).toBe(404);
  });

  it('sets capacity per channel or as weighted units, and will not switch modes under load', async () => {
    const agent = await createAgent('Units');
    const perChannel = await admin('PUT', `/api/v1/agents/${agent.id}/capacity`, { webchat: 5 });
    expect(perChannel.json()).toMatchObject({ mode: 'channels', pools: [{ pool: 'email', capacity: 0 }, { pool: 'instagram', capacity: 0 }, { pool: 'messenger', capacity: 0 }, { pool: 'sms', capacity: 0 }, { pool: 'telegram', capacity: 0 }, { pool: 'voice', capacity: 0 }, { pool: 'webchat', capacity: 5 }, { pool: 'whatsapp', capacity: 0 }], costs: {} });
    const weighted = await admin('PUT', `/api/v1/agents/${agent.id}/capacity`, { total: 100, costs: { voice: 100, webchat: 20 } });
    expect(weighted.json()).toEqual({ agentId: agent.id, mode: 'weighted', pools: [{ pool: '*', capacity: 100, active: 0, pendingOffers: 0 }], costs: { voice: 100, webchat: 20 } });
    expect((await api.pool.query(`select capacity from agent_load where agent_id = $1`, [agent.id])).rows).toEqual([{ capacity: 100 }]);

    await api.pool.query(`update agent_load set active = 60 where agent_id = $1`, [agent.id]);
    const refused = await admin('PUT', `/api/v1/agents/${agent.id}/capacity`, { webchat: 3 });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('agent_has_load');
    // lowering under the load stops new work without breaking the capacity CHECK
    const lowered = await admin('PUT', `/api/v1/agents/${agent.id}/capacity`, { total: 40, costs: { webchat: 20 } });
    expect(lowered.statusCode).toBe(200);
    expect((await api.pool.query(`select capacity, active, forced from agent_load where agent_id = $1`, [agent.id])).rows).toEqual([{ capacity: 40, active: 60, forced: 20 }]);
    expect((await admin('PUT', `/api/v1/agents/${agent.id}/capacity`, { fax: 1 })).statusCode).toBe(400);
    expect((await as(supervisor, 'GET', `/api/v1/agents/${agent.id}/capacity`)).json().mode).toBe('weighted');
  });
});

describe('routing rules, business hours and SLA policies', () => {
  it('creates, reads, lists in position order, patches only what is sent, and deletes routing rules', async () => {
    const queueId = await createQueue('Rules');
    const vip = await admin('POST', '/api/v1/routing-rules', { name: 'VIP', position: 10, queueId, match: { contactAttributes: { vip: true } }, priority: 5, ageAdjustS: 600 });
    expect(vip.statusCode).toBe(201);
    const rule = vip.json();
    expect(rule).toMatchObject({ name: 'VIP', position: 10, queueId, priority: 5, ageAdjustS: 600, enabled: true, requiredSkills: [], match: { contactAttributes: { vip: true } } });
    const spanish = await admin('POST', '/api/v1/routing-rules', { name: 'Spanish', position: 5, queueId, match: { language: ['es', 'pt'], channel: 'telegram', keywords: ['reembolso'] } });
    expect(spanish.json().match).toEqual({ language: ['es', 'pt'], channel: 'telegram', keywords: ['reembolso'] });
    expect(fieldOf(await admin('POST', '/api/v1/routing-rules', { name: 'Ghost inbox', queueId, match: { inboxId: [NO_SUCH_ID] } }))).toBe('body.match.inboxId');
    expect(fieldOf(await admin('POST', '/api/v1/routing-rules', { name: 'Fax', queueId, match: { channel: 'fax' } }))).toBe('body.match.channel');
    expect((await as(supervisor, 'GET', '/api/v1/routing-rules')).json().map((r: { name: string }) => r.name)).toEqual(['Spanish', 'VIP']);
    const patched = await admin('PATCH', `/api/v1/routing-rules/${rule.id}`, { enabled: false });
    expect(patched.json()).toMatchObject({ enabled: false, priority: 5, position: 10, match: { contactAttributes: { vip: true } } });
    expect(fieldOf(await admin('POST', '/api/v1/routing-rules', { name: 'Ghost', queueId: NO_SUCH_ID }))).toBe('body.queueId');
    expect(fieldOf(await admin('PATCH', `/api/v1/routing-rules/${rule.id}`, { requiredSkills: [{ skill: 'nope', min: 1 }] }))).toBe('body.requiredSkills.0.skill');
    expect(fieldOf(await admin('POST', '/api/v1/routing-rules', { queueId }))).toBe('body.name');
    expect((await as(supervisor, 'GET', `/api/v1/routing-rules/${rule.id}`)).json()).toMatchObject({ id: rule.id, enabled: false });
    expect((await as(supervisor, 'DELETE', `/api/v1/routing-rules/${rule.id}`)).statusCode).toBe(403);
    expect((await admin('DELETE', `/api/v1/routing-rules/${rule.id}`)).statusCode).toBe(204);
    expect((await as(supervisor, 'GET', `/api/v1/routing-rules/${rule.id}`)).statusCode).toBe(404);
    expect((await admin('DELETE', `/api/v1/routing-rules/${rule.id}`)).statusCode).toBe(404);
  });

  it('validates business hours (IANA zone, HH:MM intervals that do not overlap) and keeps one a queue uses', async () => {
    const weekly = { mon: [['09:00', '12:00'], ['13:00', '17:00']], fri: [['22:00', '02:00']], sun: [['00:00', '24:00']] };
    const created = await admin('POST', '/api/v1/business-hours', { name: 'Berlin office', timeZone: 'Europe/Berlin', weekly, holidays: ['2026-12-25'] });
    expect(created.statusCode).toBe(201);
    const hours = created.json();
    expect(hours).toMatchObject({ name: 'Berlin office', timeZone: 'Europe/Berlin', weekly, holidays: ['2026-12-25'] });
    expect((await admin('POST', '/api/v1/business-hours', { name: 'UTC', timeZone: 'UTC', weekly: {} })).statusCode).toBe(201);

    const bad = (body: object) => admin('POST', '/api/v1/business-hours', { name: 'Bad', timeZone: 'Europe/Berlin', weekly: {}, ...body });
    expect(fieldOf(await bad({ timeZone: 'Mars/Olympus_Mons' }))).toBe('body.timeZone');
    expect(fieldOf(await bad({ weekly: { mon: [['09:00', '25:00']] } }))).toBe('body.weekly.mon.0.1');
    expect(fieldOf(await bad({ weekly: { tue: [['9:00', '17:00']] } }))).toBe('body.weekly.tue.0.0');
    expect(fieldOf(await bad({ weekly: { wed: [['09:00', '12:00'], ['11:00', '14:00']] } }))).toBe('body.weekly.wed.1');
    expect(fieldOf(await bad({ weekly: { thu: [['09:00', '09:00']] } }))).toBe('body.weekly.thu.0');
    expect(fieldOf(await bad({ weekly: { someday: [] } }))).toBe('body.weekly');
    expect(fieldOf(await bad({ holidays: ['25/12/2026'] }))).toBe('body.holidays.0');

    const patched = await admin('PATCH', `/api/v1/business-hours/${hours.id}`, { timeZone: 'America/New_York' });
    expect(patched.json()).toMatchObject({ timeZone: 'America/New_York', weekly });
    expect(fieldOf(await admin('PATCH', `/api/v1/business-hours/${hours.id}`, { timeZone: 'Nowhere' }))).toBe('body.timeZone');
    const queueId = await createQueue('Office hours');
    expect((await admin('PATCH', `/api/v1/queues/${queueId}`, { businessHoursId: hours.id })).statusCode).toBe(200);
    const inUse = await admin('DELETE', `/api/v1/business-hours/${hours.id}`);
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json().error.code).toBe('in_use');
    expect((await as(supervisor, 'GET', `/api/v1/business-hours/${hours.id}`)).statusCode).toBe(200);
    expect((await as(supervisor, 'GET', '/api/v1/business-hours')).json().map((h: { name: string }) => h.name)).toEqual(['Berlin office', 'UTC']);
    expect((await as(supervisor, 'POST', '/api/v1/business-hours', { name: 'x', timeZone: 'UTC', weekly: {} })).statusCode).toBe(403);
  });

  it('creates, patches, lists and deletes SLA policies', async () => {
    const created = await admin('POST', '/api/v1/sla-policies', { name: 'Gold', firstResponseS: 60, resolutionS: 3600, businessHoursOnly: true });
    expect(created.statusCode).toBe(201);
    const policy = created.json();
    expect(policy).toMatchObject({ name: 'Gold', firstResponseS: 60, nextResponseS: null, resolutionS: 3600, businessHoursOnly: true, breachPriorityBoost: 0, pauseWhenPending: true });
    expect(fieldOf(await admin('POST', '/api/v1/sla-policies', { name: 'Bad', firstResponseS: 0 }))).toBe('body.firstResponseS');
    expect((await admin('PATCH', `/api/v1/sla-policies/${policy.id}`, { nextResponseS: 300 })).json()).toMatchObject({ firstResponseS: 60, nextResponseS: 300 });
    expect((await as(supervisor, 'GET', '/api/v1/sla-policies')).json().map((p: { id: string }) => p.id)).toContain(policy.id);
    expect((await as(supervisor, 'GET', `/api/v1/sla-policies/${policy.id}`)).json()).toMatchObject({ name: 'Gold', nextResponseS: 300 });
    const queueId = await createQueue('Gold queue');
    await admin('PATCH', `/api/v1/queues/${queueId}`, { slaPolicyId: policy.id });
    expect((await admin('DELETE', `/api/v1/sla-policies/${policy.id}`)).statusCode).toBe(409);
    await admin('PATCH', `/api/v1/queues/${queueId}`, { slaPolicyId: null });
    expect((await admin('DELETE', `/api/v1/sla-policies/${policy.id}`)).statusCode).toBe(204);
  });

  it('documents the routing routes in the OpenAPI description', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/docs/json' })).json();
    for (const path of ['/api/v1/queues/{id}', '/api/v1/queues/{id}/steps', '/api/v1/skills', '/api/v1/agents/{id}/capacity', '/api/v1/routing-rules/{id}', '/api/v1/business-hours', '/api/v1/sla-policies/{id}', '/api/v1/offers/{id}/accept', '/api/v1/conversations/{id}/transfer', '/api/v1/queues/{id}/stats']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
  });
});
