export { DEFAULT_UPLOAD_TYPES, webchatAdapter, WebchatConfig, WebchatSecrets } from './adapter.ts';
export { normalizeWebchatMessage } from './normalize.ts';
export { createWebchatSender, webchatChannelName, type WebchatSenderDeps } from './send.ts';
export { authenticateVisitor, verifyWebchatRequest } from './verify.ts';
export { signVisitorToken, verifyVisitorToken, VisitorId, VISITOR_TOKEN_TTL_MS, type VisitorTokenClaims } from './visitor-token.ts';
export { signUserId, visitorIdForIdentity } from './identity.ts';
export { signUploadToken, verifyUploadToken, type VisitorUpload } from './upload-token.ts';
export {
  CallbackFormRequest,
  OfflineFormRequest,
  VisitorIdentity,
  VisitorMessageRequest,
  VisitorSessionRequest,
  VisitorSurveyAnswer,
  WebchatInbound,
  webchatFileUrl,
  webchatWireMessage,
  WEBCHAT_MAX_TEXT_LENGTH,
  type WebchatFile,
  type WebchatWireMessage,
  type WebchatInboundInput,
  type WebchatPush,
  type WebchatSurvey,
} from './wire.ts';
