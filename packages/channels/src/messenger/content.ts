import type { Attachment, Content } from '@switchboard/contracts';
import { compact } from '../shared/compact.ts';
import type { MetaAttachment, MetaMessage } from './wire.ts';

/** The "like" thumb Messenger sends as an image attachment (CHANNELS.md, `messenger/courier_thumbs_up.json`). */
export const THUMBS_UP_STICKER_ID = '369239263222822';

const KINDS: Record<string, Attachment['kind']> = {
  image: 'image',
  video: 'video',
  audio: 'audio',
  file: 'document',
  sticker: 'sticker',
  // Instagram: a story that mentions the business, a shared post or reel; the url is a CDN file that expires
  story_mention: 'other',
  share: 'other',
  reel: 'video',
  ig_reel: 'video',
};

/**
 * What the customer sent, as agents see it. Attachment `externalId` is the CDN `payload.url`,
 * which the media fetcher downloads (Meta gives no media id for Messenger and Instagram).
 */
export function messageContent(message: MetaMessage): Content {
  const attachments: Attachment[] = [];
  const texts: string[] = message.text ? [message.text] : [];
  let location: Content['location'];
  for (const a of message.attachments ?? []) {
    const url = a.payload?.url;
    if (a.type === 'location' && a.payload?.coordinates) {
      location = compact({ latitude: a.payload.coordinates.lat, longitude: a.payload.coordinates.long, name: a.title || a.payload.title || undefined });
    } else if (a.type === 'like_heart') {
      // Instagram's heart has no payload: it is the whole message
      texts.push('❤️');
    } else if (a.type === 'fallback') {
      // a shared link, not a file: show it, fetch nothing
      const link = url ?? a.url;
      if (link) texts.push([a.title || a.payload?.title, link].filter(Boolean).join(' '));
    } else if (url && isSticker(a)) {
      attachments.push({ kind: 'sticker', externalId: url });
      if (a.payload?.sticker_id === THUMBS_UP_STICKER_ID) texts.push('👍');
    } else if (url && KINDS[a.type]) {
      attachments.push({ kind: KINDS[a.type]!, externalId: url });
    } else if (url) {
      attachments.push({ kind: 'other', externalId: url });
    }
  }
  // a story reply: keep the story (its url expires) next to the customer's answer
  const story = message.reply_to?.story;
  if (story?.url) attachments.push({ kind: 'other', externalId: story.url });
  if (message.is_unsupported && texts.length === 0 && attachments.length === 0) texts.push('[a message type this channel cannot show]');
  const text = texts.join('\n') || undefined;
  return compact({ text, attachments, location });
}

/** A sticker is an image with a `sticker_id` until Meta's `sticker` type replaces it (2026-08-30). */
function isSticker(a: MetaAttachment): boolean {
  return a.type === 'sticker' || (a.type === 'image' && a.payload?.sticker_id !== undefined);
}

/** Whether `content` holds anything an agent could read. */
export function isEmpty(content: Content): boolean {
  return content.text === undefined && content.attachments.length === 0 && content.location === undefined;
}
