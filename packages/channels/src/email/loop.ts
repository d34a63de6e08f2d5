import type { ParsedEmail } from './parse.ts';

/** Why a mail was written by a machine; such mail never opens a conversation nor gets a reply. */
export type AutoSubmissionReason =
  | 'auto_submitted'
  | 'x_autoreply'
  | 'precedence'
  | 'mailing_list'
  | 'delivery_report'
  | 'mailer_daemon'
  | 'empty_return_path';

const BULK_PRECEDENCE = new Set(['bulk', 'junk', 'list', 'auto_reply']);
const DAEMON = /^(mailer-daemon|postmaster)@/i;

/** RFC 3834 and the common vendor headers; undefined for mail a person wrote. */
export function autoSubmission(parsed: ParsedEmail): AutoSubmissionReason | undefined {
  const h = (name: string) => parsed.headers[name] ?? [];
  // `Auto-Submitted: no` is an explicit human mail (RFC 3834 §5): matching on the header name
  // alone, as FreeScout does, would drop it; parameters like `(warning-timeout)` are ignored
  if (h('auto-submitted').some((v) => keyword(v) !== 'no')) return 'auto_submitted';
  if (h('x-autoreply').length > 0 || h('x-autorespond').length > 0) return 'x_autoreply';
  if ([...h('precedence'), ...h('x-precedence')].some((v) => BULK_PRECEDENCE.has(keyword(v)))) return 'precedence';
  if (h('list-id').length > 0 || h('list-unsubscribe').length > 0) return 'mailing_list';
  if (isDeliveryReport(parsed)) return 'delivery_report';
  if (parsed.from && DAEMON.test(parsed.from.address)) return 'mailer_daemon';
  // `Return-Path: <>` is the null sender of bounces and other notifications (RFC 5321 §4.5.5)
  if (h('return-path').some((v) => v.replace(/[<>\s]/g, '') === '')) return 'empty_return_path';
  return undefined;
}

export interface Bounce {
  /** The address that could not be reached (Final-Recipient, else Original-Recipient). */
  recipient?: string;
  /** Enhanced status code, e.g. `5.1.1`; 4.x.x is a delay, not a failure. */
  status?: string;
  action?: string;
  diagnostic?: string;
  permanent: boolean;
  /** Message-ID of the undelivered original, to mark our reply failed. */
  originalMessageId?: string;
}

/** The delivery-status fields of a DSN (RFC 3464); undefined for any other mail. */
export function bounceOf(parsed: ParsedEmail): Bounce | undefined {
  if (!isDeliveryReport(parsed)) return undefined;
  // mailparser appends the message/delivery-status part to `text`
  const text = parsed.text ?? '';
  const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.+)$`, 'im').exec(text)?.[1]?.trim();
  const recipient = addressOf(field('Final-Recipient') ?? field('Original-Recipient'));
  const status = /\d\.\d{1,3}\.\d{1,3}/.exec(field('Status') ?? '')?.[0];
  const action = field('Action')?.toLowerCase();
  return {
    recipient,
    status,
    action,
    diagnostic: field('Diagnostic-Code'),
    permanent: action === 'failed' || status?.startsWith('5.') === true,
    originalMessageId: parsed.embeddedMessageIds[0],
  };
}

function isDeliveryReport(parsed: ParsedEmail): boolean {
  const { value, params } = parsed.contentType;
  return value === 'multipart/report' && params['report-type']?.toLowerCase() === 'delivery-status';
}

/** `auto-generated (warning-timeout)` → `auto-generated`; `Bulk; x=1` → `bulk`. */
function keyword(value: string): string {
  return value.replace(/\(.*?\)/g, '').split(';')[0]!.trim().toLowerCase();
}

/** `rfc822; user@example.com` → `user@example.com`. */
function addressOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const address = value.includes(';') ? value.slice(value.indexOf(';') + 1) : value;
  return address.trim().replace(/^<|>$/g, '') || undefined;
}
