import { SignatureError } from '@switchboard/errors';
import type { InboundRequest, InboxContext } from '../contract.ts';
import { singleHeader } from '../shared/safe-equal.ts';
import { verifyVisitorToken, type VisitorTokenClaims } from './visitor-token.ts';

interface WebchatVerifyConfig {
  allowedOrigins: string[];
}
interface WebchatVerifySecrets {
  visitorTokenKey: string;
}

const BEARER = /^Bearer ([A-Za-z0-9_.-]+)$/i;

/**
 * The visitor behind a widget request: its `authorization: Bearer <token>` must be a visitor
 * token of this inbox, and its Origin one of the inbox's allowed origins when any are configured.
 * Throws SignatureError otherwise. The ingress builds `normalize`'s input from the returned claims.
 */
export function authenticateVisitor(
  req: InboundRequest,
  inbox: InboxContext<WebchatVerifyConfig, WebchatVerifySecrets>,
  now: Date = new Date(),
): VisitorTokenClaims {
  const allowed = inbox.config.allowedOrigins ?? [];
  const origin = singleHeader(req.headers, 'origin');
  // defence in depth: the token is the credential, the origin limits which sites may embed it
  if (allowed.length > 0 && (origin === undefined || !allowed.includes(origin))) {
    throw new SignatureError('origin not allowed for this inbox');
  }
  const token = BEARER.exec(singleHeader(req.headers, 'authorization') ?? '')?.[1];
  if (token === undefined) throw new SignatureError('visitor token missing');
  const key = Buffer.from(inbox.secrets.visitorTokenKey ?? '', 'base64');
  if (key.length !== 32) throw new SignatureError('inbox has no valid visitor token key');
  return verifyVisitorToken(token, key, { inboxId: inbox.id }, now);
}

export function verifyWebchatRequest(req: InboundRequest, inbox: InboxContext<WebchatVerifyConfig, WebchatVerifySecrets>): void {
  authenticateVisitor(req, inbox);
}
