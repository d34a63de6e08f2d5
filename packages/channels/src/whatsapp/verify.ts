import { SignatureError } from '@switchboard/errors';
import type { InboundRequest, InboxContext } from '../contract.ts';
import { metaHandshake, verifyMetaSignature } from '../meta/verify.ts';

type WithSecrets = InboxContext<unknown, { appSecret: string; verifyToken: string }>;

/** X-Hub-Signature-256 over the raw body with the Meta app's secret; throws SignatureError. */
export function verifyWhatsAppRequest(req: InboundRequest, inbox: WithSecrets): void {
  // an inbox without a secret must fail closed: HMAC with an empty key is still a valid HMAC
  if (!inbox.secrets.appSecret) throw new SignatureError('inbox has no app secret');
  verifyMetaSignature(req, inbox.secrets.appSecret);
}

/** Meta's subscription check (`hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`). */
export function whatsAppHandshake(req: InboundRequest, inbox: WithSecrets): { status: number; body: string } | undefined {
  if (!inbox.secrets.verifyToken) return req.query['hub.mode'] === undefined ? undefined : { status: 403, body: 'verify token mismatch' };
  return metaHandshake(req, inbox.secrets.verifyToken);
}
