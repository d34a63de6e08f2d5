import { PermanentError } from '@switchboard/errors';
import type { OutboundFile, OutboundMessage, SendResult } from '../../contract.ts';
import { splitText } from '../../shared/split-text.ts';
import { textAndMedia } from '../files.ts';
import { jsonOf, request } from '../http.ts';
import { SMS_MAX_TEXT_LENGTH, TwilioMessageResource, type SmsSecrets, type TwilioConfig } from '../wire.ts';
import { classifyTwilioError } from './classify.ts';

export const TWILIO_API_ROOT = 'https://api.twilio.com';
/** Twilio takes up to 10 MediaUrl per message. */
const MAX_MEDIA_PER_MESSAGE = 10;

export interface TwilioSendDeps {
  apiRoot: string;
  fetch: typeof fetch;
  mediaUrlFor?: ((file: OutboundFile) => string | undefined) | undefined;
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/**
 * POST /2010-04-01/Accounts/{sid}/Messages.json, form-encoded, basic auth. A text over 1600
 * characters goes as several messages in order (media with the first); the result is the last sid.
 */
export async function sendTwilio(deps: TwilioSendDeps, msg: OutboundMessage, config: TwilioConfig, secrets: SmsSecrets): Promise<SendResult> {
  if (!secrets.authToken) throw new PermanentError('channel_auth_failed', 'the inbox has no Twilio auth token');
  const { text, mediaUrls } = textAndMedia(msg, deps.mediaUrlFor);
  const chunks = text ? splitText(text, SMS_MAX_TEXT_LENGTH) : [''];
  const url = `${deps.apiRoot.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Messages.json`;
  const auth = basicAuth(config.accountSid, secrets.authToken);
  let media = mediaUrls.slice(0, MAX_MEDIA_PER_MESSAGE);
  let sid = '';
  for (const body of chunks) {
    const form = new URLSearchParams();
    form.set('To', msg.recipientExternalId);
    for (const [key, value] of Object.entries(sender(config.from, msg.recipientExternalId))) form.set(key, value);
    if (body) form.set('Body', body);
    for (const mediaUrl of media) form.append('MediaUrl', mediaUrl);
    if (config.statusCallbackUrl) form.set('StatusCallback', config.statusCallbackUrl);
    media = [];
    const res = await request(deps.fetch, url, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: form }, 'Twilio API');
    const json = await jsonOf(res);
    if (!res.ok) throw classifyTwilioError(res.status, json, res.headers.get('retry-after'));
    const resource = TwilioMessageResource.safeParse(json);
    if (!resource.success) throw classifyTwilioError(502, json);
    sid = resource.data.sid;
  }
  return { externalMessageId: sid, sentAt: new Date() };
}

/**
 * `From`, or `MessagingServiceSid` for an MG… sid. A WhatsApp recipient (kept as
 * `whatsapp:+…` from its inbound messages) needs a `whatsapp:` sender too.
 */
function sender(from: string, to: string): Record<string, string> {
  if (/^MG[0-9a-fA-F]{32}$/.test(from)) return { MessagingServiceSid: from };
  if (to.startsWith('whatsapp:') && !from.startsWith('whatsapp:')) return { From: `whatsapp:${from}` };
  return { From: from };
}
