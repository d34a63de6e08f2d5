import { blobUrlKey, createBlobStore } from '@switchboard/blob';
import { decodeKey } from '@switchboard/config';
import { runWebhookIngress } from '@switchboard/webhook-ingress';
import { ingressSmsEnv } from './config.ts';
import { buildSmsIngress } from './index.ts';

// reply files for MMS are served from the blob store through links egress signs with the same key
await runWebhookIngress('ingress-sms', ingressSmsEnv, (deps, env) =>
  buildSmsIngress({ ...deps, media: { blobs: createBlobStore(env), urlKey: blobUrlKey(decodeKey(env.SWITCHBOARD_SECRET_KEY)!) } }),
);
