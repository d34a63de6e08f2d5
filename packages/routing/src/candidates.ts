import type { Queryable } from '@switchboard/db';
import type { Candidate } from './policy.ts';

/**
 * Every member of the queue with what ranking needs for one conversation: presence, ring,
 * the capacity pool it would draw on (its channel, or the weighted '*' pool with the
 * channel's cost), exclusion, skills. Eligibility is decided by the pure policy.
 */
export async function loadCandidates(db: Queryable, input: { queueId: string; conversationId: string; channel: string }): Promise<Candidate[]> {
  const { rows } = await db.query(
    `select m.agent_id as "agentId", m.ring, p.status as presence, p.status_since as "statusSince",
            l.channel as pool, l.capacity, l.active, l.pending_offers as "pendingOffers",
            l.last_assigned_at as "lastAssignedAt", l.last_offer_at as "lastOfferAt", l.last_work_seq::float8 as "lastWorkSeq",
            case when l.channel = '*' then coalesce(cc.cost, 1) else 1 end as cost,
            exists(select 1 from offer_exclusions x where x.conversation_id = $2 and x.agent_id = m.agent_id) as excluded,
            coalesce((select jsonb_object_agg(s.name, a.proficiency) from agent_skills a join skills s on s.id = a.skill_id
                       where a.agent_id = m.agent_id), '{}') as skills
       from queue_members m
       join agent_presence p on p.agent_id = m.agent_id
       join lateral (
         select * from agent_load l where l.agent_id = m.agent_id and l.channel in ($3, '*')
          order by (l.channel = '*') desc limit 1
       ) l on true
       left join agent_channel_costs cc on cc.agent_id = m.agent_id and cc.channel = $3
      where m.queue_id = $1
      order by m.agent_id`,
    [input.queueId, input.conversationId, input.channel],
  );
  return rows as Candidate[];
}
