import { loadConversationTimeline, saveConversationMetrics, type Queryable } from '@switchboard/db';
import { calendarFromRow } from './business-hours.ts';
import { conversationMetrics } from './conversation-metrics.ts';

/** What was recorded, for the live figures a caller observes once its transaction commits. */
export interface RecordedMetrics {
  channel: string;
  /** Resolutions recorded so far, this one included. */
  resolutions: number;
  firstResponseS: number | null;
  firstResolutionS: number | null;
}

/**
 * Records the conversation's metrics as of its resolution at `resolvedAt`, in the caller's
 * (resolve) transaction: `resolvedAt` is appended to the resolutions already recorded, so a
 * reopened conversation's row is rewritten with every period counted.
 */
export async function recordConversationMetrics(tx: Queryable, conversationId: string, resolvedAt: Date): Promise<RecordedMetrics | undefined> {
  const stored = await loadConversationTimeline(tx, conversationId);
  if (!stored) return undefined;
  const timeline = { ...stored.timeline, resolutions: [...stored.timeline.resolutions, resolvedAt] };
  const calendar = stored.businessHours ? calendarFromRow(stored.businessHours) : null;
  const metrics = conversationMetrics(timeline, calendar, resolvedAt);
  await saveConversationMetrics(tx, {
    conversationId,
    channel: stored.channel,
    inboxId: stored.inboxId,
    queueId: stored.queueId,
    createdAt: timeline.createdAt,
    resolutions: timeline.resolutions,
    metrics,
    updatedAt: resolvedAt,
  });
  return { channel: stored.channel, resolutions: timeline.resolutions.length, firstResponseS: metrics.firstResponseS, firstResolutionS: metrics.firstResolutionS };
}
