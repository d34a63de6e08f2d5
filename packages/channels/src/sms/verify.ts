import { SignatureError } from '@switchboard/errors';
import type { InboundRequest, InboxContext } from '../contract.ts';
import { verifyGatewayRequest } from './gateway/verify.ts';
import { verifyTwilioRequest } from './twilio/verify.ts';
import type { SmsConfig, SmsSecrets } from './wire.ts';

/** Checks the request with the inbox provider's scheme; throws SignatureError. */
export function verifySmsRequest(req: InboundRequest, inbox: InboxContext<SmsConfig, SmsSecrets>): void {
  switch (inbox.config.provider) {
    case 'twilio':
      return verifyTwilioRequest(req, inbox.secrets.authToken);
    case 'gateway':
      return verifyGatewayRequest(req, inbox.secrets.signingSecret);
    default:
      throw new SignatureError('the inbox names no SMS provider');
  }
}
