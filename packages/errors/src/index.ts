/**
 * Errors that decide what happens next. Every error carries a stable `code`
 * (log and alert on it, never on `message`) and says whether retrying may help.
 */
export class AppError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly details: unknown;

  constructor(code: string, message: string, options: { retryable?: boolean; cause?: unknown; details?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }
}

/** A transient failure (network, 5xx, timeout): try again with backoff. */
export class RetryableError extends AppError {
  constructor(code: string, message: string, options: { cause?: unknown; details?: unknown } = {}) {
    super(code, message, { ...options, retryable: true });
  }
}

/** The other side asked us to slow down: wait `retryAfterMs`, without spending an attempt. */
export class RateLimitedError extends AppError {
  readonly retryAfterMs: number;
  constructor(code: string, message: string, retryAfterMs: number, options: { cause?: unknown; details?: unknown } = {}) {
    super(code, message, { ...options, retryable: true });
    this.retryAfterMs = retryAfterMs;
  }
}

/** Retrying cannot help (blocked by the user, invalid recipient, bad config): record and stop. */
export class PermanentError extends AppError {
  constructor(code: string, message: string, options: { cause?: unknown; details?: unknown } = {}) {
    super(code, message, { ...options, retryable: false });
  }
}

/** A webhook whose authenticity could not be established: answer 401, queue nothing. */
export class SignatureError extends AppError {
  constructor(message = 'request signature is missing or invalid') {
    super('invalid_signature', message);
  }
}

/** An authenticated payload we cannot understand: park it for inspection, acknowledge it. */
export class PayloadError extends AppError {
  constructor(message: string, options: { cause?: unknown; details?: unknown } = {}) {
    super('unparseable_payload', message, options);
  }
}

/** Client errors of our own API, mapped to HTTP status codes by the API's error handler. */
export class HttpError extends AppError {
  readonly statusCode: number;
  constructor(statusCode: number, code: string, message: string, details?: unknown) {
    super(code, message, { details });
    this.statusCode = statusCode;
  }
}

export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`);
export const conflict = (code: string, message: string) => new HttpError(409, code, message);
export const forbidden = (message = 'this route needs a higher role') => new HttpError(403, 'forbidden', message);
export const unauthorized = (message = 'a valid bearer token is required') =>
  new HttpError(401, 'unauthorized', message);
export const badRequest = (code: string, message: string, details?: unknown) =>
  new HttpError(400, code, message, details);

/** Whether an unknown thrown value should be retried: only typed permanent errors are final. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof AppError) return error.retryable;
  return true;
}
