import { PermanentError } from '@switchboard/errors';
import type { OutboundFile, OutboundMessage } from '../contract.ts';

/**
 * SMS carries files only as public URLs (Twilio's MediaUrl). Files without one are not sent:
 * the text goes out with a note naming them, so the customer knows to ask; a reply of only
 * such files fails with `media_not_supported` for the agent to see.
 */
export function textAndMedia(msg: OutboundMessage, mediaUrlFor?: (file: OutboundFile) => string | undefined): { text: string; mediaUrls: string[] } {
  const files = msg.files ?? [];
  const mediaUrls: string[] = [];
  const omitted: string[] = [];
  for (const file of files) {
    const url = mediaUrlFor?.(file);
    if (url) mediaUrls.push(url);
    else omitted.push(file.fileName);
  }
  let text = msg.text?.trim() ? msg.text : '';
  if (text === '' && mediaUrls.length === 0) {
    throw new PermanentError(files.length > 0 ? 'media_not_supported' : 'empty_message', files.length > 0 ? 'SMS cannot carry these files' : 'an SMS needs text');
  }
  if (omitted.length > 0) text += `${text ? '\n\n' : ''}[not sent by SMS: ${omitted.join(', ')}]`;
  return { text, mediaUrls };
}
