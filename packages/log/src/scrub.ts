/**
 * Free-text scrubbing for finished log lines. Redact paths only cover known fields; a secret can
 * still arrive inside a message (a platform error quoting the request URL, a stack trace). Two
 * nets catch it: credential shapes that are unambiguous, and the values the process decrypted.
 */

const CENSOR = '[redacted]';

/** Query parameters whose value is a credential or a capability. */
const SECRET_PARAM = /([?&](?:[^=&#]*(?:token|secret|passw|signature|sig|key|auth)[^=&#]*)=)[^&#\s"]*/gi;
/** `scheme://user:password@host`. */
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@"]+:)[^@\s/"]+@/gi;

const SHAPES: RegExp[] = [
  /(?<![0-9])\d{5,12}:[A-Za-z0-9_-]{30,}/g, // a Telegram bot token (also inside api.telegram.org/bot<token>/)
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g,
  URL_USERINFO,
];

/** Cuts credentials from a URL or path: secret-looking query parameters and user:password@. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAM, `$1${CENSOR}`).replace(URL_USERINFO, `$1${CENSOR}@`);
}

const known = new Set<string>();
let pattern: RegExp | undefined;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The forms a secret takes in a JSON log line: raw, JSON-escaped, URL-encoded, base64. */
function formsOf(value: string): string[] {
  return [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value), Buffer.from(value).toString('base64'), Buffer.from(value).toString('base64url')];
}

/**
 * Registers every string (8+ characters) inside `value` as a secret to cut from every log line
 * of this process; call it where secrets are decrypted. Short values are skipped: they would
 * censor ordinary words and are not worth stealing.
 */
export function rememberSecrets(value: unknown): void {
  const before = known.size;
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.length >= 8) for (const form of formsOf(v)) known.add(form);
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(value);
  if (known.size !== before) pattern = undefined;
}

/** Forgets every registered secret (tests). */
export function forgetSecrets(): void {
  known.clear();
  pattern = undefined;
}

/** A finished log line with every credential shape and registered secret replaced by `[redacted]`. */
export function scrubSecrets(line: string): string {
  let out = line;
  for (const shape of SHAPES) out = out.replace(shape, (m, userinfo?: string) => (shape === URL_USERINFO ? `${userinfo}${CENSOR}@` : CENSOR));
  out = out.replace(SECRET_PARAM, `$1${CENSOR}`);
  if (known.size === 0) return out;
  // longest first, so a secret is never half-cut by a shorter one it contains
  pattern ??= new RegExp([...known].sort((a, b) => b.length - a.length).map(escape).join('|'), 'g');
  return out.replace(pattern, CENSOR);
}
