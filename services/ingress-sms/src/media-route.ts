import type { FastifyInstance } from 'fastify';
import { contentDisposition, isBlobUrlValid, type BlobStore } from '@switchboard/blob';

export interface MediaRouteDeps {
  blobs: BlobStore;
  /** blobUrlKey(SWITCHBOARD_SECRET_KEY): the links egress hands Twilio are signed with it. */
  urlKey: Buffer;
}

const KEY = /^[0-9a-f]{64}$/;

/**
 * `GET /media/:key?exp&sig`: the files of agents' replies, for Twilio to fetch when it sends an
 * MMS (it only takes public URLs). Only a signed, unexpired link opens a blob; anything else is
 * a 404, so the endpoint says nothing about which blobs exist.
 */
export function registerMediaRoute(app: FastifyInstance, deps: MediaRouteDeps): void {
  app.get<{ Params: { key: string }; Querystring: { exp?: string; sig?: string } }>('/media/:key', async (req, reply) => {
    const { key } = req.params;
    const notFound = () => reply.code(404).send({ error: { code: 'not_found', message: 'no such file' } });
    if (!KEY.test(key) || !isBlobUrlValid(key, req.query.exp, req.query.sig, deps.urlKey)) return notFound();
    const blob = await deps.blobs.get(key);
    if (!blob) return notFound();
    return reply
      .header('content-type', blob.contentType)
      .header('content-disposition', contentDisposition(blob.fileName).replace(/^attachment/, 'inline'))
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, max-age=300')
      .send(blob.bytes);
  });
}
