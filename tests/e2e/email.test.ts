import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmailPollers, type EmailPollers } from '@switchboard/ingress-email';
import { ImapFlow } from 'imapflow';
import { attachmentContents, parseEmail } from '@switchboard/channels';
import { silentLogger } from '@switchboard/log';
import { createRedis } from '@switchboard/queue';
import { appendMail, composeMail, fixtureText, startDovecot, startSmtpCapture, testRedisUrl, waitFor, type SmtpCapture, type TestDovecot } from '@switchboard/testkit';
import { ADMIN_TOKEN, apiClient, setUpDesk, startStack, type ApiClient, type Stack } from '../support/stack.ts';

const CUSTOMER_MAIL = fixtureText('email/reply_in_reply_to_references.eml'); // from xxxxxxxx@xxx.org, "Message body"
const CUSTOMER_ID = '<473FFE27.20003@xxx.org>';

let stack: Stack;
let dovecot: TestDovecot;
let smtp: SmtpCapture;
let pollers: EmailPollers;
let agent: ApiClient;
const redis = createRedis(testRedisUrl(), 'producer');

beforeAll(async () => {
  [stack, dovecot, smtp] = await Promise.all([startStack(), startDovecot(), startSmtpCapture()]);
  const desk = await setUpDesk(stack, { agents: 1, capacity: 3 });
  agent = desk.agents[0]!.client;
  const inbox = await apiClient(stack.urls.api, ADMIN_TOKEN).post('/api/v1/inboxes', {
    channel: 'email',
    name: 'Support mail',
    defaultQueueId: desk.queueId,
    config: {
      address: 'support@shop.example',
      name: 'Shop Support',
      imap: { host: dovecot.host, port: dovecot.port, secure: false, user: dovecot.user },
      smtp: { host: smtp.host, port: smtp.port, secure: false },
    },
    secrets: { imapPassword: dovecot.password },
  });
  expect(inbox.status).toBe(201);
  pollers = startEmailPollers({
    pool: stack.pool, redis, producer: stack.producer, inboxes: stack.inboxes, logger: silentLogger(),
    refreshMs: 500, pollIntervalMs: 1_000, idleDelayMs: 200, retryMs: 500,
  });
}, 60_000);
afterAll(async () => {
  await pollers?.close();
  redis.disconnect();
  await Promise.all([stack?.close(), dovecot?.stop(), smtp?.close()]);
});

const messagesOf = async (conversationId: string) => (await agent.get(`/api/v1/conversations/${conversationId}/messages`)).body.items as { id: string; direction: string; text: string; status: string; externalId: string }[];

describe('an email conversation through the whole system', () => {
  let conversationId: string;
  let ourMessageId: string;

  it('turns a mail in the mailbox into a conversation the agent sees', async () => {
    await appendMail(dovecot, CUSTOMER_MAIL);
    const list = await waitFor(
      async () => {
        const r = await agent.get('/api/v1/conversations?assignee=me');
        return r.body.items.length === 1 && r.body;
      },
      { what: 'the email conversation to be assigned to the agent', timeoutMs: 20_000 },
    );
    conversationId = list.items[0].id;
    expect(list.items[0]).toMatchObject({ channel: 'email', status: 'open' });
    expect(await messagesOf(conversationId)).toEqual([expect.objectContaining({ direction: 'in', text: 'Message body', externalId: CUSTOMER_ID })]);
  }, 30_000);

  it("sends the agent's reply threaded under the customer's mail", async () => {
    const reply = await agent.post(`/api/v1/conversations/${conversationId}/messages`, { text: 'Hi! How can we help?' });
    expect(reply.status).toBe(201);
    const mail = await smtp.waitForMail();
    expect(mail.to).toEqual(['xxxxxxxx@xxx.org']);
    expect(mail.header('in-reply-to')).toBe(CUSTOMER_ID);
    expect(mail.header('references')!.split(/\s+/).at(-1)).toBe(CUSTOMER_ID);
    expect(mail.header('reply-to')).toBe(`reply+${conversationId}@shop.example`);
    expect(mail.header('subject')).toBe('Re: Test reply email');
    ourMessageId = mail.header('message-id')!;
    expect(ourMessageId).toMatch(/^<[0-9a-f-]+@shop\.example>$/);
    const sent = await waitFor(
      async () => (await messagesOf(conversationId)).find((m) => m.id === reply.body.id && m.status === 'sent'),
      { what: 'the reply to be marked sent' },
    );
    expect(sent.externalId).toBe(ourMessageId);
  }, 30_000);

  it('sends the files an agent uploaded as attachments of the reply', async () => {
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n');
    const upload = await agent.upload(`/api/v1/conversations/${conversationId}/attachments`, { bytes: pdf, fileName: 'Счёт №7.pdf', type: 'application/pdf' });
    expect(upload.status).toBe(201);
    const reply = await agent.post(`/api/v1/conversations/${conversationId}/messages`, { text: 'The invoice is attached.', attachments: [upload.body.id] });
    expect(reply.status).toBe(201);
    const mail = await smtp.waitForMail((m) => m.raw.includes('The invoice is attached.'));
    const parsed = await parseEmail(mail.raw);
    expect(parsed.attachments).toEqual([expect.objectContaining({ filename: 'Счёт №7.pdf', contentType: 'application/pdf', size: pdf.length })]);
    expect(attachmentContents(parsed)[0]!.equals(pdf)).toBe(true);
    expect(parsed.inReplyTo).toBe(CUSTOMER_ID);
    await waitFor(
      async () => (await messagesOf(conversationId)).find((m) => m.id === reply.body.id && m.status === 'sent'),
      { what: 'the reply with a file to be marked sent' },
    );
  });

  it("threads the customer's answer to our reply into the same conversation", async () => {
    const answer = await composeMail({
      from: 'Testing <xxxxxxxx@xxx.org>',
      to: `reply+${conversationId}@shop.example`,
      subject: 'Re: Test reply email',
      inReplyTo: ourMessageId,
      references: [ourMessageId],
      text: 'Thanks, it works now.',
    });
    await appendMail(dovecot, answer);
    const items = await waitFor(
      async () => {
        const all = await messagesOf(conversationId);
        return all.some((m) => m.text === 'Thanks, it works now.') && all;
      },
      { what: "the customer's answer in the same conversation", timeoutMs: 20_000 },
    );
    expect(items.map((m) => m.direction)).toEqual(['in', 'out', 'out', 'in']);
    expect((await agent.get('/api/v1/conversations?assignee=me')).body.items).toHaveLength(1);
  }, 30_000);

  it('follows an admin changing the folder to poll, without a restart', async () => {
    const imap = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: dovecot.password }, logger: false });
    await imap.connect();
    await imap.mailboxCreate('Support');
    await imap.logout();
    const elsewhere = await composeMail({ from: 'Second Customer <second@example.org>', to: 'support@shop.example', subject: 'Where is my parcel?', text: 'It has not arrived.' });
    await appendMail(dovecot, elsewhere, 'Support');

    await stack.pool.query(`update inboxes set config = jsonb_set(config, '{imap,folder}', '"Support"') where channel = 'email'`);
    const conversation = await waitFor(
      async () => {
        const items = (await agent.get('/api/v1/conversations?assignee=me')).body.items as { id: string; contact: { email: string | null } }[];
        return items.find((c) => c.contact.email === 'second@example.org');
      },
      { what: 'the mail in the newly configured folder to become a conversation', timeoutMs: 20_000 },
    );
    expect((await messagesOf(conversation.id)).map((m) => m.text)).toEqual(['It has not arrived.']);
  }, 30_000);
});

