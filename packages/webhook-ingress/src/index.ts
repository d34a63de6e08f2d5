export { acceptWebhook, type AcceptDeps, type AcceptOutcome } from './accept.ts';
export { buildWebhookIngress, type WebhookIngressDeps } from './app.ts';
export { runWebhookIngress } from './run.ts';
