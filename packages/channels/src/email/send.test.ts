import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { PermanentError, RetryableError } from '@switchboard/errors';
import type { InboxContext } from '../contract.ts';
import { attachmentContents, parseEmail } from './parse.ts';
import { createEmailSender, replySubject, type EmailOutboundMessage } from './send.ts';
import { parseReplyAddress, threadDecision } from './threading.ts';

/** An outbound file over `bytes`, as egress hands it to a sender. */
const file = (bytes: Buffer) => ({ size: bytes.length, blobKey: 'f'.repeat(64), read: async () => bytes });


const inbox: InboxContext = {
  id: '0b6c8f5e-3f0a-4c57-9a52-6f1d2f3a4b5c', channel: 'email', config: { address: 'help@support.example', name: 'Acme Support' }, secrets: {},
};
const conversationId = '6bdc3f4d-0bec-4515-a284-5d916fdde489';
const received: Buffer[] = [];
let server: SMTPServer;
let port: number;
/** Recipients the fake relay answers with this code, to test classification end to end. */
const rejectWith = new Map<string, number>();

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, cb) {
      const code = rejectWith.get(address.address);
      if (!code) return cb();
      cb(Object.assign(new Error(`${code} rejected`), { responseCode: code }));
    },
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => { received.push(Buffer.concat(chunks)); cb(); });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const transport = () => nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
const send = createEmailSender({ transportFor: transport });
const reply = (over: Partial<EmailOutboundMessage> = {}): EmailOutboundMessage => ({
  messageId: 'm1', conversationId, recipientExternalId: 'ann@example.com', threadExternalId: '<root@mail.example>',
  replyToExternalId: '<last@mail.example>', references: ['<root@mail.example>', '<mid@mail.example>'],
  text: 'Hello Ann,\nplease restart the printer.', subject: 'AW: Re: Printer offline', ...over,
});

describe('createEmailSender against a local SMTP server', () => {
  it('sends a reply the customer’s client threads, and threads the customer’s answer back', async () => {
    const result = await send(reply(), inbox);
    const sent = await parseEmail(received.at(-1)!);
    // our id, not a random one: a send repeated after a crash is the same email to the client
    expect(result.externalMessageId).toBe('<m1@support.example>');
    expect(sent).toMatchObject({
      messageId: result.externalMessageId,
      inReplyTo: '<last@mail.example>',
      references: ['<root@mail.example>', '<mid@mail.example>', '<last@mail.example>'],
      subject: 'Re: Printer offline',
      from: { address: 'help@support.example', name: 'Acme Support' },
      to: ['ann@example.com'],
      text: 'Hello Ann,\nplease restart the printer.',
    });
    expect(sent.html).toBe('<div>Hello Ann,<br>please restart the printer.</div>');
    const replyTo = /^reply-to:\s*(.+)$/im.exec(received.at(-1)!.toString())?.[1]?.trim();
    expect(replyTo).toBe(`reply+${conversationId}@support.example`);

    // the customer answers from a client that keeps In-Reply-To
    const answer = await new Promise<Buffer>((resolve, reject) => {
      nodemailer.createTransport({ streamTransport: true, buffer: true }).sendMail({
        from: 'Ann <ann@example.com>', to: replyTo, subject: 'Re: Printer offline', text: 'Done, thanks',
        inReplyTo: result.externalMessageId, references: [...sent.references, result.externalMessageId],
      }, (error, info) => (error ? reject(error) : resolve(info.message as Buffer)));
    });
    const ours = new Map([[result.externalMessageId, { conversationId, participants: ['ann@example.com'] }]]);
    const decision = threadDecision(await parseEmail(answer), { byMessageId: (id) => ours.get(id) }, () => undefined);
    expect(decision).toEqual({ rule: 'in_reply_to', matchedHeader: 'In-Reply-To', conversationId });
    expect(parseReplyAddress(replyTo!)).toEqual({ token: conversationId, domain: 'support.example' });
  });

  it('a first message without a parent has no In-Reply-To', async () => {
    await send(reply({ replyToExternalId: null, references: [], threadExternalId: 'not-an-id', subject: null }), inbox);
    const sent = await parseEmail(received.at(-1)!);
    expect(sent.inReplyTo).toBeUndefined();
    expect(sent.references).toEqual([]);
    expect(sent.subject).toBe('Re: your message');
  });

  it('attaches the reply’s files with their names (non-ASCII too) and types; a files-only reply is sent', async () => {
    const pdf = Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj <<>> endobj\n%%EOF\n', 'latin1');
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    await send(reply({
      text: null,
      files: [
        { kind: 'document', fileName: 'Счёт №42.pdf', contentType: 'application/pdf', ...file(pdf) },
        { kind: 'image', fileName: 'screen.png', contentType: 'image/png', ...file(png) },
      ],
    }), inbox);
    const sent = await parseEmail(received.at(-1)!);
    expect(sent.attachments.map((a) => [a.filename, a.contentType, a.size])).toEqual([
      ['Счёт №42.pdf', 'application/pdf', pdf.length],
      ['screen.png', 'image/png', png.length],
    ]);
    expect(attachmentContents(sent)).toEqual([pdf, png]);
    expect(sent.inReplyTo).toBe('<last@mail.example>');
  });

  it('maps a 550 rejection to PermanentError and a 452 to RetryableError', async () => {
    rejectWith.set('gone@example.com', 550).set('full@example.com', 452);
    await expect(send(reply({ recipientExternalId: 'gone@example.com' }), inbox)).rejects.toBeInstanceOf(PermanentError);
    await expect(send(reply({ recipientExternalId: 'full@example.com' }), inbox)).rejects.toMatchObject({ code: 'smtp_452', retryable: true });
  });

  it('an unreachable relay is retryable; a missing address or body is permanent', async () => {
    const closed = createEmailSender({ transportFor: () => nodemailer.createTransport({ host: '127.0.0.1', port: 1, connectionTimeout: 2_000 }) });
    await expect(closed(reply(), inbox)).rejects.toBeInstanceOf(RetryableError);
    await expect(send(reply(), { ...inbox, config: {} })).rejects.toMatchObject({ code: 'channel_misconfigured' });
    await expect(send(reply({ text: null }), inbox)).rejects.toMatchObject({ code: 'empty_message' });
  });
});

describe('replySubject', () => {
  it.each([
    ['Printer offline', 'Re: Printer offline'],
    ['Re: Printer offline', 'Re: Printer offline'],
    ['RE: AW: Fwd: Printer offline', 'Re: Printer offline'],
    ['Re[2]: Printer', 'Re: Printer'],
    ['回复：打印机', 'Re: 打印机'],
    ['', 'Re: your message'],
  ])('%j → %j', (subject, expected) => {
    expect(replySubject(subject)).toBe(expected);
  });
});
