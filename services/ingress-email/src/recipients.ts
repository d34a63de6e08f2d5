import { domainOf, parseReplyAddress, type EmailConfig } from '@switchboard/channels';

export interface RecipientInbox {
  id: string;
  config: Pick<EmailConfig, 'address' | 'replyDomain'>;
}

/**
 * The email inbox an SMTP envelope recipient belongs to: its support address, or a
 * `reply+<token>@` address of its reply domain. Undefined for anyone else, so the receiver
 * never becomes an open relay for addresses we do not serve.
 */
export function inboxForRecipient<I extends RecipientInbox>(address: string, inboxes: readonly I[]): I | undefined {
  const lower = address.trim().toLowerCase();
  const direct = inboxes.find((inbox) => inbox.config.address.toLowerCase() === lower);
  if (direct) return direct;
  const reply = parseReplyAddress(lower);
  if (!reply) return undefined;
  return inboxes.find((inbox) => (inbox.config.replyDomain?.toLowerCase() ?? domainOf(inbox.config.address)) === reply.domain);
}
