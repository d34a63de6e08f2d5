import type { z } from 'zod';
import { apiEnv } from '@switchboard/api';
import { egressEnv } from '@switchboard/egress';
import { ingressEmailEnv } from '@switchboard/ingress-email';
import { ingressMetaEnv } from '@switchboard/ingress-meta';
import { ingressSmsEnv } from '@switchboard/ingress-sms';
import { ingressTelegramEnv } from '@switchboard/ingress-telegram';
import { ingressWebchatEnv } from '@switchboard/ingress-webchat';
import { ingressWhatsAppEnv } from '@switchboard/ingress-whatsapp';
import { routerEnv } from '@switchboard/router';

/** Every service and the env schema its main.ts loads: what compose and k8s must provide. */
export const SERVICE_ENVS: Record<string, z.ZodRawShape> = {
  api: apiEnv,
  'ingress-telegram': ingressTelegramEnv,
  'ingress-webchat': ingressWebchatEnv,
  'ingress-email': ingressEmailEnv,
  'ingress-whatsapp': ingressWhatsAppEnv,
  'ingress-meta': ingressMetaEnv,
  'ingress-sms': ingressSmsEnv,
  router: routerEnv,
  egress: egressEnv,
};
