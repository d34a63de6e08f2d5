import { pino, type Logger, type LoggerOptions } from 'pino';
import { redactUrl, scrubSecrets } from './scrub.ts';

export type { Logger };
export { forgetSecrets, redactUrl, rememberSecrets, scrubSecrets } from './scrub.ts';

const SECRET_FIELDS = [
  'password', 'pass', 'token', 'botToken', 'secretToken', 'secret', 'apiKey', 'accessToken', 'access_token',
  'authToken', 'appSecret', 'verifyToken', 'pageAccessToken', 'signingSecret', 'sendToken', 'identitySecret',
  'imapPassword', 'smtpPassword', 'webhookSecret', 'authorization', 'cookie',
];
const SIGNED_HEADERS = ['authorization', 'cookie', 'x-telegram-bot-api-secret-token', 'x-hub-signature-256', 'x-hub-signature', 'x-twilio-signature', 'x-signature'];

/** Paths never written to logs: tokens, passwords, credentials, webhook secrets and signatures. */
export const REDACT_PATHS = [
  ...SIGNED_HEADERS.flatMap((h) => [`req.headers["${h}"]`, `headers["${h}"]`, `*.headers["${h}"]`]),
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
  'secrets',
  '*.secrets',
  '*.auth',
];

/**
 * fastify's request serializer, minus credentials in the query string (the web-chat socket's
 * `?token=`, the event stream's `?access_token=`, Meta's `hub.verify_token`, signed media links).
 * Every fastify app built on this logger uses it: fastify keeps an instance's own serializers.
 */
function serializeRequest(req: unknown): unknown {
  if (!req || typeof req !== 'object' || typeof (req as { url?: unknown }).url !== 'string') return req;
  const r = req as { method?: string; url: string; host?: string; ip?: string; socket?: { remotePort?: number } };
  return { method: r.method, url: redactUrl(r.url), host: r.host, remoteAddress: r.ip, remotePort: r.socket?.remotePort };
}

export function createLogger(options: { service: string; level?: string; destination?: pino.DestinationStream }): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.service },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { req: serializeRequest, err: pino.stdSerializers.err },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // last line of defence: a decrypted secret quoted in free text (a vendor error echoing a URL
    // with the bot token, say) is cut from the finished line
    hooks: { streamWrite: scrubSecrets },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

/** A logger that drops everything, for tests that do not inspect logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
