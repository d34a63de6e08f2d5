import type { Attachment, Content } from '@switchboard/contracts';
import { compact } from '../shared/compact.ts';
import type { WaContent, WaMedia } from './wire.ts';

/**
 * The customer-visible part of a message (or of an edit's new version): text, media as
 * attachments whose `externalId` is the Meta media id (egress downloads it), location and
 * contact card. Captions, button titles and list choices become the text.
 */
export function extractContent(m: WaContent): Content {
  const attachments: Attachment[] = [];
  const add = (kind: Attachment['kind'], media: WaMedia | undefined) => {
    if (media) attachments.push(compact({ kind, externalId: media.id, mimeType: media.mime_type, fileName: media.filename }));
  };
  add('image', m.image);
  add('video', m.video);
  // voice notes are `audio` with voice: true (ogg/opus recorded in the app)
  add(m.audio?.voice ? 'voice' : 'audio', m.audio);
  add('document', m.document);
  add('sticker', m.sticker);

  const caption = m.image?.caption ?? m.video?.caption ?? m.document?.caption;
  const interactive = m.interactive;
  const choice = interactive?.button_reply?.title ?? interactive?.list_reply?.title ?? interactive?.nfm_reply?.body ?? interactive?.nfm_reply?.response_json;
  const cards = m.contacts ?? [];
  const text = m.text?.body ?? caption ?? choice ?? m.button?.text ?? m.order?.text ?? contactsSummary(cards);
  const card = cards[0];
  const place = m.location;
  return compact({
    text: text || undefined,
    attachments,
    location: place && compact({ latitude: place.latitude, longitude: place.longitude, name: place.name, address: place.address }),
    contactCard:
      card &&
      compact({
        name: card.name?.formatted_name ?? ([card.name?.first_name, card.name?.last_name].filter(Boolean).join(' ') || undefined),
        phone: card.phones?.[0]?.phone,
        email: card.emails?.[0]?.email,
      }),
  });
}

/** Several shared contacts: the first is the card, the text names them all so none is lost. */
function contactsSummary(cards: NonNullable<WaContent['contacts']>): string | undefined {
  if (cards.length < 2) return undefined;
  const names = cards.map((c) => `${c.name?.formatted_name ?? '?'} ${c.phones?.map((p) => p.phone).filter(Boolean).join(', ') ?? ''}`.trim());
  return `${cards.length} contacts: ${names.join('; ')}`;
}
