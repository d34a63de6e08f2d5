import nodemailer, { type Transporter } from 'nodemailer';
import type { InboxContext } from '../contract.ts';
import type { EmailInboxConfig, EmailSecrets } from './adapter.ts';
import type { MailTransport } from './send.ts';

export interface SmtpTransports {
  transportFor(inbox: InboxContext): MailTransport;
  close(): void;
}

/**
 * One pooled nodemailer transport per inbox, built from its config and secrets. A transport is
 * rebuilt when the settings change, so an operator fixing a password needs no restart.
 */
export function createSmtpTransports(): SmtpTransports {
  const cache = new Map<string, { key: string; transport: Transporter }>();
  return {
    transportFor(inbox) {
      const { smtp, imap } = inbox.config as EmailInboxConfig;
      const secrets = inbox.secrets as EmailSecrets;
      const user = smtp.user ?? imap.user;
      const pass = secrets.smtpPassword ?? secrets.imapPassword;
      const key = JSON.stringify([smtp.host, smtp.port, smtp.secure, user, pass]);
      const cached = cache.get(inbox.id);
      if (cached?.key === key) return cached.transport;
      cached?.transport.close();
      const transport = nodemailer.createTransport({ pool: true, host: smtp.host, port: smtp.port, secure: smtp.secure, auth: { user, pass } });
      cache.set(inbox.id, { key, transport });
      return transport;
    },
    close() {
      for (const { transport } of cache.values()) transport.close();
      cache.clear();
    },
  };
}
