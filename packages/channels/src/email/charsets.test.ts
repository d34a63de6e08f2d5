import { describe, expect, it } from '@jest/globals';
import { parseEmail } from './parse.ts';

// The shared fixtures have no KOI8-R, Windows-1251 or ISO-2022-JP mail, so these are built here:
// each body and encoded word is the real byte sequence of that charset (base64 of the text
// encoded with it), the way Russian and Japanese mail clients send it.
const RU = 'Здравствуйте! Не приходит заказ 42, ёлки.';
const JP = 'お問い合わせありがとうございます。';

function mail(headers: string[], body: string): Buffer {
  return Buffer.from(
    ['From: Покупатель <buyer@example.ru>', 'To: support@example.com', 'Message-ID: <charset-test@example.ru>', 'MIME-Version: 1.0', ...headers, '', body, ''].join('\r\n'),
    'utf8',
  );
}

describe('parseEmail charsets', () => {
  it('decodes a KOI8-R body and an RFC 2047 KOI8-R subject', async () => {
    const parsed = await parseEmail(
      mail(
        ['Subject: =?KOI8-R?B?58TFIM3PyiDawcvB2j8=?=', 'Content-Type: text/plain; charset=koi8-r', 'Content-Transfer-Encoding: base64'],
        '+sTSwdfT1NfVytTFISDuxSDQ0snIz8TJ1CDawcvB2iA0Miwgo8zLyS4=',
      ),
    );
    expect(parsed.subject).toBe('Где мой заказ?');
    expect(parsed.text?.trim()).toBe(RU);
    expect(parsed.from).toMatchObject({ address: 'buyer@example.ru', name: 'Покупатель' });
  });

  it('decodes a Windows-1251 body', async () => {
    const parsed = await parseEmail(
      mail(['Subject: test', 'Content-Type: text/plain; charset=windows-1251', 'Content-Transfer-Encoding: base64'], 'x+Tw4OLx8uLz6fLlISDN5SDv8Oj17uTo8iDn4Org5yA0MiwguOvq6C4='),
    );
    expect(parsed.text?.trim()).toBe(RU);
  });

  it('decodes an ISO-2022-JP body and subject', async () => {
    const parsed = await parseEmail(
      mail(
        ['Subject: =?ISO-2022-JP?B?GyRCQ21KOCRLJEQkJCRGGyhC?=', 'Content-Type: text/plain; charset=ISO-2022-JP', 'Content-Transfer-Encoding: base64'],
        'GyRCJCpMZCQkOWckbyQ7JCIkaiQsJEgkJiQ0JDYkJCReJDkhIxsoQg==',
      ),
    );
    expect(parsed.subject).toBe('注文について');
    expect(parsed.text?.trim()).toBe(JP);
  });

  it('decodes an RFC 2231 attachment file name', async () => {
    const boundary = 'b1';
    const parsed = await parseEmail(
      mail(
        ['Subject: invoice', `Content-Type: multipart/mixed; boundary="${boundary}"`],
        [
          `--${boundary}`,
          'Content-Type: text/plain; charset=utf-8',
          '',
          'see attached',
          `--${boundary}`,
          'Content-Type: application/pdf',
          "Content-Disposition: attachment; filename*=UTF-8''%D1%81%D1%87%D1%91%D1%82%2042.pdf",
          'Content-Transfer-Encoding: base64',
          '',
          Buffer.from('%PDF-1.4 test').toString('base64'),
          `--${boundary}--`,
        ].join('\r\n'),
      ),
    );
    expect(parsed.attachments).toEqual([expect.objectContaining({ filename: 'счёт 42.pdf', contentType: 'application/pdf' })]);
  });
});
