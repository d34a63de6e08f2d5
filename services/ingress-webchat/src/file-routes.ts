import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { contentDisposition, safeContentType, safeFileName, type BlobStore } from '@switchboard/blob';
import { signUploadToken, verifyVisitorToken } from '@switchboard/channels';
import type { Pool } from '@switchboard/db';
import { badRequest, HttpError, notFound, SignatureError } from '@switchboard/errors';
import { allowOrigin } from './cors.ts';
import type { WebchatInbox, WebchatInboxes } from './inboxes.ts';
import { inboxFor, visitorOf } from './visitor-request.ts';

export interface FileRouteDeps {
  pool: Pool;
  inboxes: WebchatInboxes;
  blobs?: BlobStore;
}

const KEY = /^[0-9a-f]{64}$/;

/** `image/*` in the inbox's list allows every image type. */
export function isTypeAllowed(allowed: readonly string[], type: string): boolean {
  return allowed.some((a) => a === type || (a.endsWith('/*') && type.startsWith(a.slice(0, -1))));
}

/**
 * Visitors' files: an upload answers a signed upload token the next message carries, and a
 * download serves a file only if a message of this visitor's conversations carries it.
 */
export function registerFileRoutes(app: FastifyInstance, deps: FileRouteDeps): void {
  void app.register(fastifyMultipart, { limits: { files: 1, fields: 5, parts: 6, fileSize: deps.blobs?.maxBytes ?? 0 } });

  app.post<{ Params: { inboxId: string } }>('/webchat/:inboxId/uploads', async (req, reply) => {
    const inbox = await inboxFor(deps.inboxes, req, reply);
    const visitor = visitorOf(req, inbox);
    const blobs = deps.blobs;
    const maxBytes = Math.min(inbox.config.uploads.maxBytes, blobs?.maxBytes ?? 0);
    if (!blobs || maxBytes === 0) throw new HttpError(403, 'uploads_disabled', 'this inbox does not take files');
    if (!req.isMultipart()) throw new HttpError(415, 'unsupported_media_type', 'send the file as multipart/form-data');
    const file = await req.file({ limits: { fileSize: maxBytes } });
    if (!file) throw badRequest('validation_failed', 'body.file: a file part is required');
    const contentType = safeContentType(file.mimetype);
    if (!isTypeAllowed(inbox.config.uploads.allowedTypes, contentType)) {
      // drain the part so the connection stays usable, then refuse
      file.file.resume();
      throw new HttpError(415, 'file_type_not_allowed', `${contentType} files are not accepted here`);
    }
    // toBuffer throws a 413 when the part is over the inbox's limit
    const bytes = await file.toBuffer();
    const fileName = safeFileName(file.filename);
    const stored = await blobs.put(bytes, { contentType, fileName });
    const upload = { visitorId: visitor.visitorId, blobKey: stored.key, fileName, contentType, size: stored.size };
    return reply.code(201).send({ uploadToken: signUploadToken(upload, inbox.tokenKey), fileName, contentType, size: stored.size });
  });

  app.get<{ Params: { inboxId: string; key: string }; Querystring: { token?: string } }>('/webchat/:inboxId/files/:key', async (req, reply) => {
    // a download is a navigation: no Origin, no Authorization header, so the token comes in the query
    const inbox = await deps.inboxes.require(req.params.inboxId);
    allowOrigin(reply, req.headers.origin);
    const visitorId = visitorFromQuery(inbox, req.query.token);
    const { key } = req.params;
    if (!KEY.test(key) || !(await carriesFile(deps.pool, inbox.id, visitorId, key))) throw notFound('file');
    const blob = await deps.blobs?.get(key);
    if (!blob) throw notFound('file');
    return reply
      .header('content-type', blob.contentType)
      .header('content-disposition', contentDisposition(blob.fileName))
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('cache-control', 'private, max-age=3600')
      .send(blob.bytes);
  });
}

function visitorFromQuery(inbox: WebchatInbox, token: string | undefined): string {
  try {
    return verifyVisitorToken(token ?? '', inbox.tokenKey, { inboxId: inbox.id }).visitorId;
  } catch (error) {
    if (error instanceof SignatureError) throw new HttpError(401, 'invalid_token', error.message);
    throw error;
  }
}

/** Whether a message the visitor can see (any of their conversations here, no private notes) carries the blob. */
async function carriesFile(pool: Pool, inboxId: string, visitorId: string, key: string): Promise<boolean> {
  const { rows } = await pool.query(
    `select 1 from messages m join conversations c on c.id = m.conversation_id
      where c.inbox_id = $1 and (c.thread_key = $2 or left(c.thread_key, length($3)) = $3) and not m.is_private
        and m.attachments @> $4::jsonb
      limit 1`,
    [inboxId, visitorId, `cb-${visitorId}-`, JSON.stringify([{ externalId: `blob:${key}` }])],
  );
  return rows.length > 0;
}
