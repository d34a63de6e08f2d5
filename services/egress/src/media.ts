import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BlobStore } from '@switchboard/blob';
import { getAdapter, type MediaFetcher } from '@switchboard/channels';
import type { Attachment, MediaFetchJob } from '@switchboard/contracts';
import { appendEvent, withTransaction, type InboxCache, type Pool } from '@switchboard/db';
import { PermanentError } from '@switchboard/errors';
import type { Logger } from '@switchboard/log';
import { startWorker } from '@switchboard/queue';
import type { Registry } from '@switchboard/runtime';

export interface MediaDeps {
  pool: Pool;
  connection: Redis;
  prefix: string;
  logger: Logger;
  inboxes: InboxCache;
  blobs: BlobStore;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each channel's fetcher takes its own config shape
  fetchers: Partial<Record<string, MediaFetcher<any, any>>>;
  concurrency?: number;
  /** The worker's job runs are recorded here. */
  metrics?: Registry;
}

/** An attachment still only known by its platform handle: fetch it. */
export function needsFetch(a: Attachment): boolean {
  return a.externalId !== undefined && !a.externalId.startsWith('blob:') && a.note === undefined;
}

/**
 * Downloads the platform media of inbound messages into the blob store (`media-fetch` jobs the
 * router adds after storing a message) and rewrites each attachment to its `blob:<sha256>`.
 * Idempotent: attachments already in the store are skipped, so a redelivered job is harmless.
 * A file over the store's limit is kept as metadata with `note: attachment_too_large`.
 */
export async function fetchMessageMedia(deps: Omit<MediaDeps, 'connection' | 'prefix' | 'concurrency' | 'metrics'>, job: MediaFetchJob): Promise<number> {
  const fetch = deps.fetchers[job.channel];
  // a channel without a fetcher keeps its platform handles (agents see the metadata)
  if (!fetch) return 0;
  const { rows } = await deps.pool.query<{ attachments: Attachment[] }>(`select attachments from messages where id = $1`, [job.messageId]);
  const pending = (rows[0]?.attachments ?? []).map((a, index) => ({ a, index })).filter(({ a }) => needsFetch(a));
  if (pending.length === 0) return 0;
  const inbox = await deps.inboxes.get(job.inboxId);
  if (!inbox) throw new PermanentError('inbox_not_found', `inbox ${job.inboxId} no longer exists`);
  const adapter = getAdapter(job.channel);
  const context = { id: inbox.id, channel: inbox.channel, config: adapter.configSchema.parse(inbox.config), secrets: adapter.secretsSchema.parse(inbox.secrets) };

  const replaced = new Map<string, Attachment>();
  for (const { a } of pending) {
    try {
      const media = await fetch({ externalId: a.externalId!, ...(a.mimeType && { mimeType: a.mimeType }), ...(a.fileName && { fileName: a.fileName }) }, context, { maxBytes: deps.blobs.maxBytes });
      const fileName = a.fileName ?? media.fileName;
      const stored = await deps.blobs.put(media.bytes, { contentType: a.mimeType ?? media.contentType, ...(fileName && { fileName }) });
      replaced.set(a.externalId!, { ...a, externalId: `blob:${stored.key}`, size: stored.size, mimeType: a.mimeType ?? media.contentType, ...(fileName && { fileName }) });
    } catch (error) {
      if (error instanceof PermanentError && error.code === 'attachment_too_large') {
        replaced.set(a.externalId!, { ...a, note: 'attachment_too_large' });
        continue;
      }
      throw error;
    }
  }
  // rewritten under the row lock from the row as it is now: an edit meanwhile keeps its text
  await withTransaction(deps.pool, async (tx) => {
    const current = await tx.query<{ attachments: Attachment[]; conversationId: string }>(
      `select attachments, conversation_id as "conversationId" from messages where id = $1 for update`,
      [job.messageId],
    );
    const row = current.rows[0];
    if (!row) return;
    const next = row.attachments.map((a) => (a.externalId && replaced.get(a.externalId)) || a);
    await tx.query(`update messages set attachments = $2, updated_at = now() where id = $1`, [job.messageId, JSON.stringify(next)]);
    await appendEvent(tx, { type: 'message.updated', conversationId: row.conversationId, payload: { messageId: job.messageId, media: true } });
  });
  return replaced.size;
}

export function startMediaWorker(deps: MediaDeps): Worker {
  return startWorker('media-fetch', async (data) => {
    const count = await fetchMessageMedia(deps, data);
    if (count > 0) deps.logger.info({ messageId: data.messageId, count }, 'inbound media stored');
  }, { connection: deps.connection, prefix: deps.prefix, logger: deps.logger, concurrency: deps.concurrency ?? 4, ...(deps.metrics && { metrics: deps.metrics }) });
}
