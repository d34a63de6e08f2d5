import type pg from 'pg';
import type { FakeTelegram } from '@switchboard/testkit';
import { waitFor } from '@switchboard/testkit';
import { parseReplyText, type Stream, type WrittenReply } from './traffic.ts';

/** What the fault tests count and print: inbound messages and agents' replies. */
export interface Figures {
  messages: { sent: number; acknowledged: number; stored: number; duplicates: number; lost: number; outOfOrder: number; shownOutOfOrder: number };
  replies: { written: number; delivered: number; deliveredTwice: number; uncertain: number; uncertainDelivered: number; lost: number; outOfOrder: number; failedOther: number };
  conversations: { total: number; stuck: number };
}

/** Waits until the system is quiet: every acknowledged update stored, no reply still queued or sending. */
export async function waitUntilSettled(db: pg.Pool, stream: Stream, timeoutMs: number): Promise<void> {
  const ids = [...stream.acked];
  await waitFor(
    async () => {
      const { rows } = await db.query<{ stored: number; pending: number }>(
        `select (select count(distinct external_id)::int from messages where direction = 'in' and external_id = any($1)) as stored,
                (select count(*)::int from messages where direction = 'out' and status in ('queued', 'sending')) as pending`,
        [ids],
      );
      return rows[0]!.stored === ids.length && rows[0]!.pending === 0;
    },
    { what: 'every acknowledged update stored and every reply settled', timeoutMs, intervalMs: 500 },
  );
}

export async function tally(db: pg.Pool, telegram: FakeTelegram, stream: Stream, sent: number, written: WrittenReply[]): Promise<Figures> {
  const ids = [...stream.acked];
  const { rows: inbound } = await db.query<{ externalId: string; text: string; threadKey: string; seq: string }>(
    `select m.external_id as "externalId", m.text, c.thread_key as "threadKey", m.seq
       from messages m join conversations c on c.id = m.conversation_id
      where m.direction = 'in' order by c.thread_key, m.seq`,
  );
  // the order the API shows a conversation in (listMessages' display order)
  const { rows: shown } = await db.query<{ externalId: string; threadKey: string }>(
    `select m.external_id as "externalId", c.thread_key as "threadKey"
       from messages m join conversations c on c.id = m.conversation_id
      where m.direction = 'in' order by c.thread_key, m.sort_at, coalesce(m.platform_order, 9223372036854775807), m.seq`,
  );
  const inversions = (rows: { externalId: string; threadKey: string }[]) => {
    let count = 0;
    const last = new Map<string, number>();
    for (const m of rows) {
      const order = Number(m.externalId.split(':')[1]);
      if (order < (last.get(m.threadKey) ?? 0)) count++;
      last.set(m.threadKey, Math.max(order, last.get(m.threadKey) ?? 0));
    }
    return count;
  };
  const byText = new Map<string, number>();
  for (const m of inbound) byText.set(m.text, (byText.get(m.text) ?? 0) + 1);
  const storedIds = new Set(inbound.map((m) => m.externalId));
  // per chat, a message stored (by seq) after one the customer sent later: the disorder the
  // display order must undo
  const inboundOutOfOrder = inversions(inbound);

  const { rows: replyRows } = await db.query<{ id: string; status: string; errorCode: string | null }>(
    `select id, status, error_code as "errorCode" from messages where id = any($1)`,
    [written.map((r) => r.messageId)],
  );
  const status = new Map(replyRows.map((r) => [r.id, r]));
  const deliveries = new Map<string, number>();
  let outOfOrder = 0;
  const lastIndex = new Map<string, number>();
  for (const call of telegram.calls) {
    if (call.method !== 'sendMessage' || telegram.statusOf(call) !== 200) continue;
    const reply = parseReplyText(call.params.text);
    if (!reply) continue;
    const key = `${reply.chatId}#${reply.index}`;
    deliveries.set(key, (deliveries.get(key) ?? 0) + 1);
    if (reply.index < (lastIndex.get(reply.chatId) ?? -1)) outOfOrder++;
    lastIndex.set(reply.chatId, Math.max(reply.index, lastIndex.get(reply.chatId) ?? -1));
  }
  let delivered = 0;
  let deliveredTwice = 0;
  let uncertain = 0;
  let uncertainDelivered = 0;
  let lost = 0;
  let failedOther = 0;
  for (const reply of written) {
    const times = deliveries.get(`${reply.chatId}#${reply.index}`) ?? 0;
    const row = status.get(reply.messageId);
    const flagged = row?.status === 'failed' && row.errorCode === 'delivery_uncertain';
    if (times > 0) delivered++;
    if (times > 1) deliveredTwice++;
    if (flagged) uncertain++;
    if (flagged && times > 0) uncertainDelivered++;
    if (times === 0 && !flagged) lost++;
    if (row?.status === 'failed' && !flagged) failedOther++;
  }

  const { rows: conv } = await db.query<{ total: number; stuck: number }>(
    `select count(*)::int as total,
            count(*) filter (where not (status = 'open' and routing_state in ('assigned', 'queued')))::int as stuck
       from conversations`,
  );
  return {
    messages: {
      sent,
      acknowledged: ids.length,
      stored: storedIds.size,
      duplicates: [...byText.values()].reduce((n, c) => n + c - 1, 0),
      lost: ids.filter((id) => !storedIds.has(id)).length,
      outOfOrder: inboundOutOfOrder,
      shownOutOfOrder: inversions(shown),
    },
    replies: { written: written.length, delivered, deliveredTwice, uncertain, uncertainDelivered, lost, outOfOrder, failedOther },
    conversations: conv[0]!,
  };
}

/** Plain lines, so CI logs show the figures whatever the outcome. */
export function printFigures(scenario: string, figures: Figures, extra: Record<string, unknown> = {}): void {
  const m = figures.messages;
  const r = figures.replies;
  const lines = [
    `[faults] ${scenario}`,
    `[faults]   messages: sent ${m.sent}, acknowledged ${m.acknowledged}, stored ${m.stored}, duplicates ${m.duplicates}, lost ${m.lost}, stored out of order ${m.outOfOrder}, shown out of order ${m.shownOutOfOrder}`,
    `[faults]   replies: written ${r.written}, delivered ${r.delivered}, delivered twice ${r.deliveredTwice}, uncertain ${r.uncertain} (of which delivered ${r.uncertainDelivered}), lost ${r.lost}, out of order ${r.outOfOrder}, failed otherwise ${r.failedOther}`,
    `[faults]   conversations: ${figures.conversations.total}, stuck ${figures.conversations.stuck}`,
    ...Object.entries(extra).map(([k, v]) => `[faults]   ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
