import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { fixture } from '@switchboard/testkit';
import { messageIds, parseEmail } from './parse.ts';

const parse = (file: string) => parseEmail(readFileSync(fixture(`email/${file}`)));

describe('parseEmail on real mail', () => {
  it('keeps In-Reply-To and the References chain (reply_in_reply_to_references.eml)', async () => {
    const mail = await parse('reply_in_reply_to_references.eml');
    expect(mail).toMatchObject({
      messageId: '<473FFE27.20003@xxx.org>',
      inReplyTo: '<348F04F142D69C21-291E56D292BC@xxxx.net>',
      references: ['<473FF3B8.9020707@xxx.org>', '<348F04F142D69C21-291E56D292BC@xxxx.net>'],
      subject: 'Re: Test reply email',
      from: { address: 'xxxxxxxx@xxx.org', name: 'Testing' },
      to: ['mikel@xxxx.net'],
      text: 'Message body',
    });
    expect(mail.headers['return-path']).toEqual(['<xxxxxxxx@xxx.org>']);
  });

  it('decodes raw UTF-8 headers (rfc6532_raw_utf8_headers.eml)', async () => {
    const mail = await parse('rfc6532_raw_utf8_headers.eml');
    expect(mail.subject).toBe('Säying Hello');
    expect(mail.from).toEqual({ address: 'jdöe@mächine.example', name: 'Jöhn Doe' });
    expect(mail.references).toEqual([]);
    expect(mail.messageId).toBeUndefined();
  });

  it('reads a raw 8-bit attachment filename (attachment_nonascii_filename.eml)', async () => {
    const mail = await parse('attachment_nonascii_filename.eml');
    expect(mail.attachments).toEqual([{ filename: 'ciële.txt', contentType: 'text/plain', size: 11, contentId: undefined, inline: false }]);
    expect(mail.text).toBe('This is the first part.');
  });

  it('an HTML-only mail has no invented text and an empty In-Reply-To (html_only.eml)', async () => {
    const mail = await parse('html_only.eml');
    expect(mail.text).toBeUndefined();
    expect(mail.html).toContain('This is html only mail');
    expect(mail.inReplyTo).toBeUndefined();
    expect(mail.references).toEqual([]);
  });

  it('finds the Message-ID of the original attached to a bounce (bounce_ses_delivery_status.eml)', async () => {
    const mail = await parse('bounce_ses_delivery_status.eml');
    expect(mail.contentType).toMatchObject({ value: 'multipart/report', params: { 'report-type': 'delivery-status' } });
    expect(mail.embeddedMessageIds).toEqual(['<xxxxx@email.amazonses.com>']);
  });
});

describe('messageIds', () => {
  it.each([
    ['a string', '<a@b>', ['<a@b>']],
    ['an array', ['<a@b>', '<c@d>'], ['<a@b>', '<c@d>']],
    ['several in one header', '<a@b> <c@d>\n <e@f>', ['<a@b>', '<c@d>', '<e@f>']],
    ['a comment', '<a@b> (added by list)', ['<a@b>']],
    ['no brackets', 'a@b', ['<a@b>']],
    ['duplicates', '<a@b> <a@b>', ['<a@b>']],
    ['nothing', undefined, []],
    ['empty', '', []],
  ])('%s', (_name, input, expected) => {
    expect(messageIds(input)).toEqual(expected);
  });
});
