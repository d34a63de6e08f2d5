import { PermanentError } from '@switchboard/errors';
import type { MessageTemplate, OutboundFile, Sender } from '../contract.ts';
import { splitText } from '../shared/split-text.ts';
import { graphCall, graphInbox, graphJson, type GraphDeps, type GraphInbox } from './graph.ts';
import { SendResponse, UploadResponse, WHATSAPP_MAX_TEXT_LENGTH } from './wire.ts';

export type WhatsAppSenderDeps = GraphDeps;

type MediaType = 'image' | 'video' | 'audio' | 'document' | 'sticker';

const MB = 1024 * 1024;
/** Cloud API "Supported media types": anything else, or larger, goes as a document, byte for byte. */
const MEDIA_RULES: { type: MediaType; mimes: ReadonlySet<string>; maxBytes: number }[] = [
  { type: 'image', mimes: new Set(['image/jpeg', 'image/png']), maxBytes: 5 * MB },
  { type: 'video', mimes: new Set(['video/mp4', 'video/3gpp']), maxBytes: 16 * MB },
  { type: 'audio', mimes: new Set(['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg']), maxBytes: 16 * MB },
];

/**
 * Sends agent replies through the Cloud API (`POST /{version}/{phone-number-id}/messages`). A
 * template reply sends the template alone (the only message allowed outside the 24-hour
 * window). Otherwise the text (split at 4096 characters) goes first, quoting the customer's
 * message when there is one, then each file is uploaded (`POST /{phone-number-id}/media`) and
 * sent by its media id. The result names the last message sent. Throws what `classify` returns.
 */
export function createWhatsAppSender(deps: WhatsAppSenderDeps = {}): Sender {
  return async (msg, inbox) => {
    const wa = graphInbox(deps, inbox);
    const to = recipientOf(msg.recipientExternalId);
    if (msg.template) return sendOne(deps, wa, { ...to, ...templateBody(msg.template) });

    const chunks = splitText(msg.text ?? '', WHATSAPP_MAX_TEXT_LENGTH);
    const files = msg.files ?? [];
    if (chunks.length === 0 && files.length === 0) throw new PermanentError('empty_message', 'WhatsApp cannot send a message without text, a file or a template');
    // every file is read before anything is sent: a missing one fails the reply without a half-sent text
    const contents = await Promise.all(files.map((file) => file.read()));
    let context: object | undefined = msg.replyToExternalId ? { context: { message_id: msg.replyToExternalId } } : undefined;
    let last: Awaited<ReturnType<typeof sendOne>> | undefined;
    for (const body of chunks) {
      last = await sendOne(deps, wa, { ...to, ...context, type: 'text', text: { preview_url: false, body } });
      context = undefined;
    }
    for (const [index, file] of files.entries()) {
      const type = mediaTypeOf(file, contents[index]!.length);
      const id = await upload(deps, wa, file, contents[index]!);
      const media = type === 'document' ? { id, filename: file.fileName } : { id };
      last = await sendOne(deps, wa, { ...to, ...context, type, [type]: media });
      context = undefined;
    }
    return last!;
  };
}

/**
 * Phone numbers (wa_id digits) go in `to`; a business-scoped user id (a user who hides their
 * number, e.g. `US.13491208655302741918`) goes in `recipient`, per Meta's BSUID guide.
 */
export function recipientOf(externalId: string): { to: string } | { recipient: string } {
  return /^\+?\d+$/.test(externalId) ? { to: externalId.replace(/^\+/, '') } : { recipient: externalId };
}

function templateBody(t: MessageTemplate) {
  const parameters = (t.parameters ?? []).map((text) => ({ type: 'text', text }));
  return {
    type: 'template',
    template: { name: t.name, language: { code: t.language }, ...(parameters.length ? { components: [{ type: 'body', parameters }] } : {}) },
  };
}

async function sendOne(deps: GraphDeps, wa: GraphInbox, body: Record<string, unknown>) {
  const res = await graphCall(deps, wa.token, `${wa.base}/${wa.phoneNumberId}/messages`, {
    method: 'POST',
    json: { messaging_product: 'whatsapp', recipient_type: 'individual', ...body },
  });
  const sent = await graphJson(res, SendResponse, 'send');
  return { externalMessageId: sent.messages[0]!.id, sentAt: new Date() };
}

async function upload(deps: GraphDeps, wa: GraphInbox, file: OutboundFile, bytes: Buffer): Promise<string> {
  const form = new FormData();
  form.append('messaging_product', 'whatsapp');
  form.append('type', file.contentType);
  form.append('file', new Blob([new Uint8Array(bytes)], { type: file.contentType }), file.fileName);
  const res = await graphCall(deps, wa.token, `${wa.base}/${wa.phoneNumberId}/media`, { method: 'POST', form });
  return (await graphJson(res, UploadResponse, 'media upload')).id;
}

function mediaTypeOf(file: OutboundFile, size: number): MediaType {
  const mime = file.contentType.split(';')[0]!.trim().toLowerCase();
  const rule = MEDIA_RULES.find((r) => r.mimes.has(mime));
  return rule && size <= rule.maxBytes ? rule.type : 'document';
}
