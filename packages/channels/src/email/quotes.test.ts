import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { fixture, fixtureText } from '@switchboard/testkit';
import { parseEmail } from './parse.ts';
import { htmlToText, sanitizeHtml, visibleText, visibleTextFromHtml } from './quotes.ts';

describe('visibleText', () => {
  it('cuts a Gmail "On … wrote:" quote and the signature (gmail_reply_with_quote.eml)', async () => {
    const mail = await parseEmail(readFileSync(fixture('email/gmail_reply_with_quote.eml')));
    expect(visibleText(mail.text!)).toBe('Yes, I am providing you step how to reproduce this issue');
    expect(visibleTextFromHtml(mail.html!)).toBe('Yes, I am providing you step how to reproduce this issue');
  });

  it('cuts an Outlook "-----Ursprüngliche Nachricht-----" block (quoted_reply_outlook_german_body.txt)', () => {
    const visible = visibleText(fixtureText('email/quoted_reply_outlook_german_body.txt'));
    expect(visible).toMatch(/^Fusce bibendum/);
    expect(visible).toMatch(/nec nec nibh\.$/);
    expect(visible).not.toContain('Ursprüngliche');
    expect(visible).not.toContain('original message content');
  });

  it('keeps a quote an answer follows, drops the trailing quote and list footer (quoted_reply_inline_interleaved_body.txt)', () => {
    const visible = visibleText(fixtureText('email/quoted_reply_inline_interleaved_body.txt'));
    expect(visible).toMatch(/^Hi,/);
    expect(visible).toContain('> What is the best way to clear a Riak bucket');
    expect(visible).toContain('You can list the keys for the bucket');
    expect(visible).toMatch(/delete them all individually\."$/);
    expect(visible).not.toContain('-Abhishek Kona');
    expect(visible).not.toContain('riak-users mailing list');
  });
});

describe('HTML', () => {
  it('renders an HTML-only mail as text (html_only.eml)', async () => {
    const mail = await parseEmail(readFileSync(fixture('email/html_only.eml')));
    expect(visibleTextFromHtml(mail.html!)).toBe('This is html only mail');
  });

  it('removes Apple/Thunderbird cite blockquotes and the Outlook reply header', () => {
    const html = '<p>New answer &amp; more</p><blockquote type="cite">old</blockquote>'
      + '<div id="divRplyFwdMsg"><b>From:</b> x</div>';
    expect(visibleTextFromHtml(html)).toBe('New answer & more');
  });

  it('turns block ends into lines', () => {
    expect(htmlToText('<div>a</div><div>b<br>c</div><p>d &lt;e&gt;</p>')).toBe('a\nb\nc\nd <e>');
  });

  it('sanitizeHtml drops scripts, handlers and javascript: links, keeps cid images', () => {
    const clean = sanitizeHtml('<p onclick="x()">hi<script>alert(1)</script></p><a href="javascript:alert(1)">x</a><img src="cid:logo@x"><style>p{}</style>');
    expect(clean).not.toMatch(/script|onclick|javascript|style/);
    expect(clean).toContain('<img src="cid:logo@x" />');
    expect(clean).toContain('<p>hi</p>');
  });
});

describe('visibleText in Russian and German', () => {
  it('cuts a Russian Gmail attribution line and its quotes', () => {
    expect(visibleText('Спасибо, всё работает.\n\nср, 30 апр. 2025 г. в 15:19, Поддержка <support@example.com>:\n> Попробуйте ещё раз.\n')).toBe('Спасибо, всё работает.');
  });

  it('cuts a Russian Outlook header block (От:/Отправлено:)', () => {
    const text = 'Спасибо!\n\nОт: Поддержка <support@example.com>\nОтправлено: 30 апреля 2025 г. 15:19\nКому: buyer@example.ru\nТема: Re: заказ\n\nПопробуйте ещё раз.\n';
    expect(visibleText(text)).toBe('Спасибо!');
  });

  it('cuts a German Outlook header block (Von:/Gesendet:)', () => {
    const text = 'Danke!\n\nVon: Support <support@example.com>\nGesendet: Mittwoch, 30. April 2025 15:19\nAn: buyer@example.de\nBetreff: Re: Bestellung\n\nBitte erneut versuchen.\n';
    expect(visibleText(text)).toBe('Danke!');
  });

  it('keeps a line that merely starts with "От:" in the customer text', () => {
    expect(visibleText('Здравствуйте.\nОт: меня лично вопрос про доставку.\nСпасибо.')).toBe('Здравствуйте.\nОт: меня лично вопрос про доставку.\nСпасибо.');
  });
});
