import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PermanentError } from '@switchboard/errors';
import { isBlobKey, type BlobMeta, type BlobStore, type StoredBlob } from './blob-store.ts';

export interface LocalBlobStoreOptions {
  dir: string;
  maxBytes: number;
}

/**
 * Content-addressed blobs on a local volume: `dir/ab/cd/<sha256>` plus a `.json` sidecar.
 * Each file is written to a temp name and renamed, so a crash never leaves a partial blob
 * under its final name (rename is atomic within one file system).
 */
export function createLocalBlobStore(options: LocalBlobStoreOptions): BlobStore {
  const pathOf = (key: string) => join(options.dir, key.slice(0, 2), key.slice(2, 4), key);
  return {
    maxBytes: options.maxBytes,
    async put(bytes: Buffer, meta: BlobMeta): Promise<StoredBlob> {
      if (bytes.length > options.maxBytes) {
        throw new PermanentError('attachment_too_large', `attachment of ${bytes.length} bytes exceeds ${options.maxBytes}`);
      }
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const path = pathOf(sha256);
      await mkdir(join(path, '..'), { recursive: true });
      // the sidecar first: a blob file present means its metadata is too
      await writeAtomically(`${path}.json`, JSON.stringify({ contentType: meta.contentType, ...(meta.fileName ? { fileName: meta.fileName } : {}) }));
      await writeAtomically(path, bytes);
      return { key: sha256, size: bytes.length, sha256 };
    },
    async get(key: string) {
      // keys come from URLs: anything but a sha256 could walk out of `dir`
      if (!isBlobKey(key)) return undefined;
      const path = pathOf(key);
      try {
        const [bytes, sidecar] = await Promise.all([readFile(path), readFile(`${path}.json`, 'utf8')]);
        const meta = JSON.parse(sidecar) as BlobMeta;
        return { bytes, contentType: meta.contentType, ...(meta.fileName ? { fileName: meta.fileName } : {}) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
  };
}

async function writeAtomically(path: string, data: Buffer | string): Promise<void> {
  const temp = `${path}.${randomUUID()}.tmp`;
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
