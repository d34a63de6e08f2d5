import { loadConversationTimeline, saveConversationMetrics, type Queryable } from '@switchboard/db';
import { calendarFromRow } from './business-hours.ts';
import { conversationMetrics } from './conversation-metrics.ts';

/**
 * Records the conversation's metrics as of its resolution at `resolvedAt`, in the caller's
 * (resolve) transaction: `resolvedAt` is appended to the resolutions already recorded, so a
 * reopened conversation's row is rewritten with every period counted.
 */
export async function recordConversationMetrics(tx: Queryable, conversationId: string, resolvedAt: Date): Promise<void> {
  const stored = await loadConversationTimeline(tx, conversationId);
  if (!stored) return;
  const timeline = { ...stored.timeline, resolutions: [...stored.timeline.resolutions, resolvedAt] };
  const calendar = stored.businessHours ? calendarFromRow(stored.businessHours) : null;
  await saveConversationMetrics(tx, {
    conversationId,
    channel: stored.channel,
    inboxId: stored.inboxId,
    queueId: stored.queueId,
    createdAt: timeline.createdAt,
    resolutions: timeline.resolutions,
    metrics: conversationMetrics(timeline, calendar, resolvedAt),
    updatedAt: resolvedAt,
  });
}
