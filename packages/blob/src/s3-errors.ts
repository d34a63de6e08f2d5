import { AppError, PermanentError, RetryableError } from '@switchboard/errors';

/** What the S3 client throws: a service error carries the HTTP status and the S3 error code as `name`. */
interface S3Failure {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const DENIED = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AllAccessDisabled', 'AccountProblem']);
const THROTTLED = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequests', 'RequestLimitExceeded', 'ServiceUnavailable']);
// 400s that S3 documents as "try again": the connection was slow, or the clocks drifted apart
const TRANSIENT_4XX = new Set(['RequestTimeout', 'RequestTimeTooSkewed', 'IdempotentParameterMismatch']);

/**
 * Maps an S3 client failure to an error that decides retries: bad credentials, a missing bucket
 * or a refused request are permanent; the network, 5xx and throttling are retryable.
 */
export function classifyS3Error(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const failure = (error ?? {}) as S3Failure;
  const status = failure.$metadata?.httpStatusCode;
  const name = failure.name ?? 'Error';
  const what = `blob store: ${name}${status ? ` (HTTP ${status})` : ''}: ${failure.message ?? String(error)}`;
  const options = { cause: error };
  // no HTTP status: the request never got an answer (refused, reset, timed out)
  if (status === undefined) return new RetryableError('blob_store_unreachable', what, options);
  if (THROTTLED.has(name) || status === 429) return new RetryableError('blob_store_throttled', what, options);
  if (status >= 500) return new RetryableError('blob_store_unavailable', what, options);
  if (DENIED.has(name) || status === 401 || status === 403) return new PermanentError('blob_store_access_denied', what, options);
  if (name === 'NoSuchBucket') return new PermanentError('blob_bucket_not_found', what, options);
  if (TRANSIENT_4XX.has(name) || status === 408) return new RetryableError('blob_store_unavailable', what, options);
  return new PermanentError('blob_store_rejected', what, options);
}
