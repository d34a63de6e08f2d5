import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { getAdapter, type ChannelCapabilities } from '@switchboard/channels';
import type { ChannelId } from '@switchboard/contracts';
import {
  createOutboundMessage,
  getConversation,
  lastInboundAt,
  getMessage,
  hasMessageSeq,
  listMessages,
  uploadAttachment,
  uploadsOf,
  withTransaction,
  type Message,
  type Queryable,
  type Upload,
} from '@switchboard/db';
import { conflict, forbidden, HttpError, notFound } from '@switchboard/errors';
import { onAgentReply } from '@switchboard/routing';
import { mayActOn, principalOf } from '../auth.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { requestDelivery } from '../enqueue.ts';
import { findMessageByIdempotencyKey, isUniqueViolation, lockConversation } from '../sql.ts';
import { invalidField } from '../error-handler.ts';
import { errorResponses, EXAMPLE_IDS, IdParams, MessageDto, messageExample, replyExample } from '../schemas.ts';

const ListQuery = z.object({
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,17}$/, 'a nextCursor from the previous page')
    .optional()
    .describe('display order (the default): pass the previous page’s nextCursor'),
  after_seq: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .describe('arrival order instead: every message stored after this sequence number — to catch up after a disconnect'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const Page = z.object({
  items: z.array(MessageDto),
  nextCursor: z.string().nullable().describe('display order: pass as cursor for the next page; null on the last page'),
  nextAfterSeq: z.number().int().nullable().describe('arrival order (after_seq given): pass as after_seq for the next page; null on the last page'),
}).meta({ examples: [{ items: [messageExample, replyExample], nextCursor: null, nextAfterSeq: null }] });

const ReplyBody = z
  .object({
    text: z.string().min(1).max(4096).refine((t) => t.trim().length > 0, 'must not be blank').optional(),
    template: z
      .object({
        name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'a template name: lowercase letters, digits and _'),
        language: z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'a language code like en or en_US'),
        parameters: z.array(z.string().min(1).max(1024)).max(20).optional(),
      })
      .optional()
      .describe('WhatsApp: a pre-approved template, the only message allowed outside the 24-hour window'),
    attachments: z
      .array(z.uuid())
      .max(10)
      .refine((ids) => new Set(ids).size === ids.length, 'must not repeat an upload')
      .default([])
      .describe('upload ids from POST /conversations/{id}/attachments'),
    private: z.boolean().default(false).describe('a note for staff only; never sent to the customer'),
  })
  .refine((body) => body.text !== undefined || body.attachments.length > 0 || body.template !== undefined, {
    path: ['text'],
    message: 'is required unless attachments or a template are given',
  })
  .meta({
    examples: [
      { text: 'Анна, добрый день! Посылка в пути, трек-номер RA123456789RU. Доставка ожидается завтра.' },
      { text: 'Here is your invoice.', attachments: [EXAMPLE_IDS.upload] },
      { text: 'Customer is a VIP: offer free shipping on the next order', private: true },
      { template: { name: 'order_update', language: 'ru', parameters: ['4821', 'RA123456789RU'] } },
    ],
  });

type Template = NonNullable<z.infer<typeof ReplyBody>['template']>;

const ReplyHeaders = z.looseObject({
  'idempotency-key': z.string().min(1).max(200).optional().describe('a retried request with the same key returns the first message (200)'),
});

type ReplyOutcome = { message: Message; created: boolean; channel: string };

async function storeReply(
  deps: ApiDeps,
  request: FastifyRequest,
  input: { conversationId: string; text: string | null; uploadIds: string[]; template: Template | undefined; isPrivate: boolean; idempotencyKey: string | undefined },
): Promise<ReplyOutcome> {
  const principal = principalOf(request);
  return withTransaction(deps.pool, async (tx) => {
    const conversation = await lockConversation(tx, input.conversationId);
    if (!conversation) throw notFound('conversation');
    const { channel } = conversation;
    if (input.idempotencyKey) {
      // a retry must get its answer even if the conversation was resolved or reassigned since
      const existing = await findMessageByIdempotencyKey(tx, input.conversationId, input.idempotencyKey);
      if (existing) return { message: (await getMessage(tx, existing))!, created: false, channel };
    }
    // a private note is staff talking to staff: anyone who can see the conversation may write one
    if (!input.isPrivate) {
      if (!mayActOn(principal, conversation)) throw forbidden('only the assignee, a supervisor or an admin may reply');
      if (conversation.status === 'resolved') throw conflict('conversation_resolved', 'the conversation is resolved; reopen it to reply');
    }
    const uploads = await uploadsOf(tx, input.conversationId, input.uploadIds);
    const missing = input.uploadIds.findIndex((id) => !uploads.some((u) => u.id === id));
    if (missing >= 0) throw invalidField(`body.attachments.${missing}`, 'no such upload in this conversation');
    if (!input.isPrivate) {
      assertChannelCanSend(channel as ChannelId, uploads);
      await assertWithinReplyWindow(tx, channel as ChannelId, input.conversationId, input.template, deps.clock.now());
    }
    const result = await createOutboundMessage(tx, {
      conversationId: input.conversationId,
      inboxId: conversation.inboxId,
      agentId: principal.agentId,
      text: input.text,
      attachments: uploads.map(uploadAttachment),
      template: input.template ?? null,
      isPrivate: input.isPrivate,
      idempotencyKey: input.idempotencyKey,
    });
    // a public reply meets the first/next response SLA timers, with the message, atomically
    if (result.created && !input.isPrivate) await onAgentReply(tx, input.conversationId, result.message.id, deps.clock.now());
    return { ...result, channel };
  });
}

