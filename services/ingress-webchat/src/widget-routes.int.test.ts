import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalBlobStore, type BlobStore } from '@switchboard/blob';
import { signUserId } from '@switchboard/channels';
import type { InboundEvent } from '@switchboard/contracts';
import { createInbox, createOutboundMessage, getConversation, recordInbound, withTransaction, type Inbox } from '@switchboard/db';
import { manualClock } from '@switchboard/routing';
import { jobIdFor } from '@switchboard/queue';
import { seedDesk } from '@switchboard/testkit';
import { startHarness, type Harness } from './test-harness.ts';

const IDENTITY_SECRET = 'site-identity-secret-0123456789';
// Monday 2026-01-05 10:00 UTC: inside Mon 09:00–17:00 Europe/London hours
const clock = manualClock(new Date('2026-01-05T10:00:00Z'));
let h: Harness;
let dir: string;
let blobs: BlobStore;
let inbox: Inbox;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-webchat-files-'));
  blobs = createLocalBlobStore({ dir, maxBytes: 64 * 1024 });
  h = await startHarness({ blobs, clock });
  inbox = await h.createWebchatInbox({ uploads: { maxBytes: 1024, allowedTypes: ['image/*', 'application/pdf'] } }, { secrets: { identitySecret: IDENTITY_SECRET } });
});
afterAll(async () => {
  await h.close();
  await rm(dir, { recursive: true, force: true });
});

async function session(inboxId = inbox.id, body: object = {}) {
  const res = await h.app.inject({ method: 'POST', url: `/webchat/${inboxId}/sessions`, payload: body });
  return res;
}
async function visitor(inboxId = inbox.id) {
  const res = await session(inboxId);
  expect(res.statusCode).toBe(201);
  return res.json() as { visitorId: string; token: string };
}
const post = (token: string, path: string, payload: object, inboxId = inbox.id) =>
  h.app.inject({ method: 'POST', url: `/webchat/${inboxId}/${path}`, payload, headers: { authorization: `Bearer ${token}` } });

