import type { InboundEvent } from '@switchboard/contracts';
import { PayloadError } from '@switchboard/errors';
import type { InboxContext } from '../contract.ts';
import { normalizeGatewayPayload } from './gateway/normalize.ts';
import { normalizeTwilioParams } from './twilio/normalize.ts';
import type { SmsConfig, SmsPayload } from './wire.ts';

const isFormValue = (value: unknown) => typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'));

function isPayload(raw: unknown): raw is SmsPayload {
  if (typeof raw !== 'object' || raw === null) return false;
  const payload = raw as Partial<Record<'kind' | 'params' | 'body', unknown>>;
  if (payload.kind === 'json') return true;
  // form values are strings (repeated keys: arrays of strings), as formParams builds them
  const params = payload.params;
  return payload.kind === 'form' && typeof params === 'object' && params !== null && !Array.isArray(params) && Object.values(params).every(isFormValue);
}

/** `parseSmsRequest`'s result → events, read as the inbox's provider sends them. Throws PayloadError. */
export function normalizeSmsWebhook(raw: unknown, inbox: InboxContext<SmsConfig, unknown>, receivedAt: Date): InboundEvent[] {
  if (!isPayload(raw)) throw new PayloadError('not a parsed SMS webhook');
  if (inbox.config.provider === 'gateway') return normalizeGatewayPayload(raw, inbox, receivedAt);
  // Twilio's messaging webhooks are forms; its JSON-body webhooks belong to other products
  if (raw.kind !== 'form') throw new PayloadError('a Twilio messaging webhook must be form-encoded');
  return normalizeTwilioParams(raw.params, inbox, receivedAt);
}
