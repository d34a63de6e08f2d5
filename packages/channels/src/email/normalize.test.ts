import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { InboundEvent } from '@switchboard/contracts';
import { fixture } from '@switchboard/testkit';
import type { InboxContext } from '../contract.ts';
import { normalizeEmail } from './normalize.ts';
import { parseEmail } from './parse.ts';

const inbox: InboxContext = { id: '0b6c8f5e-3f0a-4c57-9a52-6f1d2f3a4b5c', channel: 'email', config: { address: 'help@example.com' }, secrets: {} };
const receivedAt = new Date('2024-07-01T12:00:00.000Z');
const normalize = async (raw: Buffer) => normalizeEmail(await parseEmail(raw), raw, inbox, receivedAt);
const one = async (file: string) => {
  const events = await normalize(readFileSync(fixture(`email/${file}`)));
  expect(events).toHaveLength(1);
  return InboundEvent.parse(events[0]);
};

describe('normalizeEmail on real mail', () => {
  it('threads by the root of References (reply_in_reply_to_references.eml)', async () => {
    const event = await one('reply_in_reply_to_references.eml');
    expect(event).toMatchObject({
      channel: 'email',
      type: 'message',
      externalMessageId: '<473FFE27.20003@xxx.org>',
      thread: {
        externalId: '<473FF3B8.9020707@xxx.org>',
        replyToExternalId: '<348F04F142D69C21-291E56D292BC@xxxx.net>',
        references: ['<473FF3B8.9020707@xxx.org>', '<348F04F142D69C21-291E56D292BC@xxxx.net>'],
      },
      sender: { externalId: 'xxxxxxxx@xxx.org', email: 'xxxxxxxx@xxx.org', name: 'Testing' },
      content: { text: 'Message body', attachments: [] },
      sentAt: '2007-11-18T08:56:07.000Z',
    });
    expect(event.eventId).toMatch(/^em-[0-9a-f]{40}$/);
  });

  it('shows the visible reply and sanitized HTML (gmail_reply_with_quote.eml)', async () => {
    const event = await one('gmail_reply_with_quote.eml');
    expect(event.content.text).toBe('Yes, I am providing you step how to reproduce this issue');
    expect(event.content.html).toContain('Yes, I am providing you step');
    expect(event.thread.externalId).toBe('<CAFkiBVxGoURoqdkY-O_25F-8b41kb-GWBc6hh4Djd5ynwOikXA@mail.gmail.com>');
  });

  it('an HTML-only mail with empty In-Reply-To is its own thread (html_only.eml)', async () => {
    const event = await one('html_only.eml');
    expect(event.content.text).toBe('This is html only mail');
    expect(event.thread).toEqual({ externalId: '<6215d71711c38_10bc61914022323@tejaswinis-MacBook-Pro.local.mail>' });
  });

  it('lists attachments (attachment_nonascii_filename.eml)', async () => {
    const event = await one('attachment_nonascii_filename.eml');
    expect(event.content.attachments).toEqual([{ kind: 'document', mimeType: 'text/plain', size: 11, fileName: 'ciële.txt' }]);
  });

  it('names a mail without Message-ID by the hash of its bytes (rfc6532_raw_utf8_headers.eml)', async () => {
    const event = await one('rfc6532_raw_utf8_headers.eml');
    expect(event.externalMessageId).toMatch(/^[0-9a-f]{64}$/);
    expect(event.thread.externalId).toBe(event.externalMessageId);
    expect(event.raw).toMatchObject({ subject: 'Säying Hello' });
    expect((await one('rfc6532_raw_utf8_headers.eml')).eventId).toBe(event.eventId);
  });

  it.each(['dsn_delay_warning_auto_submitted.eml', 'bounce_ses_delivery_status.eml', 'auto_reply_auto_submitted_trimmed.eml'])(
    'yields nothing for machine mail (%s)',
    async (file) => {
      expect(await normalize(readFileSync(fixture(`email/${file}`)))).toEqual([]);
    },
  );
});
