import { expect } from '@jest/globals';
import type { FaultSystem } from './system.ts';
import { printFigures, tally, waitUntilSettled, type Figures } from './tally.ts';
import { chatIdOf, SCALE, setUpTelegramDesk, startStream, writeReplies, type Stream } from './traffic.ts';

/** Messages, chats and replies of one streamed scenario (≥ 2,000 messages and ≥ 300 replies at scale 1). */
export const STREAM = {
  messages: Math.round(2_000 * SCALE),
  chats: Math.max(20, Math.round(250 * SCALE)),
  replyChats: Math.max(10, Math.round(100 * SCALE)),
  repliesPerChat: 3,
  perSecond: 40,
};

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const between = (low: number, high: number) => low + Math.random() * (high - low);

/**
 * Streams customer messages through the webhook and agents' replies through the API while
 * `faults` runs, waits for the system to settle, prints the figures and checks the guarantees:
 * every acknowledged update stored exactly once; every reply delivered at most once, in order,
 * and either delivered or flagged `delivery_uncertain`; no conversation stuck.
 */
export async function runStreamScenario(system: FaultSystem, name: string, faults: (stream: Stream) => Promise<string[]>): Promise<Figures> {
  const started = Date.now();
  const desk = await setUpTelegramDesk(system.urls.api, system.adminToken, { agents: 4, capacity: Math.ceil(STREAM.chats / 3) });
  const stream = startStream({ webhookUrl: desk.webhookUrl, secret: desk.secret, count: STREAM.messages, chats: STREAM.chats, perSecond: STREAM.perSecond, concurrency: 16 });
  const streamMs = (STREAM.messages / STREAM.perSecond) * 1000;
  const replies = writeReplies({
    apiUrl: system.urls.api,
    token: system.adminToken,
    db: system.db,
    chatIds: Array.from({ length: STREAM.replyChats }, (_, i) => chatIdOf(i)),
    perChat: STREAM.repliesPerChat,
    pauseMs: streamMs / (STREAM.repliesPerChat + 1),
  });
  // a failed fault step must not leave the stream and the writers running unobserved
  const [timeline, , written] = await Promise.all([faults(stream), stream.done, replies]);
  const streamed = Date.now();
  let settleError: unknown;
  await waitUntilSettled(system.db, stream, 150_000).catch((error) => (settleError = error));
  const figures = await tally(system.db, system.telegram, stream, stream.posted, written);
  printFigures(name, figures, {
    faults: timeline.join('; '),
    'webhook retries': `${stream.retries.refused} refused, ${[...stream.retries.status].map(([s, n]) => `${n}×${s}`).join(', ') || 'no error answers'}`,
    'wall time': `stream ${((streamed - started) / 1000).toFixed(1)} s, settled after ${((Date.now() - streamed) / 1000).toFixed(1)} s more`,
    'service logs': system.logDir,
  });
  if (settleError) throw settleError;

  expect(figures.messages.acknowledged).toBe(STREAM.messages);
  expect(figures.messages.lost).toBe(0);
  expect(figures.messages.duplicates).toBe(0);
  expect(figures.messages.shownOutOfOrder).toBe(0);
  expect(figures.replies.written).toBe(STREAM.replyChats * STREAM.repliesPerChat);
  expect(figures.replies.deliveredTwice).toBe(0);
  expect(figures.replies.lost).toBe(0);
  expect(figures.replies.outOfOrder).toBe(0);
  expect(figures.conversations.total).toBe(STREAM.chats);
  expect(figures.conversations.stuck).toBe(0);
  return figures;
}
