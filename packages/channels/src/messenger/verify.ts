import type { InboundRequest, InboxContext } from '../contract.ts';
import { metaHandshake, verifyMetaSignature } from '../meta/index.ts';
import type { MetaMessagingSecrets } from './adapter.ts';


/** `X-Hub-Signature-256` over the raw body with the inbox's app secret; throws SignatureError. */
export function verifyMetaMessagingRequest(req: InboundRequest, inbox: InboxContext<unknown, MetaMessagingSecrets>): void {
  verifyMetaSignature(req, inbox.secrets.appSecret);
}

/** The subscription handshake (`hub.challenge`) with the inbox's verify token. */
export function metaMessagingHandshake(req: InboundRequest, inbox: InboxContext<unknown, MetaMessagingSecrets>) {
  return metaHandshake(req, inbox.secrets.verifyToken);
}
