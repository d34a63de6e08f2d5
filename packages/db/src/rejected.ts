import type { Queryable } from './pool.ts';

/** Bodies above this are cut: a parked payload is for inspection, not a second copy of an upload. */
const MAX_PARKED_BYTES = 256 * 1024;

/**
 * Parks a verified platform payload we could not understand. It is acknowledged to the
 * platform (a non-2xx would make Telegram and Meta redeliver it and stall later updates)
 * and kept here for inspection and replay.
 */
export async function parkRejected(
  db: Queryable,
  input: { inboxId: string | null; channel: string; reason: string; headers: Record<string, unknown>; body: Buffer | string },
): Promise<string> {
  const body = Buffer.isBuffer(input.body) ? input.body.subarray(0, MAX_PARKED_BYTES).toString('utf8') : input.body.slice(0, MAX_PARKED_BYTES);
  const { rows } = await db.query<{ id: string }>(
    `insert into inbound_rejected(inbox_id, channel, reason, headers, body) values ($1, $2, $3, $4, $5) returning id`,
    [input.inboxId, input.channel, input.reason.slice(0, 2000), input.headers, body],
  );
  return rows[0]!.id;
}
