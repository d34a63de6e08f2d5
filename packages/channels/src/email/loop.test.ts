import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { fixture } from '@switchboard/testkit';
import { autoSubmission, bounceOf } from './loop.ts';
import { parseEmail } from './parse.ts';

const parse = (file: string) => parseEmail(readFileSync(fixture(`email/${file}`)));
const mail = (headers: string) =>
  parseEmail(Buffer.from(`From: Ann <ann@example.com>\r\nTo: help@example.com\r\nSubject: hi\r\n${headers}\r\nhello\r\n`));

describe('autoSubmission', () => {
  it('flags a DSN warning with Auto-Submitted parameters (dsn_delay_warning_auto_submitted.eml)', async () => {
    expect(autoSubmission(await parse('dsn_delay_warning_auto_submitted.eml'))).toBe('auto_submitted');
  });

  it('flags an auto-reply (auto_reply_auto_submitted_trimmed.eml)', async () => {
    expect(autoSubmission(await parse('auto_reply_auto_submitted_trimmed.eml'))).toBe('auto_submitted');
  });

  it('flags an SES bounce (bounce_ses_delivery_status.eml)', async () => {
    expect(autoSubmission(await parse('bounce_ses_delivery_status.eml'))).toBe('delivery_report');
  });

  it.each([
    ['Auto-Submitted: auto-replied\r\n', 'auto_submitted'],
    ['Auto-Submitted: Auto-Notified; owner-email="x@y"\r\n', 'auto_submitted'],
    ['X-Autoreply: yes\r\n', 'x_autoreply'],
    ['X-Autorespond: on\r\n', 'x_autoreply'],
    ['Precedence: Bulk\r\n', 'precedence'],
    ['X-Precedence: auto_reply\r\n', 'precedence'],
    ['Precedence: junk\r\n', 'precedence'],
    ['List-Id: Riak users <riak-users.lists.basho.com>\r\n', 'mailing_list'],
    ['List-Unsubscribe: <mailto:leave@lists.example>\r\n', 'mailing_list'],
    ['Return-Path: <>\r\n', 'empty_return_path'],
  ])('%s→ %s', async (headers, reason) => {
    expect(autoSubmission(await mail(headers))).toBe(reason);
  });

  it.each([
    ['Auto-Submitted: no\r\n'],
    ['Auto-Submitted: NO (sent by a person)\r\n'],
    ['Precedence: first-class\r\n'],
    ['Return-Path: <ann@example.com>\r\n'],
    [''],
  ])('does not flag %j', async (headers) => {
    expect(autoSubmission(await mail(headers))).toBeUndefined();
  });

  it('flags MAILER-DAEMON and postmaster senders', async () => {
    const daemon = await parseEmail(Buffer.from('From: MAILER-DAEMON@mx.example\r\nSubject: x\r\n\r\nbody\r\n'));
    const postmaster = await parseEmail(Buffer.from('From: Postmaster <postmaster@mx.example>\r\nSubject: x\r\n\r\nbody\r\n'));
    expect(autoSubmission(daemon)).toBe('mailer_daemon');
    expect(autoSubmission(postmaster)).toBe('mailer_daemon');
  });
});

describe('bounceOf', () => {
  it('reads a hard bounce with the original Message-ID (bounce_ses_delivery_status.eml)', async () => {
    expect(bounceOf(await parse('bounce_ses_delivery_status.eml'))).toMatchObject({
      recipient: 'xxxx@xxxx.com',
      status: '5.1.1',
      action: 'failed',
      permanent: true,
      originalMessageId: '<xxxxx@email.amazonses.com>',
    });
  });

  it('reads a delay warning as not permanent (dsn_delay_warning_auto_submitted.eml)', async () => {
    expect(bounceOf(await parse('dsn_delay_warning_auto_submitted.eml'))).toMatchObject({
      recipient: 'fraser@oooooooo.com.au',
      status: '4.2.2',
      action: 'delayed',
      diagnostic: 'SMTP; 452 4.2.2 <fraser@oooooooo.com.au>... Mailbox full',
      permanent: false,
    });
  });

  it('is undefined for an auto-reply that is not a delivery report (auto_reply_auto_submitted_trimmed.eml)', async () => {
    expect(bounceOf(await parse('auto_reply_auto_submitted_trimmed.eml'))).toBeUndefined();
  });
});
