import type { AddressInfo } from 'node:net';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { SMTPServer } from 'smtp-server';
import type { TestDovecot } from './dovecot.ts';
import { waitFor } from './wait.ts';

export interface CapturedMail {
  from: string | undefined;
  to: string[];
  raw: Buffer;
  /** Lower-cased header name → its first unfolded value. */
  header(name: string): string | undefined;
}

/** A local SMTP server that accepts any login and keeps every mail, as a customer's MX would. */
export interface SmtpCapture {
  host: string;
  port: number;
  mails: CapturedMail[];
  waitForMail(match?: (m: CapturedMail) => boolean): Promise<CapturedMail>;
  close(): Promise<void>;
}

function headerOf(raw: Buffer) {
  const head = raw.toString('utf8').split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  return (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head)?.[1]?.trim();
}

export async function startSmtpCapture(): Promise<SmtpCapture> {
  const mails: CapturedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    onAuth: (_auth, _session, cb) => cb(null, { user: 'test' }),
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const from = session.envelope.mailFrom;
        mails.push({ from: from ? from.address : undefined, to: session.envelope.rcptTo.map((r) => r.address), raw, header: headerOf(raw) });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    mails,
    waitForMail: (match = () => true) => waitFor(() => mails.find(match), { what: 'a mail at the local SMTP server' }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An RFC 5322 message as a customer's mail client would write it. */
export function composeMail(options: Mail.Options): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}

/** Delivers a raw mail into the test mailbox with IMAP APPEND. */
export async function appendMail(dovecot: TestDovecot, raw: Buffer | string, folder = 'INBOX'): Promise<void> {
  const imap = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: dovecot.password }, logger: false });
  await imap.connect();
  try {
    await imap.append(folder, raw);
  } finally {
    await imap.logout().catch(() => imap.close());
  }
}

/**
 * Sends a raw mail with nodemailer as a forwarding MTA would (plain SMTP, optional AUTH).
 * Resolves to the server's final reply code, or rejects with nodemailer's error, whose
 * `responseCode` carries the SMTP code that refused it.
 */
export async function sendSmtp(
  target: { host: string; port: number; auth?: { user: string; pass: string } },
  envelope: { from: string; to: string[] },
  raw: Buffer | string,
): Promise<{ response: string }> {
  const transport = nodemailer.createTransport({ host: target.host, port: target.port, secure: false, ignoreTLS: true, ...(target.auth ? { auth: target.auth } : {}) });
  try {
    const info = await transport.sendMail({ envelope, raw });
    return { response: info.response };
  } finally {
    transport.close();
  }
}
