import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '@switchboard/api';
import { createLocalBlobStore, type BlobStore } from '@switchboard/blob';
import type { InboundEvent } from '@switchboard/contracts';
import { createSecretBox, recordInbound } from '@switchboard/db';
import { acceptMail, type AcceptMailDeps } from '@switchboard/ingress-email';
import { silentLogger } from '@switchboard/log';
import type { Producer } from '@switchboard/queue';
import { composeMail, createTestDatabase, fixtureText, seedDesk, type TestDatabase } from '@switchboard/testkit';

const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
const CONFIG = {
  address: 'support@shop.example',
  imap: { host: '127.0.0.1', port: 143, secure: false, user: 'support@shop.example' },
  smtp: { host: '127.0.0.1', port: 25, secure: false },
};
// a 1x1 transparent PNG
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

let db: TestDatabase;
let dir: string;
let blobs: BlobStore;
let api: FastifyInstance;
let inbox: { id: string; channel: 'email'; config: unknown; secrets: unknown };
const queued: InboundEvent[] = [];
let deps: AcceptMailDeps;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'sb-blobs-'));
  blobs = createLocalBlobStore({ dir, maxBytes: 1024 });
  const desk = await seedDesk(db.pool, { channel: 'email', agents: 0, config: CONFIG, secrets: { imapPassword: 'x' } });
  inbox = { id: desk.inbox.id, channel: 'email', config: CONFIG, secrets: { imapPassword: 'x' } };
  const producer: Producer = { add: async (_name, data) => { queued.push(data as InboundEvent); }, close: async () => {} };
  deps = { pool: db.pool, producer, logger: silentLogger(), blobs };
  api = await buildApi({
    pool: db.pool, producer, blobs, secretBox: createSecretBox(Buffer.alloc(32, 1)), logger: silentLogger(), adminToken: ADMIN_TOKEN,
    publicUrls: { telegramWebhookBase: 'https://hooks.example.test/', webchatBase: 'https://chat.example.test' },
    readiness: { database: async () => true, redis: async () => true },
  });
});
afterAll(async () => {
  await api.close();
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

/** acceptMail, then store the queued event as the router would; returns the conversation and its attachments. */
async function receive(raw: Buffer) {
  expect(await acceptMail(deps, inbox, raw)).toMatchObject({ kind: 'queued' });
  const event = queued.at(-1)!;
  const stored = await recordInbound(db.pool, event);
  if (stored.kind !== 'stored') throw new Error(`not stored: ${stored.kind}`);
  return { conversationId: stored.conversationId, attachments: event.content.attachments };
}

const download = (conversationId: string, key: string) =>
  api.inject({ method: 'GET', url: `/api/v1/conversations/${conversationId}/attachments/${key}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

describe('email attachments in the blob store', () => {
  it('stores a non-ASCII-named attachment and serves the same bytes with an RFC 8187 filename', async () => {
    const { conversationId, attachments } = await receive(Buffer.from(fixtureText('email/attachment_nonascii_filename.eml')));
    expect(attachments).toHaveLength(1);
    const [file] = attachments;
    expect(file).toMatchObject({ fileName: 'ciële.txt', mimeType: 'text/plain', externalId: expect.stringMatching(/^blob:[0-9a-f]{64}$/) });
    const key = file!.externalId!.slice('blob:'.length);
    const res = await download(conversationId, key);
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.toString('utf8')).toMatch(/^Hi there\.\r?\n?$/);
    expect(res.rawPayload.length).toBe(file!.size);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="ci_le.txt"; filename*=UTF-8''ci%C3%ABle.txt`);
  });

  it('stores an inline cid image and keeps its contentId for the HTML', async () => {
    const raw = await composeMail({
      from: 'ann@customer.example', to: 'support@shop.example', subject: 'screenshot', messageId: '<inline-1@customer.example>',
      html: '<p>see <img src="cid:shot@customer.example"></p>',
      attachments: [{ filename: 'shot.png', content: PNG, contentType: 'image/png', cid: 'shot@customer.example' }],
    });
    const { conversationId, attachments } = await receive(raw);
    expect(attachments).toEqual([expect.objectContaining({ kind: 'image', contentId: 'shot@customer.example', externalId: expect.stringMatching(/^blob:/), size: PNG.length })]);
    const res = await download(conversationId, attachments[0]!.externalId!.slice('blob:'.length));
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(PNG)).toBe(true);
    expect(res.headers['content-type']).toBe('image/png');
  });

  it('keeps an attachment over the limit as metadata with a note, and still accepts the mail', async () => {
    const big = Buffer.alloc(2048, 'a');
    const raw = await composeMail({
      from: 'bob@customer.example', to: 'support@shop.example', subject: 'logs', messageId: '<big-1@customer.example>',
      text: 'logs attached', attachments: [{ filename: 'huge.log', content: big, contentType: 'text/plain' }],
    });
    const { attachments } = await receive(raw);
    expect(attachments).toEqual([expect.objectContaining({ fileName: 'huge.log', size: big.length, note: 'attachment_too_large' })]);
    expect(attachments[0]!.externalId).toBeUndefined();
  });

  it('answers 404 for a stored blob no message of the conversation references', async () => {
    const { conversationId } = await receive(await composeMail({ from: 'cy@customer.example', to: 'support@shop.example', subject: 'hi', messageId: '<plain-1@customer.example>', text: 'hi' }));
    const other = await blobs.put(Buffer.from('someone else'), { contentType: 'text/plain' });
    expect((await download(conversationId, other.key)).statusCode).toBe(404);
    expect((await download(conversationId, 'f'.repeat(64))).statusCode).toBe(404);
  });
});
