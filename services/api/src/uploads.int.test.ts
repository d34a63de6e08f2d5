import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalBlobStore } from '@switchboard/blob';
import { recordInbound, withTransaction } from '@switchboard/db';
import { inboundText, seedDesk } from '@switchboard/testkit';
import { channelRefusal } from './routes/messages.ts';
import { ADMIN_TOKEN, callers, fieldOf, receiveTelegramMessage, startTestApi, waitingJobs, type TestApi } from './testing.ts';

const MAX_BYTES = 4096;
let api: TestApi;
let dir: string;
let telegramConversation: string;
let otherConversation: string;
let webchatConversation: string;
const { admin } = callers(() => api);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-uploads-'));
  api = await startTestApi({ blobs: createLocalBlobStore({ dir, maxBytes: MAX_BYTES }) });
  const telegram = await seedDesk(api.pool, { agents: 0 });
  telegramConversation = await receiveTelegramMessage(api.pool, telegram.inbox.id, '5001');
  otherConversation = await receiveTelegramMessage(api.pool, telegram.inbox.id, '5002');
  const webchat = await seedDesk(api.pool, { channel: 'webchat', agents: 0 });
  const stored = await withTransaction(api.pool, (tx) =>
    recordInbound(tx, inboundText(webchat.inbox.id, { from: 'visitor-1', text: 'hi', channel: 'webchat' })),
  );
  if (stored.kind !== 'stored') throw new Error(stored.kind);
  webchatConversation = stored.conversationId;
});
afterAll(async () => {
  await api?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A real multipart/form-data body, encoded by the platform's own FormData. */
async function multipart(parts: { name: string; bytes?: Buffer; fileName?: string; type?: string; value?: string }[]) {
  const form = new FormData();
  for (const p of parts) {
    if (p.bytes) form.append(p.name, new Blob([p.bytes], { type: p.type ?? '' }), p.fileName);
    else form.append(p.name, p.value ?? '');
  }
  const encoded = new Response(form);
  return { payload: Buffer.from(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type')! };
}

async function upload(conversationId: string, file: { bytes: Buffer; fileName: string; type: string }) {
  const { payload, contentType } = await multipart([{ name: 'file', ...file }]);
  return api.call(ADMIN_TOKEN, {
    method: 'POST',
    url: `/api/v1/conversations/${conversationId}/attachments`,
    payload,
    headers: { 'content-type': contentType },
  });
}

const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n');
const countUploads = async () => Number((await api.pool.query('select count(*) from uploads')).rows[0].count);

describe('uploading a file to a conversation', () => {
  it('stores the bytes and answers with an upload id, a plain file name and the content address', async () => {
    const res = await upload(telegramConversation, { bytes: PDF, fileName: '../../etc/Счёт №42.pdf', type: 'application/pdf' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({
      id: expect.any(String),
      conversationId: telegramConversation,
      fileName: 'Счёт №42.pdf',
      contentType: 'application/pdf',
      size: PDF.length,
      sha256: createHash('sha256').update(PDF).digest('hex'),
      createdAt: expect.any(String),
    });
  });

  it('refuses a file over the blob store limit with 413 and stores nothing', async () => {
    const before = await countUploads();
    const res = await upload(telegramConversation, { bytes: Buffer.alloc(MAX_BYTES + 1, 7), fileName: 'big.bin', type: 'application/octet-stream' });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('payload_too_large');
    expect(await countUploads()).toBe(before);
  });

  it('answers 415 for a JSON body, 400 naming body.file without a file part, 404 for an unknown conversation', async () => {
    const json = await admin('POST', `/api/v1/conversations/${telegramConversation}/attachments`, { file: 'x' });
    expect(json.statusCode).toBe(415);
    const { payload, contentType } = await multipart([{ name: 'note', value: 'no file here' }]);
    const empty = await api.call(ADMIN_TOKEN, {
      method: 'POST', url: `/api/v1/conversations/${telegramConversation}/attachments`, payload, headers: { 'content-type': contentType },
    });
    expect(empty.statusCode).toBe(400);
    expect(fieldOf(empty)).toBe('body.file');
    const unknown = await upload('00000000-0000-4000-8000-000000000000', { bytes: PDF, fileName: 'a.pdf', type: 'application/pdf' });
    expect(unknown.statusCode).toBe(404);
  });

  it('falls back to application/octet-stream for a nonsense content type', async () => {
    const res = await upload(telegramConversation, { bytes: Buffer.from('x'), fileName: 'x', type: 'not a type' });
    expect(res.statusCode).toBe(201);
    expect(res.json().contentType).toBe('application/octet-stream');
  });
});

describe('a reply carrying uploads', () => {
  it('stores the files on the message, queues it for delivery, and serves them for download', async () => {
    const pdf = (await upload(telegramConversation, { bytes: PDF, fileName: 'invoice.pdf', type: 'application/pdf' })).json();
    const png = (await upload(telegramConversation, { bytes: Buffer.from('89504e47', 'hex'), fileName: 'shot.png', type: 'image/png' })).json();
    const res = await admin('POST', `/api/v1/conversations/${telegramConversation}/messages`, { text: 'Your invoice', attachments: [pdf.id, png.id] });
    expect(res.statusCode).toBe(201);
    const message = res.json();
    expect(message.status).toBe('queued');
    expect(message.attachments).toEqual([
      { kind: 'document', externalId: `blob:${pdf.sha256}`, mimeType: 'application/pdf', fileName: 'invoice.pdf', size: PDF.length },
      { kind: 'image', externalId: `blob:${png.sha256}`, mimeType: 'image/png', fileName: 'shot.png', size: 4 },
    ]);
    const jobs = await waitingJobs(api.prefix, 'outbound-telegram');
    expect(jobs.map((j) => j.data)).toContainEqual({ messageId: message.id, channel: 'telegram' });
    const download = await admin('GET', `/api/v1/conversations/${telegramConversation}/attachments/${pdf.sha256}`);
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(PDF)).toBe(true);
    expect(download.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
  });

  it('sends files without text', async () => {
    const pdf = (await upload(telegramConversation, { bytes: PDF, fileName: 'only.pdf', type: 'application/pdf' })).json();
    const res = await admin('POST', `/api/v1/conversations/${telegramConversation}/messages`, { attachments: [pdf.id] });
    expect(res.statusCode).toBe(201);
    expect(res.json().text).toBeNull();
  });

  it('refuses an upload of another conversation, naming the field, and stores no message', async () => {
    const foreign = (await upload(otherConversation, { bytes: PDF, fileName: 'a.pdf', type: 'application/pdf' })).json();
    const own = (await upload(telegramConversation, { bytes: PDF, fileName: 'b.pdf', type: 'application/pdf' })).json();
    const res = await admin('POST', `/api/v1/conversations/${telegramConversation}/messages`, { text: 'x', attachments: [own.id, foreign.id] });
    expect(res.statusCode).toBe(400);
    expect(fieldOf(res)).toBe('body.attachments.1');
    const { rows } = await api.pool.query(`select count(*)::int as n from messages where conversation_id = $1 and text = 'x'`, [telegramConversation]);
    expect(rows[0].n).toBe(0);
  });

  it('needs text or files, and no upload twice', async () => {
    const none = await admin('POST', `/api/v1/conversations/${telegramConversation}/messages`, { attachments: [] });
    expect(none.statusCode).toBe(400);
    expect(fieldOf(none)).toBe('body.text');
    const id = (await upload(telegramConversation, { bytes: PDF, fileName: 'c.pdf', type: 'application/pdf' })).json().id;
    const twice = await admin('POST', `/api/v1/conversations/${telegramConversation}/messages`, { attachments: [id, id] });
    expect(twice.statusCode).toBe(400);
    expect(fieldOf(twice)).toBe('body.attachments');
  });

  it('lets a web-chat reply and a private note carry files', async () => {
    const id = (await upload(webchatConversation, { bytes: PDF, fileName: 'd.pdf', type: 'application/pdf' })).json().id;
    const res = await admin('POST', `/api/v1/conversations/${webchatConversation}/messages`, { text: 'see file', attachments: [id] });
    expect(res.statusCode).toBe(201);
    const note = await admin('POST', `/api/v1/conversations/${webchatConversation}/messages`, { text: 'for the team', attachments: [id], private: true });
    expect(note.statusCode).toBe(201);
    expect(note.json().attachments).toHaveLength(1);
  });
});

describe('channelRefusal', () => {
  const file = (size: number) => ({ fileName: 'f.bin', size });
  const media = { media: true, maxAttachmentBytes: 100, maxAttachmentTotalBytes: 150 };
  it('refuses files on a channel without media, a file over its limit, and files over its total', () => {
    expect(channelRefusal('sms', { ...media, media: false }, [file(1)])?.code).toBe('channel_cannot_send_attachments');
    expect(channelRefusal('x', media, [file(101)])?.code).toBe('attachment_too_large_for_channel');
    expect(channelRefusal('x', media, [file(100), file(60)])?.message).toBe('the files add up to 160 bytes; x takes at most 150 per reply');
  });
  it('accepts files within the limits, and no files anywhere', () => {
    expect(channelRefusal('x', media, [file(100), file(50)])).toBeUndefined();
    expect(channelRefusal('sms', { ...media, media: false }, [])).toBeUndefined();
  });
});
