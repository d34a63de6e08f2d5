import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { PermanentError, RetryableError } from '@switchboard/errors';
import { startS3, type TestS3 } from '@switchboard/testkit';
import { createS3BlobStore, type S3BlobStore, type S3BlobStoreOptions } from './s3.ts';

let s3: TestS3;
const stores: S3BlobStore[] = [];
beforeAll(async () => { s3 = await startS3(); });
afterAll(async () => {
  for (const store of stores) store.close();
  await s3.stop();
});

/** One attempt per request: a failure surfaces at once instead of after the SDK's backoff. */
function storeFor(server: TestS3, overrides: Partial<S3BlobStoreOptions> = {}): S3BlobStore {
  const store = createS3BlobStore({ ...server, region: 'us-east-1', forcePathStyle: true, maxBytes: 1024, maxAttempts: 1, ...overrides });
  stores.push(store);
  return store;
}

describe('createS3BlobStore', () => {
  it('stores bytes under their sha256 and returns them with their content type and a non-ASCII file name', async () => {
    const store = storeFor(s3);
    const bytes = Buffer.from('hello, ciële');
    const sha = createHash('sha256').update(bytes).digest('hex');
    const fileName = 'счёт 100% — ciële "v2".pdf';
    expect(await store.put(bytes, { contentType: 'application/pdf', fileName })).toEqual({ key: sha, size: bytes.length, sha256: sha });
    expect(await store.get(sha)).toEqual({ bytes, contentType: 'application/pdf', fileName });
  });

  it('gives the same bytes the same key and keeps the first metadata', async () => {
    const store = storeFor(s3);
    const a = await store.put(Buffer.from('same'), { contentType: 'text/plain', fileName: 'a.txt' });
    const b = await store.put(Buffer.from('same'), { contentType: 'text/plain', fileName: 'b.txt' });
    expect(b.key).toBe(a.key);
    expect(await store.get(a.key)).toMatchObject({ bytes: Buffer.from('same'), fileName: 'a.txt' });
  });

  it('keeps objects under the configured prefix', async () => {
    const prefixed = storeFor(s3, { prefix: 'switchboard/attachments/' });
    const { key } = await prefixed.put(Buffer.from('prefixed'), { contentType: 'text/plain' });
    expect(await prefixed.get(key)).toEqual({ bytes: Buffer.from('prefixed'), contentType: 'text/plain' });
    expect(await storeFor(s3).get(key)).toBeUndefined();
  });

  it('refuses a blob over the limit before any request', async () => {
    // nothing listens on port 1: any request would fail as unreachable, not as too large
    const store = storeFor(s3, { endpoint: 'http://127.0.0.1:1', maxBytes: 4 });
    const put = store.put(Buffer.from('12345'), { contentType: 'text/plain' });
    await expect(put).rejects.toBeInstanceOf(PermanentError);
    await expect(put).rejects.toMatchObject({ code: 'attachment_too_large' });
  });

  it('returns undefined for unknown and malformed keys', async () => {
    const store = storeFor(s3);
    expect(await store.get('0'.repeat(64))).toBeUndefined();
    expect(await store.get('../../etc/passwd')).toBeUndefined();
    expect(await store.get('A'.repeat(64))).toBeUndefined();
  });

  it('fails permanently with wrong credentials', async () => {
    const store = storeFor(s3, { accessKeyId: 'WRONG', secretAccessKey: 'wrong-secret' });
    const put = store.put(Buffer.from('denied'), { contentType: 'text/plain' });
    await expect(put).rejects.toBeInstanceOf(PermanentError);
    await expect(put).rejects.toMatchObject({ code: 'blob_store_access_denied' });
    await expect(store.get('0'.repeat(64))).rejects.toMatchObject({ code: 'blob_store_access_denied' });
  });

  it('fails permanently when the bucket does not exist', async () => {
    const store = storeFor(s3, { bucket: 'no-such-bucket' });
    await expect(store.put(Buffer.from('lost'), { contentType: 'text/plain' })).rejects.toMatchObject({ code: 'blob_bucket_not_found' });
  });

  it('fails retryably when the server is gone', async () => {
    const gone = await startS3();
    const store = storeFor(gone);
    const { key } = await store.put(Buffer.from('before'), { contentType: 'text/plain' });
    await gone.stop();
    const put = store.put(Buffer.from('after'), { contentType: 'text/plain' });
    await expect(put).rejects.toBeInstanceOf(RetryableError);
    await expect(put).rejects.toMatchObject({ code: 'blob_store_unreachable' });
    await expect(store.get(key)).rejects.toBeInstanceOf(RetryableError);
  });
});
