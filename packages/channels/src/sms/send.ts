import { PermanentError } from '@switchboard/errors';
import type { OutboundFile, Sender } from '../contract.ts';
import { sendGateway } from './gateway/send.ts';
import { sendTwilio, TWILIO_API_ROOT } from './twilio/send.ts';
import { SmsConfig, SmsSecrets } from './wire.ts';

export interface SmsSenderDeps {
  /** Twilio REST root; tests point it at a fake. Default https://api.twilio.com */
  apiRoot?: string;
  fetch?: typeof fetch;
  /** A public URL Twilio can download a reply's file from; without one files are named, not sent. */
  mediaUrlFor?: (file: OutboundFile) => string | undefined;
  /**
   * Public base URL of ingress-sms: replies ask Twilio to report their status to
   * `<base>/webhooks/sms/<inbox id>` unless the inbox sets its own `statusCallbackUrl`.
   */
  statusCallbackBase?: string;
}

/** Sends agent replies through the inbox's provider: Twilio's Messages API or the gateway's send URL. */
export function createSmsSender(deps: SmsSenderDeps = {}): Sender {
  const doFetch = deps.fetch ?? fetch;
  const twilio = { apiRoot: deps.apiRoot ?? TWILIO_API_ROOT, fetch: doFetch, mediaUrlFor: deps.mediaUrlFor };
  return async (msg, inbox) => {
    // egress keeps every channel's sender in one map, so config and secrets arrive untyped
    const config = SmsConfig.safeParse(inbox.config);
    const secrets = SmsSecrets.safeParse(inbox.secrets);
    if (!config.success || !secrets.success) throw new PermanentError('inbox_misconfigured', 'the SMS inbox has an invalid config or secrets');
    const callback = deps.statusCallbackBase ? `${deps.statusCallbackBase.replace(/\/+$/, '')}/webhooks/sms/${inbox.id}` : undefined;
    return config.data.provider === 'twilio'
      ? sendTwilio(twilio, msg, { ...config.data, ...(!config.data.statusCallbackUrl && callback && { statusCallbackUrl: callback }) }, secrets.data)
      : sendGateway(doFetch, msg, config.data, secrets.data);
  };
}
