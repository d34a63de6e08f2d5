import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { isDatabaseReady } from '@switchboard/db';
import { silentLogger } from '@switchboard/log';
import { buildApi } from './app.ts';
import { ADMIN_TOKEN, PUBLIC_URLS, receiveTelegramMessage, startTestApi, type TestApi } from './testing.ts';
import { openSse } from './testing-sse.ts';

/** Two API replicas on one database: a stream on either sees what happened through the other, and resumes on the other. */

let api: TestApi;
let second: FastifyInstance;
let urlA: string;
let urlB: string;
let inboxId: string;

const listen = async (app: FastifyInstance) => {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1`;
};

beforeAll(async () => {
  api = await startTestApi();
  second = await buildApi({
    pool: api.pool, producer: api.producer, secretBox: api.secretBox, logger: silentLogger(), adminToken: ADMIN_TOKEN,
    publicUrls: PUBLIC_URLS, readiness: { database: () => isDatabaseReady(api.pool) },
  });
  urlA = await listen(api.app);
  urlB = await listen(second);
  const queue = (await api.call(ADMIN_TOKEN, { method: 'POST', url: '/api/v1/queues', payload: { name: 'Replicas', memberIds: [] } })).json();
  inboxId = (await api.call(ADMIN_TOKEN, { method: 'POST', url: '/api/v1/inboxes', payload: { channel: 'telegram', name: 'Bot', defaultQueueId: queue.id, secrets: { botToken: '1:replica' } } })).json().id;
});
afterAll(async () => {
  await second?.close();
  await api?.close();
});

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('the event stream with two API replicas', () => {
  it('delivers on replica B what was written through replica A, and resumes on A after a disconnect from B', async () => {
    const onB = await openSse(`${urlB}/events?types=message.created`, auth);
    const first = await receiveTelegramMessage(api.pool, inboxId, 'replica-1', 'one');
    // written through replica A's API
    const noteA = await api.call(ADMIN_TOKEN, { method: 'POST', url: `/api/v1/conversations/${first}/messages`, payload: { text: 'note via A', private: true } });
    expect(noteA.statusCode).toBe(201);
    const seen = await onB.until((m) => m.data.conversationId === first && m.data.payload.message !== undefined);
    const lastSeen = seen.at(-1)!.id;
    onB.close();

    // while nobody listens: two more events
    const second = await receiveTelegramMessage(api.pool, inboxId, 'replica-2', 'two');
    await api.call(ADMIN_TOKEN, { method: 'POST', url: `/api/v1/conversations/${second}/messages`, payload: { text: 'note 2', private: true } });

    const onA = await openSse(`${urlA}/events?types=message.created`, { ...auth, 'last-event-id': lastSeen });
    const resumed = await onA.until((m) => m.data.conversationId === second && m.data.payload.message !== undefined);
    onA.close();
    const missed = (await api.pool.query<{ id: string }>(
      `select id from events where type = 'message.created' and id > $1 and id <= $2 order by id`,
      [lastSeen, resumed.at(-1)!.id],
    )).rows.map((r) => r.id);
    expect(resumed.map((m) => m.id)).toEqual(missed);
    expect(new Set(resumed.map((m) => m.id)).size).toBe(resumed.length);
  });
});
