import type { ChannelAdapter } from '../contract.ts';
import { normalizeSmsWebhook } from './normalize.ts';
import { parseSmsRequest } from './parse.ts';
import { verifySmsRequest } from './verify.ts';
import { SMS_MAX_TEXT_LENGTH, SmsConfig, SmsSecrets } from './wire.ts';

/** Twilio reads the answer as TwiML: an empty Response sends no auto-reply. Gateways only need a 2xx. */
export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

export const smsAdapter: ChannelAdapter<SmsConfig, SmsSecrets> = {
  channel: 'sms',
  capabilities: {
    text: true,
    // Twilio MMS: files by public URL (signed links to ingress-sms, with SMS_WEBHOOK_BASE_URL set
    // in egress), 5 MB per message; without links, or on a gateway, replies name their files instead
    media: true,
    maxTextLength: SMS_MAX_TEXT_LENGTH,
    maxAttachmentBytes: 5 * 1024 * 1024,
    maxAttachmentTotalBytes: 5 * 1024 * 1024,
    // a US long code sends about one segment a second; toll-free and short codes allow more
    sendRatePerSecond: 1,
  },
  configSchema: SmsConfig,
  secretsSchema: SmsSecrets,
  parse: parseSmsRequest,
  verify: verifySmsRequest,
  normalize: normalizeSmsWebhook,
  ack: { contentType: 'text/xml', body: EMPTY_TWIML },
  // android-sms-gateway drops a second message with the same caller-supplied id; Twilio and
  // generic gateways promise nothing, so a send with an unknown outcome is not repeated there
  resendIsSafe: (config) => config.provider === 'gateway' && config.sendFormat === 'android-sms-gateway',
};
