import { z } from 'zod';

/**
 * One `sms` channel, two providers: the inbox's config names which one. Twilio (or a
 * Twilio-compatible API) signs with the account's auth token; a generic HTTP gateway signs with
 * a shared secret (docs/channels/sms-gateway.md).
 */
export const TwilioConfig = z.object({
  provider: z.literal('twilio'),
  /** The account the inbox sends from (AC…); media downloads authenticate with it. */
  accountSid: z.string().trim().min(2).max(64),
  /** E.164 number (`+14155550100`), `whatsapp:+1…` sender, or a messaging service sid (MG…). */
  from: z.string().trim().min(2).max(64),
  /** Where Twilio posts delivery receipts: this inbox's webhook URL. Unset: no receipts. */
  statusCallbackUrl: z.url().optional(),
});
export type TwilioConfig = z.infer<typeof TwilioConfig>;

export const GatewayConfig = z.object({
  provider: z.literal('gateway'),
  /** Replies are POSTed here (see docs/channels/sms-gateway.md). */
  sendUrl: z.url(),
  /** The sender number or name to ask the gateway for; unset: the gateway's default. */
  from: z.string().trim().min(1).max(64).optional(),
  /**
   * `switchboard`: `{to, text, from?, id}` with a bearer token; `android-sms-gateway`: the
   * capcom6 app's `POST /messages` body with basic auth (`sendToken` = "user:password").
   */
  sendFormat: z.enum(['switchboard', 'android-sms-gateway']).default('switchboard'),
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;

export const SmsConfig = z.discriminatedUnion('provider', [TwilioConfig, GatewayConfig]);
export type SmsConfig = z.infer<typeof SmsConfig>;

/** Secrets of either provider; verify and send fail closed when the one they need is absent. */
export const SmsSecrets = z
  .object({
    /** Twilio: the account's auth token (signs webhooks, authenticates API calls). */
    authToken: z.string().min(8).max(256).optional(),
    /** Gateway: the HMAC key of inbound webhooks. */
    signingSecret: z.string().min(16).max(512).optional(),
    /** Gateway: the bearer token (or "user:password" for the Android app) of the send URL. */
    sendToken: z.string().min(1).max(1024).optional(),
  })
  .refine((s) => s.authToken !== undefined || s.signingSecret !== undefined, {
    message: 'authToken (Twilio) or signingSecret (gateway) is required',
  });
export type SmsSecrets = z.infer<typeof SmsSecrets>;

/** Twilio's limit for one message body (it splits into segments itself). */
export const SMS_MAX_TEXT_LENGTH = 1600;

/** A form-encoded webhook: a repeated key keeps every value, in order (Twilio signs them all). */
export type FormParams = Record<string, string | string[]>;

/** What `parseSmsRequest` hands to normalize: the provider is known only from the inbox. */
export type SmsPayload = { kind: 'form'; params: FormParams } | { kind: 'json'; body: unknown };

/** Twilio's error body: `{ code, message, more_info, status }`. */
export const TwilioErrorBody = z.object({
  code: z.union([z.number(), z.string()]).optional(),
  message: z.string().optional(),
  more_info: z.string().optional(),
  status: z.number().optional(),
});

/** The created message resource (only what we read). */
export const TwilioMessageResource = z.object({ sid: z.string().min(1), date_created: z.string().nullish() });

/** Our gateway contract: an inbound SMS. */
export const GatewayMessage = z.object({
  id: z.union([z.string().min(1).max(256), z.number()]).transform(String),
  from: z.string().trim().min(1).max(64),
  to: z.string().max(64).optional(),
  text: z.string().max(100_000),
  receivedAt: z.iso.datetime({ offset: true }).optional(),
});

/** Our gateway contract: a delivery report for a message we sent. */
export const GatewayStatus = z.object({
  id: z.union([z.string().min(1).max(256), z.number()]).transform(String),
  status: z.enum(['sent', 'delivered', 'read', 'failed', 'undelivered']),
  error: z.string().max(2000).optional(),
});

/** capcom6/android-sms-gateway webhook envelope (WebHookEventDTO). */
export const AndroidGatewayEvent = z.object({
  event: z.string(),
  id: z.string().optional(),
  deviceId: z.string().optional(),
  payload: z
    .object({
      messageId: z.union([z.string(), z.number()]).transform(String).optional(),
      message: z.string().optional(),
      phoneNumber: z.string().optional(),
      simNumber: z.number().optional(),
      receivedAt: z.string().optional(),
      reason: z.string().optional(),
    })
    .loose()
    .default({}),
});
