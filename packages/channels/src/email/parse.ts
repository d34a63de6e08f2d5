import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { PayloadError } from '@switchboard/errors';

export interface EmailAddress {
  address: string;
  name?: string;
}

export interface EmailAttachmentMeta {
  filename?: string;
  contentType: string;
  size: number;
  contentId?: string;
  /** Shown inside the HTML (a cid: image) rather than offered as a download. */
  inline: boolean;
}

/** What the email channel reads of a message; everything else stays in the raw bytes. */
export interface ParsedEmail {
  /** `<id@host>`; undefined when the message has none. */
  messageId?: string;
  inReplyTo?: string;
  /** Always an array of `<id>` strings, oldest first (RFC 5322 §3.6.4 order). */
  references: string[];
  subject?: string;
  from?: EmailAddress;
  to: string[];
  cc: string[];
  date?: Date;
  /** The text/plain body; undefined when the mail only has HTML (mailparser would invent one). */
  text?: string;
  html?: string;
  attachments: EmailAttachmentMeta[];
  /** Lower-cased header name → unfolded raw values, for the loop-protection headers only. */
  headers: Record<string, string[]>;
  contentType: { value: string; params: Record<string, string> };
  /** Message-IDs quoted by an attached original (message/rfc822, text/rfc822-headers): bounces name ours. */
  embeddedMessageIds: string[];
}

/** Headers `autoSubmission` reads; kept raw because mailparser folds List-* into one object. */
export const LOOP_HEADERS = [
  'auto-submitted', 'x-autoreply', 'x-autorespond', 'precedence', 'x-precedence',
  'list-id', 'list-unsubscribe', 'return-path',
] as const;

const ID = /<[^<>\s]+>/g;

/** Parses raw RFC 5322 bytes. Throws PayloadError when mailparser cannot read them. */
export async function parseEmail(raw: Buffer): Promise<ParsedEmail> {
  let mail: ParsedMail;
  try {
    mail = await simpleParser(raw, { skipImageLinks: true });
  } catch (error) {
    throw new PayloadError('email could not be parsed', { cause: error });
  }
  const contentType = contentTypeOf(mail);
  const html = typeof mail.html === 'string' && mail.html !== '' ? mail.html : undefined;
  const parsed: ParsedEmail = {
    messageId: messageIds(mail.messageId)[0],
    inReplyTo: messageIds(mail.inReplyTo)[0],
    references: messageIds(mail.references),
    subject: mail.subject,
    from: firstAddress(mail.from),
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    date: mail.date,
    // for a text/html-only mail mailparser renders a text (uppercased headings); we render our own
    text: contentType.value === 'text/html' ? undefined : mail.text,
    html,
    attachments: mail.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      size: a.size,
      contentId: a.contentId,
      inline: a.related === true || (a.contentDisposition === 'inline' && a.contentId !== undefined),
    })),
    headers: loopHeaders(mail),
    contentType,
    embeddedMessageIds: mail.attachments
      .filter((a) => a.contentType === 'message/rfc822' || a.contentType === 'text/rfc822-headers')
      .flatMap((a) => messageIds(headerValue(a.content.toString('utf8'), 'message-id'))),
  };
  CONTENTS.set(parsed, mail.attachments.map((a) => a.content));
  return parsed;
}

// kept beside the parsed mail, not in it: the parsed fields become the queued event, which
// must stay small; the bytes go to the blob store
const CONTENTS = new WeakMap<ParsedEmail, Buffer[]>();

/** The bytes of each attachment, in the order of `parsed.attachments`; [] for a mail not from `parseEmail`. */
export function attachmentContents(parsed: ParsedEmail): Buffer[] {
  return CONTENTS.get(parsed) ?? [];
}

/**
 * `<id>` values from a header, in order, deduplicated. Accepts mailparser's string-or-array and
 * bare ids without brackets (some clients omit them); comments like `(added by x)` are dropped.
 */
export function messageIds(value: string | string[] | undefined): string[] {
  const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const ids = values.flatMap((v) => {
    const bracketed = v.match(ID);
    if (bracketed) return bracketed;
    return v.split(/\s+/).filter((part) => part.includes('@')).map((part) => `<${part}>`);
  });
  return [...new Set(ids)];
}

function loopHeaders(mail: ParsedMail): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (const { key, line } of mail.headerLines) {
    if (!(LOOP_HEADERS as readonly string[]).includes(key)) continue;
    const value = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
    (headers[key] ??= []).push(value);
  }
  return headers;
}

function contentTypeOf(mail: ParsedMail): ParsedEmail['contentType'] {
  const header = mail.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  return { value: (header?.value ?? 'text/plain').toLowerCase(), params: header?.params ?? {} };
}

function firstAddress(from: AddressObject | AddressObject[] | undefined): EmailAddress | undefined {
  const entry = list(from).flatMap((a) => a.value).find((a) => a.address);
  if (!entry?.address) return undefined;
  return entry.name ? { address: entry.address, name: entry.name } : { address: entry.address };
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  // groups (`undisclosed-recipients: a@x, b@y;`) nest their members one level down
  return list(field)
    .flatMap((a) => a.value)
    .flatMap((a) => (a.group ? a.group : [a]))
    .flatMap((a) => (a.address ? [a.address] : []));
}

function list<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** One header of a raw header block (an attached original), unfolded. */
function headerValue(block: string, name: string): string | undefined {
  const head = block.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const line = unfolded.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name}:`));
  return line?.slice(name.length + 1).trim();
}
