import { runWebhookIngress } from '@switchboard/webhook-ingress';
import { buildMetaIngress } from './app.ts';
import { ingressMetaEnv } from './config.ts';

await runWebhookIngress('ingress-meta', ingressMetaEnv, (deps) => buildMetaIngress(deps));
