export type { BlobStore, StoredBlob, BlobMeta } from './blob-store.ts';
export { isBlobKey } from './blob-store.ts';
export { createBlobStore } from './create.ts';
export { createLocalBlobStore, type LocalBlobStoreOptions } from './local.ts';
export { createS3BlobStore, type S3BlobStore, type S3BlobStoreOptions } from './s3.ts';
export { classifyS3Error } from './s3-errors.ts';
export { contentDisposition, safeContentType, safeFileName } from './http.ts';
export { blobUrlKey, isBlobUrlValid, signBlobUrl } from './signed-url.ts';
