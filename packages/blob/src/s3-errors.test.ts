import { describe, expect, it } from '@jest/globals';
import { PermanentError } from '@switchboard/errors';
import { classifyS3Error } from './s3-errors.ts';

const s3Error = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe('classifyS3Error', () => {
  it.each([
    ['AccessDenied', 403, 'blob_store_access_denied', false],
    ['InvalidAccessKeyId', 403, 'blob_store_access_denied', false],
    ['SignatureDoesNotMatch', 403, 'blob_store_access_denied', false],
    ['NoSuchBucket', 404, 'blob_bucket_not_found', false],
    ['InvalidArgument', 400, 'blob_store_rejected', false],
    ['RequestTimeout', 400, 'blob_store_unavailable', true],
    ['SlowDown', 503, 'blob_store_throttled', true],
    ['TooManyRequests', 429, 'blob_store_throttled', true],
    ['InternalError', 500, 'blob_store_unavailable', true],
    ['Unknown', 502, 'blob_store_unavailable', true],
  ])('%s (HTTP %i) → %s', (name, status, code, retryable) => {
    expect(classifyS3Error(s3Error(name, status))).toMatchObject({ code, retryable });
  });

  it('treats a failure without an HTTP answer as retryable', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(classifyS3Error(refused)).toMatchObject({ code: 'blob_store_unreachable', retryable: true });
  });

  it('passes our own errors through', () => {
    const error = new PermanentError('attachment_too_large', 'too large');
    expect(classifyS3Error(error)).toBe(error);
  });
});
