import { z } from 'zod';
import { getConversation, PRESENCE, type Conversation } from '@switchboard/db';
import { conflict, notFound } from '@switchboard/errors';
import { acceptOffer, expireOffer, heartbeat, HEARTBEAT_GRACE_S, rejectOffer } from '@switchboard/routing';
import { requireAgent } from '../auth.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { requestDispatch } from '../enqueue.ts';
import { ConversationDto, errorResponses, EXAMPLE_IDS, exampleAt, IdParams } from '../schemas.ts';

const OfferDto = z
  .object({
    id: z.uuid(),
    conversationId: z.uuid(),
    queueId: z.uuid().nullable(),
    channel: z.string(),
    priority: z.number().int(),
    attempt: z.number().int(),
    reason: z.string().nullable().describe("'transfer' for a transfer offer"),
    createdAt: z.date(),
    expiresAt: z.date().describe('accept before this instant'),
    contact: z.object({ id: z.uuid(), name: z.string().nullable() }),
  })
  .meta({
    id: 'Offer',
    examples: [
      {
        id: EXAMPLE_IDS.offer,
        conversationId: EXAMPLE_IDS.conversation,
        queueId: EXAMPLE_IDS.queue,
        channel: 'telegram',
        priority: 0,
        attempt: 1,
        reason: null,
        createdAt: exampleAt('09:12:04'),
        expiresAt: exampleAt('09:12:34'),
        contact: { id: EXAMPLE_IDS.contact, name: 'Анна Смирнова' },
      },
    ],
  });

const OfferOutcomeDto = z.object({ id: z.uuid(), status: z.literal('rejected') }).meta({ examples: [{ id: EXAMPLE_IDS.offer, status: 'rejected' }] });
const HeartbeatDto = z.object({ status: z.enum(PRESENCE).describe('offline: set your status again') }).meta({ examples: [{ status: 'online' }] });

/**
 * The agent's side of offer-based routing: see pending offers, accept one (the conversation
 * becomes theirs) or reject it (it goes back in line, to someone else), and heartbeat so a
 * lost client is taken offline after a grace period instead of holding work forever.
 */
export function registerOfferRoutes(deps: ApiDeps, app: ZodApp): void {
  app.get(
    '/offers',
    { schema: { tags: ['offers'], summary: 'Your pending offers, soonest expiry first', response: { 200: z.array(OfferDto), ...errorResponses(403) } } },
    async (request) => {
      const { agentId } = requireAgent(request);
      const { rows } = await deps.pool.query(
        `select o.id, o.conversation_id as "conversationId", o.queue_id as "queueId", c.channel, c.priority, o.attempt, o.reason,
                o.created_at as "createdAt", o.expires_at as "expiresAt", jsonb_build_object('id', k.id, 'name', k.name) as contact
           from offers o join conversations c on c.id = o.conversation_id join contacts k on k.id = c.contact_id
          where o.agent_id = $1 and o.status = 'pending' and o.expires_at > $2
          order by o.expires_at, o.id`,
        [agentId, deps.clock.now()],
      );
      return rows;
    },
  );

  app.post(
    '/offers/:id/accept',
    {
      schema: {
        tags: ['offers'],
        summary: 'Accept an offer: the conversation is assigned to you',
        description: 'Conflicts: `offer_not_pending` (already accepted, rejected, expired or withdrawn), `offer_expired` (too late; it goes to someone else).',
        params: IdParams,
        response: { 200: ConversationDto, ...errorResponses(403, 404, 409) },
      },
    },
    async (request) => {
      const { agentId } = requireAgent(request);
      const offerId = request.params.id;
      const result = await acceptOffer(deps.pool, { offerId, agentId, clock: deps.clock });
      if (result.ok) return (await getConversation(deps.pool, result.conversationId)) as Conversation;
      if (result.reason === 'not_found') throw notFound('offer');
      if (result.reason === 'expired') {
        // end it now rather than at the next timer or sweep, so the customer waits no longer than needed
        const follow = await expireOffer(deps.pool, offerId, deps.clock);
        await requestDispatch(deps.producer, request.log, follow.dispatch, 'offer_expired');
        throw conflict('offer_expired', 'the offer expired before it was accepted');
      }
      throw conflict('offer_not_pending', 'the offer is no longer pending (accepted, rejected, expired or withdrawn)');
    },
  );

  app.post(
    '/offers/:id/reject',
    {
      schema: {
        tags: ['offers'],
        summary: 'Reject an offer: it goes back in line for another agent, and counts as a miss',
        params: IdParams,
        response: { 200: OfferOutcomeDto, ...errorResponses(403, 404, 409) },
      },
    },
    async (request) => {
      const { agentId } = requireAgent(request);
      const offerId = request.params.id;
      const { rows } = await deps.pool.query<{ agentId: string }>(`select agent_id as "agentId" from offers where id = $1`, [offerId]);
      if (rows[0]?.agentId !== agentId) throw notFound('offer');
      const { ok, followUp } = await rejectOffer(deps.pool, { offerId, agentId, clock: deps.clock });
      if (!ok) throw conflict('offer_not_pending', 'the offer is no longer pending (accepted, rejected, expired or withdrawn)');
      await requestDispatch(deps.producer, request.log, followUp.dispatch, 'offer_rejected');
      return { id: offerId, status: 'rejected' as const };
    },
  );

  app.post(
    '/me/heartbeat',
    {
      schema: {
        tags: ['me'],
        summary: `Sign of life from your client; once you send them, ${HEARTBEAT_GRACE_S} s without one takes you offline`,
        response: { 200: HeartbeatDto, ...errorResponses(403, 404) },
      },
    },
    async (request) => {
      const beat = await heartbeat(deps.pool, requireAgent(request).agentId, deps.clock);
      if (!beat) throw notFound('agent');
      return beat;
    },
  );
}