async function multipart(file: { bytes: Buffer; fileName: string; type: string }) {
  const form = new FormData();
  form.append('file', new Blob([file.bytes], { type: file.type }), file.fileName);
  const encoded = new Response(form);
  return { payload: Buffer.from(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type')! };
}
async function upload(token: string, file: { bytes: Buffer; fileName: string; type: string }) {
  const { payload, contentType } = await multipart(file);
  return h.app.inject({ method: 'POST', url: `/webchat/${inbox.id}/uploads`, payload, headers: { authorization: `Bearer ${token}`, 'content-type': contentType } });
}
const job = async (inboxId: string, eventId: string) => (await h.inbound.getJob(jobIdFor(inboxId, eventId)))?.data as InboundEvent | undefined;
const queued = async (eventId: string, inboxId = inbox.id) => {
  const jobs = await h.inbound.getJobs(['waiting', 'delayed', 'active', 'completed']);
  return jobs.map((j) => j.data as InboundEvent).find((e) => e.eventId === eventId && e.inboxId === inboxId);
};

describe('settings', () => {
  it('is offline without an agent online, online with one, and offline outside business hours', async () => {
    const desk = await seedDesk(h.db.pool, { channel: 'webchat', agents: 1, online: false, box: h.secretBox });
    const settings = async () => (await h.app.inject({ method: 'GET', url: `/webchat/${desk.inbox.id}/settings` })).json();
    expect(await settings()).toMatchObject({ online: false, offlineReason: 'no_agents_online', callback: { enabled: true } });

    await h.db.pool.query(`update agent_presence set status = 'online' where agent_id = $1`, [desk.agents[0]!.id]);
    expect(await settings()).toMatchObject({ online: true, offlineReason: null });

    const { rows } = await h.db.pool.query(
      `insert into business_hours(name, time_zone, weekly) values ('office', 'Europe/London', '{"mon":[["09:00","17:00"]]}') returning id`,
    );
    await h.db.pool.query(`update queues set business_hours_id = $1 where id = $2`, [rows[0].id, desk.queue.id]);
    expect(await settings()).toMatchObject({ online: true });
    clock.set(new Date('2026-01-05T18:30:00Z'));
    expect(await settings()).toMatchObject({ online: false, offlineReason: 'outside_business_hours' });
    clock.set(new Date('2026-01-05T10:00:00Z'));
  });

  it('reports the inbox upload limits, capped by the blob store', async () => {
    const res = await h.app.inject({ method: 'GET', url: `/webchat/${inbox.id}/settings` });
    expect(res.json()).toMatchObject({ uploads: { maxBytes: 1024, allowedTypes: ['image/*', 'application/pdf'] } });
  });
});

describe('callback requests', () => {
  it('queues a callback_request that opens a conversation of kind callback on voice capacity', async () => {
    const desk = await seedDesk(h.db.pool, { channel: 'webchat', agents: 0, box: h.secretBox });
    const v = await visitor(desk.inbox.id);
    const form = { clientRequestId: 'cb1', name: 'Ada', phone: '+44 20 7946 0958', preferredTime: 'today after 6 pm' };
    const res = await post(v.token, 'callbacks', form, desk.inbox.id);
    expect(res.statusCode).toBe(202);
    expect((await post(v.token, 'callbacks', form, desk.inbox.id)).statusCode).toBe(202);
    const event = (await queued(`wc-cb-${v.visitorId}-cb1`, desk.inbox.id))!;
    expect(event).toMatchObject({ type: 'callback_request', sender: { externalId: v.visitorId, name: 'Ada', phone: '+44 20 7946 0958' }, callback: { phone: '+44 20 7946 0958', preferredTime: 'today after 6 pm' } });

    const stored = await withTransaction(h.db.pool, (tx) => recordInbound(tx, event));
    if (stored.kind !== 'stored') throw new Error(stored.kind);
    const conversation = await getConversation(h.db.pool, stored.conversationId);
    expect(conversation).toMatchObject({ kind: 'callback', callback: { phone: '+44 20 7946 0958', preferredTime: 'today after 6 pm' }, contact: { phone: '+44 20 7946 0958' } });
    const { rows } = await h.db.pool.query(`select capacity_channel from conversations where id = $1`, [stored.conversationId]);
    expect(rows[0].capacity_channel).toBe('voice');
  });

  it('names the bad field and refuses requests on an inbox without callbacks', async () => {
    const v = await visitor();
    const bad = await post(v.token, 'callbacks', { clientRequestId: 'cb2', name: 'Ada', phone: 'call me' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/^body\.phone/);
    const off = await h.createWebchatInbox({ callbacks: false });
    const w = await visitor(off.id);
    expect((await post(w.token, 'callbacks', { clientRequestId: 'cb3', name: 'Ada', phone: '+1 555 0100' }, off.id)).json().error.code).toBe('callbacks_disabled');
  });
});

describe('offline form', () => {
  it('opens the conversation in the linked email inbox when the customer leaves an email', async () => {
    const email = await createInbox(h.db.pool, h.secretBox, {
      channel: 'email', name: 'mail', config: { address: 'support@shop.example', imap: { host: '127.0.0.1', port: 143, secure: false, user: 'support@shop.example' } },
      secrets: { imapPassword: 'x' }, defaultQueueId: null,
    });
    const linked = await h.createWebchatInbox({ offlineEmailInboxId: email.id });
    const v = await visitor(linked.id);
    const res = await post(v.token, 'offline', { clientMessageId: 'o1', name: 'Ada', email: 'Ada@Example.com', message: 'Do you ship to Norway?' }, linked.id);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ answeredBy: 'email' });
    const event = (await queued(`wc-off-${v.visitorId}-o1`, email.id))!;
    expect(event).toMatchObject({ channel: 'email', type: 'message', sender: { externalId: 'ada@example.com', email: 'Ada@Example.com', name: 'Ada' }, content: { text: 'Do you ship to Norway?' } });
    expect(event.externalMessageId).not.toMatch(/^</);
  });

  it('with only a phone number and a linked SMS inbox, opens the conversation there, addressed to the number', async () => {
    const sms = await createInbox(h.db.pool, h.secretBox, { channel: 'sms', name: 'sms', config: { provider: 'gateway', sendUrl: 'http://127.0.0.1:9/send' }, secrets: { signingSecret: 'x'.repeat(32) }, defaultQueueId: null });
    const linked = await h.createWebchatInbox({ offlineSmsInboxId: sms.id });
    const v = await visitor(linked.id);
    const res = await post(v.token, 'offline', { clientMessageId: 'o4', name: 'Cy', phone: '+44 (20) 7946-0958', message: 'Call or text me' }, linked.id);
    expect(res.json()).toMatchObject({ answeredBy: 'sms' });
    const event = (await queued(`wc-off-${v.visitorId}-o4`, sms.id))!;
    expect(event).toMatchObject({ channel: 'sms', thread: { externalId: '+442079460958' }, sender: { externalId: '+442079460958', name: 'Cy', phone: '+442079460958' }, content: { text: 'Call or text me' } });
  });

  it('without a linked email inbox it is a web-chat message keeping the phone; email or phone is required', async () => {
    const v = await visitor();
    const res = await post(v.token, 'offline', { clientMessageId: 'o2', name: 'Bo', phone: '+49 30 901820', message: 'Call me about my order' });
    expect(res.json()).toMatchObject({ answeredBy: 'chat' });
    expect(await queued(`wc-${v.visitorId}-o2`)).toMatchObject({ channel: 'webchat', sender: { phone: '+49 30 901820', name: 'Bo' } });
    const neither = await post(v.token, 'offline', { clientMessageId: 'o3', name: 'Bo', message: 'hi' });
    expect(neither.statusCode).toBe(400);
    expect(neither.json().error.message).toMatch(/^body\.email: email or phone is required/);
  });
});

describe('visitor files', () => {
  const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

  it('uploads a file, sends it in a message, and lets only this visitor download it', async () => {
    const v = await visitor();
    const up = await upload(v.token, { bytes: PNG, fileName: 'screen.png', type: 'image/png' });
    expect(up.statusCode).toBe(201);
    const { uploadToken, size } = up.json();
    expect(size).toBe(PNG.length);
    expect((await post(v.token, 'messages', { clientMessageId: 'f1', attachments: [uploadToken] })).statusCode).toBe(202);
    const event = (await job(inbox.id, `wc-${v.visitorId}-f1`))!;
    expect(event.content.attachments).toEqual([expect.objectContaining({ kind: 'image', fileName: 'screen.png', mimeType: 'image/png', size: PNG.length })]);
    await withTransaction(h.db.pool, (tx) => recordInbound(tx, event));

    const key = event.content.attachments[0]!.externalId!.slice('blob:'.length);
    const mine = await h.app.inject({ method: 'GET', url: `/webchat/${inbox.id}/files/${key}?token=${v.token}` });
    expect(mine.statusCode).toBe(200);
    expect(mine.rawPayload.equals(PNG)).toBe(true);
    expect(mine.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    const other = await visitor();
    expect((await h.app.inject({ method: 'GET', url: `/webchat/${inbox.id}/files/${key}?token=${other.token}` })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: `/webchat/${inbox.id}/files/${key}` })).statusCode).toBe(401);

    const history = await h.app.inject({ method: 'GET', url: `/webchat/${inbox.id}/messages`, headers: { authorization: `Bearer ${v.token}` } });
    expect(history.json().items[0].attachments).toEqual([{ fileName: 'screen.png', contentType: 'image/png', size: PNG.length, url: `/webchat/${inbox.id}/files/${key}` }]);
  });

  it('refuses a file over the inbox limit (413), a type not allowed (415), and another visitor’s upload token (400)', async () => {
    const v = await visitor();
    expect((await upload(v.token, { bytes: Buffer.alloc(2048, 1), fileName: 'big.png', type: 'image/png' })).statusCode).toBe(413);
    const exe = await upload(v.token, { bytes: Buffer.from('MZ'), fileName: 'setup.exe', type: 'application/x-msdownload' });
    expect(exe.statusCode).toBe(415);
    expect(exe.json().error.code).toBe('file_type_not_allowed');
    const theirs = (await upload(v.token, { bytes: PNG, fileName: 'a.png', type: 'image/png' })).json().uploadToken;
    const thief = await visitor();
    const res = await post(thief.token, 'messages', { clientMessageId: 'f2', attachments: [theirs] });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/^body\.attachments\.0/);
    expect(await job(inbox.id, `wc-${thief.visitorId}-f2`)).toBeUndefined();
  });

  it('shows an agent’s file to the visitor in the history, downloadable with their token', async () => {
    const v = await visitor();
    await post(v.token, 'messages', { clientMessageId: 'f3', text: 'send me the manual' });
    const stored = await withTransaction(h.db.pool, async (tx) => recordInbound(tx, (await job(inbox.id, `wc-${v.visitorId}-f3`))!));
    if (stored.kind !== 'stored') throw new Error(stored.kind);
    const pdf = await blobs.put(Buffer.from('%PDF-1.4\n%%EOF\n'), { contentType: 'application/pdf', fileName: 'manual.pdf' });
    await withTransaction(h.db.pool, (tx) => createOutboundMessage(tx, {
      conversationId: stored.conversationId, inboxId: inbox.id, agentId: null, text: 'Here it is', isPrivate: false,
      attachments: [{ kind: 'document', externalId: `blob:${pdf.key}`, mimeType: 'application/pdf', fileName: 'manual.pdf', size: pdf.size }],
    }));
    const history = (await h.app.inject({ method: 'GET', url: `/webchat/${inbox.id}/messages`, headers: { authorization: `Bearer ${v.token}` } })).json();
    const reply = history.items.find((m: { direction: string }) => m.direction === 'out');
    expect(reply.attachments).toEqual([{ fileName: 'manual.pdf', contentType: 'application/pdf', size: pdf.size, url: `/webchat/${inbox.id}/files/${pdf.key}` }]);
    expect((await h.app.inject({ method: 'GET', url: `${reply.attachments[0].url}?token=${v.token}` })).statusCode).toBe(200);
  });
});

