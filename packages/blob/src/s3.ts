import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PermanentError } from '@switchboard/errors';
import { isBlobKey, type BlobMeta, type BlobStore, type StoredBlob } from './blob-store.ts';
import { classifyS3Error } from './s3-errors.ts';

export interface S3BlobStoreOptions {
  bucket: string;
  region: string;
  /** Unset: AWS S3. Set for MinIO, Ceph RGW, Garage, Yandex Object Storage, Selectel… */
  endpoint?: string;
  /** `endpoint/bucket/key` rather than `bucket.endpoint/key`; most self-hosted stores need it. */
  forcePathStyle?: boolean;
  accessKeyId: string;
  secretAccessKey: string;
  /** Prepended to every object key, e.g. `switchboard/attachments/`. */
  prefix?: string;
  maxBytes: number;
  /** The client's own attempts per request (the SDK's default is 3); the job's retries come on top. */
  maxAttempts?: number;
}

export interface S3BlobStore extends BlobStore {
  /** Closes the client's pooled connections. */
  close(): void;
}

/**
 * Content-addressed blobs in an S3-compatible bucket: the object `<prefix><sha256>`, its content
 * type as the object's Content-Type and the file name URI-encoded in `x-amz-meta-filename`
 * (user metadata travels as HTTP headers, so S3 only keeps ASCII there).
 */
export function createS3BlobStore(options: S3BlobStoreOptions): S3BlobStore {
  const client = new S3Client({
    region: options.region,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
    ...(options.endpoint === undefined ? {} : {
      endpoint: options.endpoint,
      // the SDK's default CRC32 checksums (since 3.729) are refused by several S3-compatible stores
      requestChecksumCalculation: 'WHEN_REQUIRED' as const,
      responseChecksumValidation: 'WHEN_REQUIRED' as const,
    }),
  });
  const Bucket = options.bucket;
  const objectKey = (key: string) => `${options.prefix ?? ''}${key}`;

  async function exists(Key: string): Promise<boolean> {
    try {
      await client.send(new HeadObjectCommand({ Bucket, Key }));
      return true;
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      // 403: a policy without s3:ListBucket hides missing keys; the PUT will say if access is really denied
      if (status === 404 || status === 403) return false;
      throw classifyS3Error(error);
    }
  }

  return {
    maxBytes: options.maxBytes,
    async put(bytes: Buffer, meta: BlobMeta): Promise<StoredBlob> {
      if (bytes.length > options.maxBytes) {
        throw new PermanentError('attachment_too_large', `attachment of ${bytes.length} bytes exceeds ${options.maxBytes}`);
      }
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const Key = objectKey(sha256);
      // the same key holds the same bytes: a HEAD spares re-uploading a logo every reply quotes
      if (await exists(Key)) return { key: sha256, size: bytes.length, sha256 };
      try {
        await client.send(new PutObjectCommand({
          Bucket,
          Key,
          Body: bytes,
          ContentLength: bytes.length,
          ContentType: meta.contentType,
          ...(meta.fileName ? { Metadata: { filename: encodeURIComponent(meta.fileName) } } : {}),
        }));
      } catch (error) {
        throw classifyS3Error(error);
      }
      return { key: sha256, size: bytes.length, sha256 };
    },
    async get(key: string) {
      if (!isBlobKey(key)) return undefined;
      try {
        const object = await client.send(new GetObjectCommand({ Bucket, Key: objectKey(key) }));
        const body = await object.Body!.transformToByteArray();
        const fileName = decodeFileName(object.Metadata?.filename);
        return {
          bytes: Buffer.from(body.buffer, body.byteOffset, body.byteLength),
          contentType: object.ContentType ?? 'application/octet-stream',
          ...(fileName ? { fileName } : {}),
        };
      } catch (error) {
        const name = (error as { name?: string }).name;
        if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
        throw classifyS3Error(error);
      }
    },
    close: () => client.destroy(),
  };
}

function decodeFileName(encoded: string | undefined): string | undefined {
  if (!encoded) return undefined;
  try {
    return decodeURIComponent(encoded);
  } catch {
    // written by something else, not URI-encoded: serve it as it is
    return encoded;
  }
}
