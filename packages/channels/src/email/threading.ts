import type { ParsedEmail } from './parse.ts';

/** A conversation a stored message (inbound or outbound) or a reply token belongs to. */
export interface KnownThread {
  conversationId: string;
  /** Addresses allowed to post into it: the customer and anyone already in the thread. */
  participants: readonly string[];
}

export interface KnownMessages {
  /** Looks up a Message-ID (`<id>` form) the router stored for inbound and outbound mail. */
  byMessageId(id: string): KnownThread | undefined;
}

/** Resolves a `reply+<token>@domain` recipient to its conversation; undefined for other addresses. */
export type ReplyTokenLookup = (address: string) => KnownThread | undefined;

export type ThreadRule = 'in_reply_to' | 'reply_token' | 'references' | 'new';

/** Recorded on the message so an agent can see why it landed where it did. */
export interface ThreadDecision {
  rule: ThreadRule;
  /** The header that matched: `In-Reply-To`, `To`, `Cc` or `References`. */
  matchedHeader?: string;
  conversationId?: string;
  /** Set on `new` when a match was found but the sender is not one of its participants. */
  refused?: { conversationId: string; matchedHeader: string };
}

/**
 * Which conversation a mail continues (issue 4): our Message-ID in In-Reply-To, then a
 * `reply+<token>@` recipient, then any known id in References, newest first. Never the subject
 * alone, and never into a conversation the sender is not a participant of: a forwarded thread
 * or a reused Reply-To must not leak one customer's conversation to another.
 */
export function threadDecision(parsed: ParsedEmail, known: KnownMessages, replyTokenOf: ReplyTokenLookup): ThreadDecision {
  const sender = parsed.from?.address.toLowerCase();
  const candidates: { header: string; thread: KnownThread | undefined; rule: Exclude<ThreadRule, 'new'> }[] = [];
  if (parsed.inReplyTo) candidates.push({ header: 'In-Reply-To', rule: 'in_reply_to', thread: known.byMessageId(parsed.inReplyTo) });
  for (const [header, list] of [['To', parsed.to], ['Cc', parsed.cc]] as const) {
    for (const address of list) candidates.push({ header, rule: 'reply_token', thread: replyTokenOf(address) });
  }
  for (const id of [...parsed.references].reverse()) {
    candidates.push({ header: 'References', rule: 'references', thread: known.byMessageId(id) });
  }
  let refused: ThreadDecision['refused'];
  for (const { header, rule, thread } of candidates) {
    if (!thread) continue;
    if (sender !== undefined && thread.participants.some((p) => p.toLowerCase() === sender)) {
      return { rule, matchedHeader: header, conversationId: thread.conversationId };
    }
    refused ??= { conversationId: thread.conversationId, matchedHeader: header };
  }
  return refused ? { rule: 'new', refused } : { rule: 'new' };
}

const REPLY_ADDRESS = /^reply\+([A-Za-z0-9-]{1,64})@([^@\s]+)$/i;

/** `reply+<token>@support.example` → `{ token, domain }`; undefined for any other address. */
export function parseReplyAddress(address: string): { token: string; domain: string } | undefined {
  const match = REPLY_ADDRESS.exec(address.trim());
  return match ? { token: match[1]!.toLowerCase(), domain: match[2]!.toLowerCase() } : undefined;
}

/** The Reply-To address carrying a conversation's token. */
export function replyAddress(token: string, domain: string): string {
  return `reply+${token}@${domain}`;
}
