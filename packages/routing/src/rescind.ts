import type { PoolClient } from '@switchboard/db';
import { endOffer } from './offers.ts';

/** Rescinds the conversation's pending offer, if any, without putting it back in line. */
export async function rescindConversationOffer(tx: PoolClient, conversationId: string, now: Date, end: 'rescinded' | 'canceled' = 'rescinded'): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(`select id from offers where conversation_id = $1 and status = 'pending'`, [conversationId]);
  if (!rows[0]) return [];
  return (await endOffer(tx, rows[0].id, end, now, { requeue: false })).dispatch;
}
