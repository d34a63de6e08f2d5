import { resolve } from 'node:path';
import { blobStoreConfig, type BlobEnv } from '@switchboard/config';
import type { BlobStore } from './blob-store.ts';
import { createLocalBlobStore } from './local.ts';
import { createS3BlobStore } from './s3.ts';

/** The store BLOB_STORE selects; throws a ConfigError naming any S3_* variable it lacks. */
export function createBlobStore(env: BlobEnv): BlobStore {
  const config = blobStoreConfig(env);
  if (config.kind === 'local') return createLocalBlobStore({ dir: resolve(config.dir), maxBytes: config.maxBytes });
  const { kind: _kind, ...s3 } = config;
  return createS3BlobStore(s3);
}
