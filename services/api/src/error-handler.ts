import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, HttpError, PayloadError, SignatureError } from '@switchboard/errors';

interface FieldIssue {
  path: string;
  message: string;
}

// fastify says `querystring`; callers think of it as the query
const CONTEXT_NAMES: Record<string, string> = { querystring: 'query' };

/** fastify's own client errors, with codes a client can branch on. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_NOT_FOUND: 'not_found',
};

const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/** A 400 naming the offending field, in the same shape as schema validation failures. */
export function invalidField(path: string, message: string): HttpError {
  return new HttpError(400, 'validation_failed', `${path}: ${message}`, [{ path, message }]);
}

function validationIssues(error: FastifyError): FieldIssue[] {
  const context = error.validationContext ?? 'request';
  const prefix = CONTEXT_NAMES[context] ?? context;
  return (error.validation ?? []).map((issue) => {
    const field = issue.instancePath.split('/').filter(Boolean).join('.');
    return { path: field ? `${prefix}.${field}` : prefix, message: issue.message ?? 'is invalid' };
  });
}

function statusOf(error: AppError): number {
  if (error instanceof HttpError) return error.statusCode;
  if (error instanceof SignatureError) return 401;
  if (error instanceof PayloadError) return 400;
  return error.retryable ? 503 : 500;
}

function send(reply: FastifyReply, status: number, error: { code: string; message: string; details?: FieldIssue[] }) {
  if (status === 401) void reply.header('www-authenticate', 'Bearer');
  return reply.code(status).send({ error });
}

/**
 * The one error handler: every failure leaves as `{ error: { code, message, details? } }`.
 * Client errors say what was wrong; server errors are logged in full and answered generically.
 */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error.validation) {
    const details = validationIssues(error);
    const [first] = details;
    const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
    const message = first ? `${first.path}: ${first.message}${more}` : 'the request is invalid';
    return send(reply, 400, { code: 'validation_failed', message, details });
  }
  if (error instanceof AppError) {
    const status = statusOf(error);
    if (status < 500) {
      const details = Array.isArray(error.details) ? (error.details as FieldIssue[]) : undefined;
      return send(reply, status, { code: error.code, message: error.message, ...(details ? { details } : {}) });
    }
    request.log.error({ err: error, code: error.code }, 'request failed');
    return send(reply, status, { code: error.code, message: status === 503 ? 'temporarily unavailable, retry later' : 'internal error' });
  }
  // PostgreSQL refuses NUL (and text its encoding cannot hold) in text columns: the client sent it
  const pgCode = (error as { code?: unknown }).code;
  if (pgCode === '22P05' || pgCode === '22021') {
    return send(reply, 400, { code: 'invalid_text', message: 'text must not contain NUL characters or invalid UTF-8' });
  }
  const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code = FASTIFY_CODES[error.code] ?? STATUS_CODES[status] ?? 'bad_request';
    return send(reply, status, { code, message: error.message });
  }
  request.log.error({ err: error }, 'request failed');
  return send(reply, 500, { code: 'internal', message: 'internal error' });
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply) {
  return send(reply, 404, { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}` });
}
