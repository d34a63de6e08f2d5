import { AppError, PermanentError, RetryableError } from '@switchboard/errors';

/** What nodemailer attaches to SMTP failures (lib/smtp-connection). */
interface SmtpFailure {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

const CONNECTION_CODES = new Set([
  'ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROTOCOL', 'ECONNREFUSED', 'ECONNRESET',
  'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED',
]);

/**
 * Maps what nodemailer threw to the error class egress acts on: an SMTP 4xx reply is a
 * temporary failure (RFC 5321 §4.2.1: greylisting, a full mailbox, rate limits) and is retried;
 * 5xx is final; a failed connection is retried.
 */
export function classifySmtpError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const failure = (typeof error === 'object' && error !== null ? error : {}) as SmtpFailure;
  const message = error instanceof Error ? error.message : String(error);
  const details = { code: failure.code, responseCode: failure.responseCode, command: failure.command, response: failure.response };
  const options = { cause: error, details };
  const status = failure.responseCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new RetryableError(`smtp_${status}`, message, options);
  }
  if (typeof status === 'number' && status >= 500 && status < 600) {
    // 535: the relay refused our credentials; no retry fixes a wrong password
    if (failure.code === 'EAUTH') return new PermanentError('channel_auth_failed', message, options);
    return new PermanentError(`smtp_${status}`, message, options);
  }
  if (failure.code === 'EAUTH') return new PermanentError('channel_auth_failed', message, options);
  if (failure.code && CONNECTION_CODES.has(failure.code)) return new RetryableError('network_error', message, options);
  return new RetryableError('unexpected_error', message, options);
}
