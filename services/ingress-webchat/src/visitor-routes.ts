import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  signVisitorToken,
  verifyUploadToken,
  visitorIdForIdentity,
  VisitorIdentity,
  VisitorMessageRequest,
  VisitorSessionRequest,
  webchatAdapter,
  webchatWireMessage,
  type WebchatInboundInput,
} from '@switchboard/channels';
import { attachmentKindOf, type Attachment } from '@switchboard/contracts';
import type { Pool } from '@switchboard/db';
import { badRequest, HttpError, SignatureError } from '@switchboard/errors';
import { jobIdFor, type Producer } from '@switchboard/queue';
import { parseOr400 } from './errors.ts';
import type { WebchatInboxes } from './inboxes.ts';
import { inboxFor, visitorOf } from './visitor-request.ts';
import { listVisitorMessages } from './visitor-history.ts';

export interface VisitorRouteDeps {
  pool: Pool;
  producer: Producer;
  inboxes: WebchatInboxes;
}


/** A message may (re)introduce the visitor; the router copies name and email onto the contact. */
const MessageBody = VisitorMessageRequest.extend(VisitorSessionRequest.shape);

const SessionBody = VisitorSessionRequest.extend({ identity: VisitorIdentity.optional() });

const HistoryQuery = z.object({
  after_seq: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});


export function registerVisitorRoutes(app: FastifyInstance, deps: VisitorRouteDeps): void {
  app.post<{ Params: { inboxId: string } }>('/webchat/:inboxId/sessions', async (req, reply) => {
    const inbox = await inboxFor(deps.inboxes, req, reply);
    // name and email are validated here but travel with each message: the token carries only the ids
    const body = parseOr400(SessionBody, req.body ?? {}, 'body');
    let visitorId: string = randomUUID();
    if (body.identity) {
      const secret = inbox.secrets.identitySecret;
      if (!secret) throw badRequest('identity_not_enabled', 'this inbox has no identity secret: signed-in users cannot be verified');
      try {
        visitorId = visitorIdForIdentity(body.identity, secret, inbox.id);
      } catch (error) {
        if (error instanceof SignatureError) throw new HttpError(401, 'identity_invalid', 'the identity signature does not match the user id');
        throw error;
      }
    }
    const token = signVisitorToken({ inboxId: inbox.id, visitorId, issuedAt: new Date() }, inbox.tokenKey);
    return reply.code(201).send({ visitorId, token });
  });

  app.post<{ Params: { inboxId: string } }>('/webchat/:inboxId/messages', async (req, reply) => {
    const inbox = await inboxFor(deps.inboxes, req, reply);
    const visitor = visitorOf(req, inbox);
    const body = parseOr400(MessageBody, req.body ?? {}, 'body');
    if (body.text === undefined && body.attachments.length === 0) throw badRequest('validation_failed', 'body.text: required unless attachments are given');
    const attachments = body.attachments.map((token, i): Attachment => {
      try {
        const upload = verifyUploadToken(token, inbox.tokenKey, visitor.visitorId);
        return { kind: attachmentKindOf(upload.contentType), externalId: `blob:${upload.blobKey}`, mimeType: upload.contentType, fileName: upload.fileName, size: upload.size };
      } catch (error) {
        if (error instanceof SignatureError) throw badRequest('validation_failed', `body.attachments.${i}: not an upload of this visitor`);
        throw error;
      }
    });
    const inbound: WebchatInboundInput = {
      visitorId: visitor.visitorId,
      message: { clientMessageId: body.clientMessageId, ...(body.text !== undefined && { text: body.text }), attachments },
      ...(body.name !== undefined || body.email !== undefined || body.locale !== undefined
        ? { visitor: { ...(body.name !== undefined && { name: body.name }), ...(body.email !== undefined && { email: body.email }), ...(body.locale !== undefined && { locale: body.locale }) } }
        : {}),
    };
    // the event id is derived from (visitor, clientMessageId): a retried send is the same job
    for (const event of webchatAdapter.normalize(inbound, inbox, new Date())) {
      await deps.producer.add('inbound', event, { jobId: jobIdFor(event.inboxId, event.eventId) });
    }
    return reply.code(202).send({ accepted: true, clientMessageId: body.clientMessageId });
  });

  app.get<{ Params: { inboxId: string } }>('/webchat/:inboxId/messages', async (req, reply) => {
    const inbox = await inboxFor(deps.inboxes, req, reply);
    const visitor = visitorOf(req, inbox);
    const query = parseOr400(HistoryQuery, req.query, 'query');
    const rows = await listVisitorMessages(deps.pool, {
      inboxId: inbox.id,
      visitorId: visitor.visitorId,
      afterSeq: query.after_seq,
      limit: query.limit,
    });
    return {
      items: rows.map((m) => ({ ...webchatWireMessage(m, inbox.id, visitor.visitorId), status: m.status, ...(m.survey && { survey: m.survey }) })),
    };
  });
}

