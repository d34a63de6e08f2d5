import type { FastifyError, FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { AppError, badRequest, HttpError, SignatureError } from '@switchboard/errors';

/** Seconds a widget waits before retrying a send that got a 503 (with the same clientMessageId). */
export const RETRY_AFTER_S = 5;

/** fastify's own client errors, with the codes the API uses for them. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
};
const STATUS_CODES: Record<number, string> = {
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/**
 * The API's error shape `{ error: { code, message, details? } }`. Clients branch on `code`;
 * 5xx hide their details (they are logged instead).
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: { code: 'not_found', message: 'no such route' } }));

  app.setErrorHandler((error: FastifyError | AppError | Error, req, reply) => {
    if (error instanceof HttpError) {
      return reply.code(error.statusCode).send(body(error.code, error.message, error.details));
    }
    if (error instanceof SignatureError) {
      return reply.code(401).header('www-authenticate', 'Bearer').send(body('invalid_token', error.message));
    }
    if (error instanceof AppError && error.retryable) {
      req.log.warn({ err: error, code: error.code }, 'dependency unavailable');
      return reply
        .code(503)
        .header('retry-after', String(RETRY_AFTER_S))
        .send(body('unavailable', 'temporarily unavailable; retry later with the same request'));
    }
    const status = (error as FastifyError).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      const code = FASTIFY_CODES[(error as FastifyError).code] ?? STATUS_CODES[status] ?? 'bad_request';
      return reply.code(status).send(body(code, error.message));
    }
    req.log.error({ err: error }, 'request failed');
    return reply.code(500).send(body('internal', 'internal error'));
  });
}

function body(code: string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/**
 * Parses a request part with `schema`; the 400 names the offending fields the way the API
 * does: `validation_failed`, message `body.text: ...`, details `[{ path, message }]`.
 */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, part: 'body' | 'query'): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({ path: [part, ...issue.path.map(String)].join('.'), message: issue.message }));
  const [first] = details;
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  throw badRequest('validation_failed', first ? `${first.path}: ${first.message}${more}` : `the ${part} is invalid`, details);
}
