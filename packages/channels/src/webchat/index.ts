export { webchatAdapter, WebchatConfig, WebchatSecrets } from './adapter.ts';
export { normalizeWebchatMessage } from './normalize.ts';
export { createWebchatSender, webchatChannelName, type WebchatSenderDeps } from './send.ts';
export { authenticateVisitor, verifyWebchatRequest } from './verify.ts';
export { signVisitorToken, verifyVisitorToken, VisitorId, VISITOR_TOKEN_TTL_MS, type VisitorTokenClaims } from './visitor-token.ts';
export { VisitorMessageRequest, VisitorSessionRequest, WebchatInbound, WEBCHAT_MAX_TEXT_LENGTH, type WebchatPush } from './wire.ts';