describe('identity of signed-in users', () => {
  const identity = (userId: string, signature = signUserId(userId, IDENTITY_SECRET)) => ({ identity: { userId, signature, name: 'Ada' } });

  it('gives the same visitor on every device for a correctly signed user id', async () => {
    const laptop = await session(inbox.id, identity('customer-42'));
    const phone = await session(inbox.id, identity('customer-42'));
    expect(laptop.statusCode).toBe(201);
    expect(laptop.json().visitorId).toBe(phone.json().visitorId);
    expect(laptop.json().visitorId).toMatch(/^u-[A-Za-z0-9_-]{43}$/);
    expect(laptop.json().visitorId).not.toContain('customer-42');
    expect((await session(inbox.id, identity('customer-43'))).json().visitorId).not.toBe(laptop.json().visitorId);
  });

  it('refuses a forged signature (401) and identities on an inbox without a secret (400)', async () => {
    const forged = await session(inbox.id, identity('customer-42', signUserId('customer-42', 'a-guess-at-the-secret-000')));
    expect(forged.statusCode).toBe(401);
    expect(forged.json().error.code).toBe('identity_invalid');
    const plain = await h.createWebchatInbox();
    const unsigned = await session(plain.id, identity('customer-42'));
    expect(unsigned.statusCode).toBe(400);
    expect(unsigned.json().error.code).toBe('identity_not_enabled');
  });
});