/** Refuses, before anything is queued, files the customer's channel could not deliver. */
function assertChannelCanSend(channel: ChannelId, uploads: readonly Upload[]): void {
  const refusal = channelRefusal(channel, getAdapter(channel).capabilities, uploads);
  if (refusal) throw new HttpError(422, refusal.code, refusal.message);
}

/**
 * WhatsApp-style windows: free-form replies only within `replyWindowHours` of the customer's last
 * message; outside it only a template, which the channel must support. Checked before queueing,
 * so the agent learns it now rather than from a failed delivery.
 */
async function assertWithinReplyWindow(tx: Queryable, channel: ChannelId, conversationId: string, template: Template | undefined, now: Date): Promise<void> {
  const { replyWindowHours, templates } = getAdapter(channel).capabilities;
  if (template && !templates) throw new HttpError(422, 'templates_not_supported', `${channel} does not send message templates`);
  if (template || !replyWindowHours) return;
  const last = await lastInboundAt(tx, conversationId);
  if (last && now.getTime() - last.getTime() <= replyWindowHours * 3_600_000) return;
  throw new HttpError(
    422,
    'outside_reply_window',
    `${channel} allows free-form replies for ${replyWindowHours} h after the customer's last message${last ? ` (${last.toISOString()})` : ''}; send a template to reopen the conversation`,
  );
}

/** Why `channel` with these capabilities cannot carry these files, or undefined when it can. */
export function channelRefusal(
  channel: string,
  capabilities: Pick<ChannelCapabilities, 'media' | 'maxAttachmentBytes' | 'maxAttachmentTotalBytes'>,
  files: readonly Pick<Upload, 'fileName' | 'size'>[],
): { code: string; message: string } | undefined {
  if (files.length === 0) return undefined;
  const { media, maxAttachmentBytes, maxAttachmentTotalBytes } = capabilities;
  if (!media) return { code: 'channel_cannot_send_attachments', message: `${channel} conversations cannot carry files; send text` };
  const tooLarge = files.find((u) => u.size > maxAttachmentBytes);
  if (tooLarge) {
    return { code: 'attachment_too_large_for_channel', message: `${tooLarge.fileName} is ${tooLarge.size} bytes; ${channel} takes at most ${maxAttachmentBytes}` };
  }
  const total = files.reduce((sum, u) => sum + u.size, 0);
  if (total > maxAttachmentTotalBytes) {
    return { code: 'attachment_too_large_for_channel', message: `the files add up to ${total} bytes; ${channel} takes at most ${maxAttachmentTotalBytes} per reply` };
  }
  return undefined;
}

export function registerMessageRoutes(deps: ApiDeps, app: ZodApp): void {
  app.get(
    '/conversations/:id/messages',
    {
      schema: {
        tags: ['messages'],
        summary: 'Messages of a conversation, private notes included',
        description:
          'By default in display order: inbound messages by when the customer sent them (the platform’s order, even when ' +
          'they were received out of it), replies by when they were written; page with `cursor`. With `after_seq`, in ' +
          'arrival order (`seq`): everything stored since, including an older message that arrived late.',
        params: IdParams,
        querystring: ListQuery,
        response: { 200: Page, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (!(await getConversation(deps.pool, id, principalOf(request)))) throw notFound('conversation');
      const { cursor, after_seq: afterSeq, limit } = request.query;
      if (cursor !== undefined && afterSeq !== undefined) throw invalidField('after_seq', 'give either cursor (display order) or after_seq (arrival order), not both');
      if (afterSeq !== undefined) {
        const items = await listMessages(deps.pool, id, { order: 'arrival', after: afterSeq, limit, includePrivate: true });
        return { items, nextCursor: null, nextAfterSeq: items.length === limit ? items.at(-1)!.seq : null };
      }
      const after = cursor === undefined ? undefined : Number(cursor);
      if (after !== undefined && !(await hasMessageSeq(deps.pool, id, after))) throw invalidField('cursor', 'names no message of this conversation');
      const items = await listMessages(deps.pool, id, { order: 'display', ...(after !== undefined && { after }), limit, includePrivate: true });
      return { items, nextCursor: items.length === limit ? String(items.at(-1)!.seq) : null, nextAfterSeq: null };
    },
  );

  app.post(
    '/conversations/:id/messages',
    {
      schema: {
        tags: ['messages'],
        summary: 'Reply to the customer (queued for delivery) or add a private note; 200 replays an earlier Idempotency-Key',
        params: IdParams,
        headers: ReplyHeaders,
        body: ReplyBody,
        response: { 200: MessageDto, 201: MessageDto, ...errorResponses(400, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (!(await getConversation(deps.pool, id, principalOf(request)))) throw notFound('conversation');
      const input = {
        conversationId: id,
        text: request.body.text ?? null,
        uploadIds: request.body.attachments,
        template: request.body.template,
        isPrivate: request.body.private,
        idempotencyKey: request.headers['idempotency-key'],
      };
      let outcome: ReplyOutcome;
      try {
        outcome = await storeReply(deps, request, input);
      } catch (error) {
        // two requests raced with one key: the loser finds the winner's message on a second pass
        if (!isUniqueViolation(error, 'messages_conversation_id_idempotency_key_key')) throw error;
        outcome = await storeReply(deps, request, input);
      }
      const { message, created, channel } = outcome;
      if (created && !message.isPrivate) await requestDelivery(deps.producer, request.log, message.id, channel);
      return reply.code(created ? 201 : 200).send(message);
    },
  );
}
