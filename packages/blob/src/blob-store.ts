/** What a blob is stored with: served back as Content-Type / Content-Disposition. */
export interface BlobMeta {
  contentType: string;
  fileName?: string;
}

export interface StoredBlob {
  /** Content address: the sha256 of the bytes, hex. The same bytes always get the same key. */
  key: string;
  size: number;
  sha256: string;
}

/**
 * Attachment storage: a local volume by default, or an S3-compatible bucket. `put` throws PermanentError('attachment_too_large') over the store's limit.
 */
export interface BlobStore {
  readonly maxBytes: number;
  put(bytes: Buffer, meta: BlobMeta): Promise<StoredBlob>;
  get(key: string): Promise<(BlobMeta & { bytes: Buffer }) | undefined>;
}

/** Keys come from URLs: anything but a sha256 in hex could walk out of a directory or a prefix. */
export const isBlobKey = (key: string): boolean => /^[0-9a-f]{64}$/.test(key);
