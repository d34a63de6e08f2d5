export { buildWebchatIngress, BODY_LIMIT_BYTES, type WebchatIngressDeps } from './app.ts';
export { ingressWebchatEnv } from './config.ts';
export { CLOSE as WEBCHAT_SOCKET_CLOSE } from './socket-route.ts';
export { RETRY_AFTER_S } from './errors.ts';
