import { z } from 'zod';
import type { OutboundMessage, SendResult } from '../../contract.ts';
import { splitText } from '../../shared/split-text.ts';
import { textAndMedia } from '../files.ts';
import { jsonOf, request } from '../http.ts';
import { basicAuth } from '../twilio/send.ts';
import { SMS_MAX_TEXT_LENGTH, type GatewayConfig, type SmsSecrets } from '../wire.ts';
import { classifyGatewayError } from './classify.ts';

const Accepted = z.object({ id: z.union([z.string().min(1), z.number()]).transform(String) }).partial();

/**
 * POSTs each part of the reply to the inbox's `sendUrl` (docs/channels/sms-gateway.md). Our id
 * goes along so a gateway can drop a retried request; the gateway's `{id}` is the external id
 * its delivery reports will name (ours when it answers without one).
 */
export async function sendGateway(doFetch: typeof fetch, msg: OutboundMessage, config: GatewayConfig, secrets: SmsSecrets): Promise<SendResult> {
  const { text } = textAndMedia(msg);
  const chunks = splitText(text, SMS_MAX_TEXT_LENGTH);
  let externalId = '';
  for (const [index, part] of chunks.entries()) {
    const id = index === 0 ? msg.messageId : `${msg.messageId}-${index + 1}`;
    const android = config.sendFormat === 'android-sms-gateway';
    const body = android
      ? { id, textMessage: { text: part }, phoneNumbers: [msg.recipientExternalId] }
      : { id, to: msg.recipientExternalId, text: part, ...(config.from && { from: config.from }) };
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (secrets.sendToken) {
      const [user = '', ...rest] = secrets.sendToken.split(':');
      headers.authorization = android ? basicAuth(user, rest.join(':')) : `Bearer ${secrets.sendToken}`;
    }
    const res = await request(doFetch, config.sendUrl, { method: 'POST', headers, body: JSON.stringify(body) }, 'the SMS gateway');
    const json = await jsonOf(res);
    if (!res.ok) throw classifyGatewayError(res.status, json, res.headers.get('retry-after'));
    const accepted = Accepted.safeParse(json);
    externalId = (accepted.success && accepted.data.id) || id;
  }
  return { externalMessageId: externalId, sentAt: new Date() };
}
