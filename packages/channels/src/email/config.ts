import { z } from 'zod';

/** An email inbox's non-secret settings (SMTP/IMAP hosts belong to the ingress and egress services). */
export const EmailConfig = z.object({
  /** The support address customers write to and replies come from. */
  address: z.email(),
  /** Display name on outgoing mail, e.g. "Acme Support". */
  name: z.string().min(1).max(200).optional(),
  /** Domain of `reply+<token>@` addresses; defaults to the address's domain. */
  replyDomain: z.string().regex(/^[A-Za-z0-9.-]+$/).optional(),
});
export type EmailConfig = z.infer<typeof EmailConfig>;

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}
