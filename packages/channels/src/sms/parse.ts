import { PayloadError } from '@switchboard/errors';
import type { InboundRequest } from '../contract.ts';
import { parseJsonLossless } from '../shared/lossless-json.ts';
import { singleHeader } from '../shared/safe-equal.ts';
import type { FormParams, SmsPayload } from './wire.ts';

/** `a=1&b=2&a=3` → `{ a: ['1', '3'], b: '2' }`: repeated keys keep every value, as Twilio sends them. */
export function formParams(body: string | Buffer): FormParams {
  const params: FormParams = {};
  for (const [key, value] of new URLSearchParams(body.toString())) {
    const seen = params[key];
    if (seen === undefined) params[key] = value;
    else params[key] = Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
}

/** The media type without parameters, lower-cased (`application/json; charset=utf-8` → `application/json`). */
export function mediaTypeOf(req: Pick<InboundRequest, 'headers'>): string {
  return (singleHeader(req.headers, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * Form bodies (Twilio, form-posting gateways) become their parameters; anything else is read as
 * JSON with big integers kept exact. Throws PayloadError when a JSON body does not parse.
 */
export function parseSmsRequest(req: InboundRequest): SmsPayload {
  if (mediaTypeOf(req) === 'application/x-www-form-urlencoded') return { kind: 'form', params: formParams(req.rawBody) };
  try {
    return { kind: 'json', body: parseJsonLossless(req.rawBody.toString('utf8')) };
  } catch (error) {
    throw new PayloadError('the SMS webhook body is neither a form nor JSON', { cause: error });
  }
}
