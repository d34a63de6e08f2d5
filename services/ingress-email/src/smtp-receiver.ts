import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { emailAdapter, type InboxContext } from '@switchboard/channels';
import { listInboxes } from '@switchboard/db';
import { acceptMail, type AcceptMailDeps } from './accept-mail.ts';
import { inboxForRecipient } from './recipients.ts';

export interface SmtpReceiverOptions {
  host: string;
  port: number;
  /** Largest message accepted, in bytes; advertised in EHLO and enforced while reading. */
  maxBytes: number;
  /** When set, clients must AUTH with these before MAIL FROM. */
  auth?: { user: string; password: string };
}

export interface SmtpReceiver {
  port: number;
  close(): Promise<void>;
}

type EmailInbox = InboxContext & { config: { address: string; replyDomain?: string } };

const smtpError = (responseCode: number, message: string) => Object.assign(new Error(message), { responseCode });

/** Compares digests so neither the length nor the content of the secret leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

async function emailInboxes(deps: AcceptMailDeps): Promise<EmailInbox[]> {
  const out: EmailInbox[] = [];
  for (const inbox of await listInboxes(deps.pool, { channel: 'email' })) {
    const config = emailAdapter.configSchema.safeParse(inbox.config);
    if (config.success) out.push({ id: inbox.id, channel: 'email', config: config.data, secrets: {} });
  }
  return out;
}

async function readLimited(stream: SMTPServerDataStream, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    // keep draining so the client reaches the final dot, but stop holding bytes past the limit
    if (size <= maxBytes) chunks.push(chunk);
  }
  return stream.sizeExceeded || size > maxBytes ? undefined : Buffer.concat(chunks);
}

/**
 * SMTP for installs whose MTA forwards support mail here instead of a mailbox we poll. A mail
 * is answered 250 only once acceptMail made it durable, so on an outage (451) the MTA keeps it
 * queued and retries: nothing is lost.
 */
export async function startSmtpReceiver(deps: AcceptMailDeps, options: SmtpReceiverOptions): Promise<SmtpReceiver> {
  const recipients = new WeakMap<SMTPServerSession, Map<string, EmailInbox>>();
  const { auth } = options;

  const server = new SMTPServer({
    size: options.maxBytes,
    // no certificate is configured: this listens for a trusted MTA on a private network
    disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    authOptional: !auth,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(credentials, _session, callback) {
      const ok = auth && sameSecret(credentials.username ?? '', auth.user) && sameSecret(credentials.password ?? '', auth.password);
      if (!ok) return callback(smtpError(535, 'Authentication failed'));
      callback(null, { user: auth.user });
    },
    onRcptTo(address, session, callback) {
      emailInboxes(deps).then(
        (inboxes) => {
          const inbox = inboxForRecipient(address.address, inboxes);
          if (!inbox) return callback(smtpError(550, 'No such mailbox here'));
          const chosen = recipients.get(session) ?? new Map<string, EmailInbox>();
          chosen.set(inbox.id, inbox);
          recipients.set(session, chosen);
          callback();
        },
        (error: unknown) => {
          deps.logger.warn({ err: error }, 'could not list email inboxes for RCPT TO');
          callback(smtpError(451, 'Temporary failure, try again later'));
        },
      );
    },
    onData(stream, session, callback) {
      (async () => {
        const raw = await readLimited(stream, options.maxBytes);
        if (!raw) return callback(smtpError(552, `Message exceeds ${options.maxBytes} bytes`));
        const inboxes = [...(recipients.get(session)?.values() ?? [])];
        try {
          // one copy per inbox: each gets its own conversation, as if each mailbox had received it
          for (const inbox of inboxes) await acceptMail(deps, inbox, raw);
          callback();
        } catch (error) {
          deps.logger.warn({ err: error, inboxIds: inboxes.map((i) => i.id) }, 'smtp mail not accepted; the sender will retry');
          callback(smtpError(451, 'Temporary failure, try again later'));
        }
      })().catch((error: unknown) => callback(error as Error));
    },
  });
  // without a listener an 'error' event (e.g. a client resetting its socket) would crash the process
  server.on('error', (error) => deps.logger.warn({ err: error }, 'smtp receiver error'));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => { server.off('error', reject); resolve(); });
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
