import { z } from 'zod';
import { getConversation } from '@switchboard/db';
import { notFound } from '@switchboard/errors';
import { principalOf } from '../auth.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { errorResponses } from '../schemas.ts';

const Params = z.object({ id: z.uuid(), key: z.string().regex(/^[0-9a-f]{64}$/).describe('the blob key: `blob:<key>` in a message attachment') });

/**
 * `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266 / RFC 8187): the quoted ASCII
 * fallback for old clients, the encoded name for everyone else.
 */
export function contentDisposition(fileName: string | undefined): string {
  if (!fileName) return 'attachment';
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

export function registerAttachmentRoutes(deps: ApiDeps, app: ZodApp): void {
  app.get(
    '/conversations/:id/attachments/:key',
    {
      schema: {
        tags: ['messages'],
        summary: 'Download a file a message of this conversation carries (blob:<key>)',
        params: Params,
        response: errorResponses(400, 404),
      },
    },
    async (request, reply) => {
      const { id, key } = request.params;
      if (!(await getConversation(deps.pool, id, principalOf(request)))) throw notFound('conversation');
      // a key alone is no permission: it must belong to a message the caller can already see
      const { rows } = await deps.pool.query(
        `select 1 from messages where conversation_id = $1 and attachments @> $2::jsonb limit 1`,
        [id, JSON.stringify([{ externalId: `blob:${key}` }])],
      );
      const blob = rows[0] ? await deps.blobs?.get(key) : undefined;
      if (!blob) throw notFound('attachment');
      return reply
        .header('content-type', blob.contentType)
        .header('content-disposition', contentDisposition(blob.fileName))
        .header('x-content-type-options', 'nosniff')
        // raw bytes bypass fastify's serializer; the typed schema only describes the error replies
        .send(blob.bytes as never);
    },
  );
}
