import fastifyMultipart from '@fastify/multipart';
import { z } from 'zod';
import { createUpload, getConversation } from '@switchboard/db';
import { HttpError, notFound } from '@switchboard/errors';
import { principalOf } from '../auth.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { invalidField } from '../error-handler.ts';
import { errorResponses, IdParams, UploadDto } from '../schemas.ts';
import { contentDisposition, safeContentType, safeFileName } from '@switchboard/blob';

const Params = z.object({ id: z.uuid(), key: z.string().regex(/^[0-9a-f]{64}$/).describe('the blob key: `blob:<key>` in a message attachment') });

export function registerAttachmentRoutes(deps: ApiDeps, app: ZodApp): void {
  void app.register(fastifyMultipart, {
    // one file per request (other form fields are ignored); the store's limit is the file limit (larger: 413)
    limits: { files: 1, fields: 5, parts: 6, fileSize: deps.blobs?.maxBytes ?? 0 },
  });

  app.post(
    '/conversations/:id/attachments',
    {
      schema: {
        tags: ['messages'],
        summary: 'Upload a file (multipart/form-data, one part named `file`) to attach to a reply or note',
        description: 'Returns an upload id; send it in `attachments` of POST /conversations/{id}/messages. '
          + 'Files larger than the blob store limit (BLOB_MAX_BYTES) are refused with 413.',
        params: IdParams,
        response: { 201: UploadDto, ...errorResponses(400, 404, 413) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const principal = principalOf(request);
      if (!(await getConversation(deps.pool, id, principal))) throw notFound('conversation');
      if (!deps.blobs) throw new HttpError(501, 'attachments_not_configured', 'no blob store is configured');
      if (!request.isMultipart()) throw new HttpError(415, 'unsupported_media_type', 'send the file as multipart/form-data');
      const file = await request.file();
      if (!file) throw invalidField('body.file', 'a file part is required');
      // toBuffer throws a 413 error when the part exceeds the fileSize limit
      const bytes = await file.toBuffer();
      const fileName = safeFileName(file.filename);
      const contentType = safeContentType(file.mimetype);
      const stored = await deps.blobs.put(bytes, { contentType, fileName });
      const upload = await createUpload(deps.pool, {
        conversationId: id,
        blobKey: stored.key,
        fileName,
        contentType,
        size: stored.size,
        uploadedBy: principal.agentId,
      });
      return reply.code(201).send({ ...upload, sha256: stored.sha256 });
    },
  );

  app.get(
    '/conversations/:id/attachments/:key',
    {
      schema: {
        tags: ['messages'],
        summary: 'Download a file a message of this conversation carries (blob:<key>)',
        params: Params,
        // the bytes go out unserialized (a Buffer); the schema documents them
        response: { 200: z.string().describe('the file, with its Content-Type and a Content-Disposition naming it'), ...errorResponses(400, 404) },
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
        // an uploaded HTML or SVG file must never run as a page of the API's origin
        .header('content-security-policy', "default-src 'none'; sandbox")
        // raw bytes bypass fastify's serializer; the typed schema only describes the error replies
        .send(blob.bytes as never);
    },
  );
}
