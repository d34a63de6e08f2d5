import { createHash, createHmac } from 'node:crypto';
import { SignatureError } from '@switchboard/errors';
import type { InboundRequest } from '../../contract.ts';
import { safeEqual, singleHeader } from '../../shared/safe-equal.ts';
import { formParams, mediaTypeOf } from '../parse.ts';
import type { FormParams } from '../wire.ts';

export const TWILIO_SIGNATURE_HEADER = 'x-twilio-signature';

/**
 * base64(HMAC-SHA1(auth token, url + every parameter as key+value, keys sorted)). A repeated
 * key contributes its values sorted and de-duplicated, as twilio-node's validator does.
 */
export function twilioSignature(authToken: string, url: string, params: FormParams): string {
  let data = url;
  for (const key of Object.keys(params).sort()) {
    const value = params[key]!;
    const values = Array.isArray(value) ? [...new Set(value)].sort() : [value];
    for (const v of values) data += key + v;
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/**
 * The URLs Twilio may have signed for the one we were called at: it signs what it was
 * configured with, which may or may not spell the default port (:443/:80), and older Twilio
 * libraries encoded `'` in the query as %27 (twilio-node validateRequest tries them all).
 */
export function twilioUrlVariants(url: string): string[] {
  const variants = new Set([url]);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [...variants];
  }
  const defaultPort = parsed.protocol === 'https:' ? '443' : parsed.protocol === 'http:' ? '80' : undefined;
  // WHATWG URL drops a default port: '' means none or the default one was given
  if (defaultPort !== undefined && parsed.port === '') {
    const auth = parsed.username ? `${parsed.username}${parsed.password ? `:${parsed.password}` : ''}@` : '';
    const rest = `${parsed.pathname}${parsed.search}`;
    variants.add(`${parsed.protocol}//${auth}${parsed.hostname}${rest}`);
    variants.add(`${parsed.protocol}//${auth}${parsed.hostname}:${defaultPort}${rest}`);
  }
  for (const v of [...variants]) {
    variants.add(v.replaceAll("'", '%27'));
    variants.add(v.replaceAll('%27', "'"));
  }
  return [...variants];
}

/**
 * Throws SignatureError unless `X-Twilio-Signature` matches the request. Form webhooks sign the
 * URL plus every body parameter (never whitelist: Twilio adds parameters without notice); JSON
 * webhooks sign the URL only, which carries `bodySHA256` = hex SHA-256 of the exact body.
 */
export function verifyTwilioRequest(req: InboundRequest, authToken: string | undefined): void {
  if (!authToken) throw new SignatureError('inbox has no Twilio auth token');
  const header = singleHeader(req.headers, TWILIO_SIGNATURE_HEADER);
  if (!header) throw new SignatureError('X-Twilio-Signature missing');
  if (!req.url) throw new SignatureError('the URL Twilio called is unknown');

  let bodyHash: string | null = null;
  try {
    bodyHash = new URL(req.url).searchParams.get('bodySHA256');
  } catch {
    throw new SignatureError('the webhook URL is not a URL');
  }
  let params: FormParams = {};
  if (bodyHash !== null) {
    const actual = createHash('sha256').update(req.rawBody).digest('hex');
    if (!safeEqual(bodyHash.toLowerCase(), actual)) throw new SignatureError('bodySHA256 does not match the body');
  } else if (mediaTypeOf(req) === 'application/x-www-form-urlencoded') {
    params = formParams(req.rawBody);
  }
  // every candidate is computed and compared, so timing does not reveal which one matched
  let valid = false;
  for (const url of twilioUrlVariants(req.url)) {
    if (safeEqual(header.trim(), twilioSignature(authToken, url, params))) valid = true;
  }
  if (!valid) throw new SignatureError('X-Twilio-Signature does not match the request');
}
