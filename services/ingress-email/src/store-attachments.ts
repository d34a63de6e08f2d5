import type { BlobStore } from '@switchboard/blob';
import type { Attachment } from '@switchboard/contracts';
import { AppError } from '@switchboard/errors';

/**
 * Moves attachment bytes into the blob store so the queued event carries only metadata.
 * `contents[i]` belongs to `attachments[i]`. A file over the store's limit stays as metadata
 * with a note instead of failing the mail: the customer's words still reach an agent.
 * Storage outages throw, so the poller fetches the mail again.
 */
export async function storeAttachments(blobs: BlobStore, attachments: Attachment[], contents: Buffer[]): Promise<Attachment[]> {
  const stored: Attachment[] = [];
  for (const [i, attachment] of attachments.entries()) {
    const bytes = contents[i];
    if (!bytes) {
      stored.push(attachment);
      continue;
    }
    const { externalId: _cid, ...meta } = attachment;
    try {
      const blob = await blobs.put(bytes, { contentType: attachment.mimeType ?? 'application/octet-stream', ...(attachment.fileName ? { fileName: attachment.fileName } : {}) });
      stored.push({ ...meta, externalId: `blob:${blob.key}`, size: blob.size });
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'attachment_too_large') throw error;
      stored.push({ ...meta, size: bytes.length, note: error.code });
    }
  }
  return stored;
}
