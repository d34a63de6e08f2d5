import EmailReplyParser from 'email-reply-parser';
import sanitize from 'sanitize-html';

/** A mailing-list footer (Mailman) starts with a rule of underscores. */
const LIST_FOOTER = /^\s*_{10,}\s*$/m;

/**
 * The part of a plain-text mail the customer wrote now, for display; the original stays stored.
 * email-reply-parser splits the text into fragments and hides every quote; we keep a quote that
 * an answer follows (interleaved replies, github/email_reply_parser's rule) and drop what trails
 * the last answer: quotes, the signature and a list footer.
 */
export function visibleText(text: string): string {
  const fragments = new EmailReplyParser().read(cutLocalizedHistory(text.replace(/\r\n/g, '\n'))).getFragments();
  const isAnswer = (i: number) => {
    const f = fragments[i]!;
    return !f.isQuoted() && !f.isSignature() && !f.isEmpty() && !isListFooter(f.getContent());
  };
  let last = -1;
  for (let i = 0; i < fragments.length; i += 1) if (isAnswer(i)) last = i;
  return fragments
    .slice(0, last + 1)
    .filter((f) => !f.isSignature() && !f.isEmpty())
    .map((f) => f.getContent().trim())
    .join('\n\n');
}

/** First line of an Outlook-style header block, in the languages our customers write in. */
const OUTLOOK_FROM = /^\s*\*?(From|Von|От|De|Da|Van|Från|Fra|Od|Kimden)\s*:\*?\s+\S/i;
const OUTLOOK_NEXT = /^\s*\*?(Sent|Date|Gesendet|Datum|Отправлено|Дата|Envoyé|Inviato|Verzonden|Skickat|Sendt|Wysłano|Gönderildi|To|An|Кому|À|A|Aan|Till|Til|Do|Kime)\s*:/i;
/**
 * Gmail's attribution line in languages the reply parser does not know, e.g.
 * "ср, 30 апр. 2025 г. в 15:19, Поддержка <support@example.com>:" — a time, an address, a colon.
 */
const ATTRIBUTION = /^.{0,120}\d{1,2}:\d{2}.{0,120}<[^<>\s]+@[^<>\s]+>\s*:\s*$/;

/**
 * Cuts the quoted history that email-reply-parser misses: a localized Outlook header block
 * ("От:/Отправлено:", "Von:/Gesendet:") or a localized Gmail attribution line followed by
 * `>` quotes. Everything from that line on is history; the original mail is kept elsewhere.
 */
function cutLocalizedHistory(text: string): string {
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i += 1) {
    const line = lines[i]!;
    const next = lines.slice(i + 1, i + 4);
    const outlook = OUTLOOK_FROM.test(line) && next.some((l) => OUTLOOK_NEXT.test(l));
    const attribution = ATTRIBUTION.test(line) && next.some((l) => l.startsWith('>'));
    if (outlook || attribution) return lines.slice(0, i).join('\n');
  }
  return text;
}

function isListFooter(content: string): boolean {
  const firstLine = content.trim().split('\n')[0] ?? '';
  return LIST_FOOTER.test(firstLine);
}

/** Gmail, Apple Mail/Thunderbird and Outlook wrap the quoted history in these elements. */
function isQuoteContainer(frame: sanitize.IFrame): boolean {
  const classes = (frame.attribs.class ?? '').split(/\s+/);
  if (frame.tag === 'div' && classes.includes('gmail_quote')) return true;
  if (frame.tag === 'blockquote' && frame.attribs.type?.toLowerCase() === 'cite') return true;
  return frame.attribs.id === 'divRplyFwdMsg';
}

/**
 * The visible reply of an HTML mail as text: quote containers removed, then rendered to text,
 * then the same plain-text rules as `visibleText` (signatures, "On … wrote:" left outside a div).
 */
export function visibleTextFromHtml(html: string): string {
  const withoutQuotes = sanitize(html, {
    allowedTags: false,
    allowedAttributes: false,
    allowVulnerableTags: true,
    exclusiveFilter: isQuoteContainer,
  });
  return visibleText(htmlToText(withoutQuotes));
}

const BLOCK_END = /<\/(p|div|h[1-6]|li|tr|blockquote|pre|table|ul|ol)\s*>|<br\s*\/?>/gi;

/** A plain rendering for agents and search: block ends become line breaks, tags and styles go. */
export function htmlToText(html: string): string {
  const text = sanitize(html.replace(BLOCK_END, (tag) => `${tag}\n`), { allowedTags: [], allowedAttributes: {} });
  return decodeEntities(text)
    .replace(/[ \t\u00a0]+/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** sanitize-html re-escapes these five in text; the rest arrive decoded. */
function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_m, name: string) =>
    ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[name] ?? '');
}

/**
 * HTML safe to show agents: no scripts, styles, forms or event handlers; links and images only
 * over http(s), mailto and cid (inline attachments, resolved by the UI).
 */
export function sanitizeHtml(html: string): string {
  return sanitize(html, {
    allowedTags: [...sanitize.defaults.allowedTags, 'img', 'font', 'center'],
    allowedAttributes: {
      a: ['href', 'title', 'rel', 'target'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      '*': ['dir', 'align'],
    },
    allowedSchemes: ['http', 'https', 'mailto', 'cid'],
    allowProtocolRelative: false,
    transformTags: { a: sanitize.simpleTransform('a', { rel: 'noopener noreferrer', target: '_blank' }) },
  });
}
