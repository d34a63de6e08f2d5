import { createHash } from 'node:crypto';
import type { Attachment, InboundEvent } from '@switchboard/contracts';
import type { InboxContext } from '../contract.ts';
import { autoSubmission } from './loop.ts';
import type { EmailAttachmentMeta, ParsedEmail } from './parse.ts';
import { sanitizeHtml, visibleText, visibleTextFromHtml } from './quotes.ts';

const MAX_TEXT = 100_000;
const MAX_HTML = 1_000_000;
const MAX_ATTACHMENTS = 50;

/**
 * One parsed mail → 0..1 events. Auto-replies, bounces and list mail yield [] (loop protection:
 * they never open a conversation, so nothing replies to them); bounces are read with `bounceOf`.
 * `raw` is the message as received: its hash names a mail without a Message-ID.
 */
export function normalizeEmail(parsed: ParsedEmail, raw: Buffer, inbox: InboxContext, receivedAt: Date): InboundEvent[] {
  if (autoSubmission(parsed)) return [];
  const sender = parsed.from?.address;
  if (!sender) return [];
  const externalMessageId = parsed.messageId ?? sha256(raw);
  const text = parsed.text !== undefined ? visibleText(parsed.text) : parsed.html ? visibleTextFromHtml(parsed.html) : '';
  const html = parsed.html ? sanitizeHtml(parsed.html) : undefined;
  const event: InboundEvent = {
    eventId: `em-${sha256(externalMessageId).slice(0, 40)}`,
    inboxId: inbox.id,
    channel: 'email',
    type: 'message',
    externalMessageId,
    thread: {
      // the root of References names the conversation for every client that keeps the chain
      externalId: parsed.references[0] ?? parsed.inReplyTo ?? externalMessageId,
      ...(parsed.inReplyTo ? { replyToExternalId: parsed.inReplyTo } : {}),
      ...(parsed.references.length > 0 ? { references: parsed.references.slice(-100) } : {}),
    },
    sender: {
      externalId: sender.toLowerCase(),
      email: sender,
      ...(parsed.from?.name ? { name: parsed.from.name.slice(0, 512) } : {}),
    },
    content: {
      ...(text ? { text: text.slice(0, MAX_TEXT) } : {}),
      ...(html && html.length <= MAX_HTML ? { html } : {}),
      attachments: parsed.attachments.slice(0, MAX_ATTACHMENTS).map(attachmentOf),
    },
    // a Date header past 9999 would print as +YYYYYY (not ISO 8601); one before 1970 is bogus
    sentAt: (parsed.date && parsed.date.getTime() >= 0 && parsed.date.getTime() <= 253_402_300_799_999 ? parsed.date : receivedAt).toISOString(),
    receivedAt: receivedAt.toISOString(),
    // the subject and recipients have no place in the contract; agents still want to see them
    // references are kept so a reply can carry the customer's whole chain (RFC 5322 §3.6.4)
    raw: { subject: parsed.subject, to: parsed.to, cc: parsed.cc, ...(parsed.references.length > 0 ? { references: parsed.references.slice(-100) } : {}) },
  };
  return [event];
}

function attachmentOf(a: EmailAttachmentMeta): Attachment {
  const kind = a.contentType.startsWith('image/') ? 'image'
    : a.contentType.startsWith('video/') ? 'video'
    : a.contentType.startsWith('audio/') ? 'audio'
    : 'document';
  return {
    kind,
    mimeType: a.contentType,
    size: a.size,
    ...(a.filename ? { fileName: a.filename } : {}),
    // inline images are referenced by `cid:` from the HTML; the id lets the UI resolve them
    ...(a.contentId ? { externalId: `cid:${cid(a.contentId)}`, contentId: cid(a.contentId) } : {}),
  };
}

function cid(contentId: string): string {
  return contentId.replace(/^<|>$/g, '');
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
