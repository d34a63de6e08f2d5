export type { BlobStore, StoredBlob, BlobMeta } from './blob-store.ts';
export { createLocalBlobStore, type LocalBlobStoreOptions } from './local.ts';
