import type { z } from 'zod';
import type { ChannelId, InboundEvent, SurveyKind } from '@switchboard/contracts';

/** What an ingress hands to `verify`: the request as received, body as raw bytes. */
export interface InboundRequest {
  method: string;
  /** The URL the platform called, as it saw it (public scheme, host, path and query): Twilio signs it. */
  url?: string;
  /** Lower-cased header names. */
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, string | undefined>;
  rawBody: Buffer;
}

/** An inbox as a channel adapter sees it: non-secret config plus decrypted secrets. */
export interface InboxContext<Cfg = unknown, Sec = unknown> {
  id: string;
  channel: ChannelId;
  config: Cfg;
  secrets: Sec;
}

/** One agent reply to deliver, as egress loads it from the database. */
/**
 * A file of an agent reply. Senders that upload the file call `read()` (egress reads the blob
 * store then; a missing blob throws a PermanentError); web chat only links to it by `blobKey`.
 */
export interface OutboundFile {
  kind: 'image' | 'video' | 'audio' | 'voice' | 'document' | 'sticker' | 'other';
  fileName: string;
  contentType: string;
  size: number;
  blobKey: string;
  read(): Promise<Buffer>;
}

export interface OutboundMessage {
  messageId: string;
  conversationId: string;
  /** The message's place in its conversation (web chat hands it to the widget for re-sync). */
  seq?: number;
  /** The customer's address on the platform (Telegram chat id, web-chat visitor id). */
  recipientExternalId: string;
  threadExternalId: string;
  text: string | null;
  /** Files to send with the text, in order; empty for a text-only reply. */
  files?: readonly OutboundFile[];
  /** Send this template instead of free text (re-opens a closed WhatsApp window). */
  template?: MessageTemplate | null;
  replyToExternalId?: string | null;
  /** This message asks a CSAT/NPS survey: the sender renders its answer buttons (Telegram keyboard, web-chat frame) or links (email). */
  survey?: OutboundSurvey | null;
}

/** A survey to render with a message; answers come back as `survey_answer` events naming `id`. */
export interface OutboundSurvey {
  id: string;
  asks: readonly SurveyKind[];
  acceptsComment: boolean;
  /** ISO 8601: answers after this are rejected. */
  expiresAt: string;
  /** `comment`: this message asks for a comment after the scores (Telegram renders a force_reply). Default `scores`. */
  prompt?: 'scores' | 'comment';
}

export interface SendResult {
  /** The platform's id for the sent message, stored so receipts and replies can find it. */
  externalMessageId: string;
  sentAt: Date;
}

export interface ChannelCapabilities {
  text: boolean;
  /** Whether replies may carry files. */
  media: boolean;
  maxTextLength: number;
  /** The largest file the platform accepts from us, in bytes (0 without media). */
  maxAttachmentBytes: number;
  /** All files of one reply together, in bytes: one email carries them all, a chat sends them one by one. */
  maxAttachmentTotalBytes: number;
  /**
   * Free-form replies are allowed only this long after the customer's last message (WhatsApp's
   * 24-hour customer-service window); outside it only a template may be sent. Unset: no window.
   */
  replyWindowHours?: number;
  /** Whether replies may be pre-approved templates (WhatsApp message templates). */
  templates?: boolean;
  /** The platform's published send rate per sending account (inbox); egress paces itself to it. Unset: no pacing. */
  sendRatePerSecond?: number;
}

/** A pre-approved message template (WhatsApp): its name, language and body parameters in order. */
export interface MessageTemplate {
  name: string;
  language: string;
  parameters?: string[];
}

/**
 * The shape of every channel. `verify` and `normalize` are pure so real payload fixtures
 * test them; `send` throws RetryableError, RateLimitedError or PermanentError.
 */
export interface ChannelAdapter<Cfg = unknown, Sec = unknown> {
  readonly channel: ChannelId;
  readonly capabilities: ChannelCapabilities;
  readonly configSchema: z.ZodType<Cfg>;
  readonly secretsSchema: z.ZodType<Sec>;
  /** Throws SignatureError when the request is not from the platform. */
  verify(req: InboundRequest, inbox: InboxContext<Cfg, Sec>): void;
  /** 0..n events; [] for updates that are not customer messages. Throws PayloadError. */
  normalize(raw: unknown, inbox: InboxContext<Cfg, Sec>, receivedAt: Date): InboundEvent[];
  /** The body as `normalize` takes it (default: lossless JSON). Throws PayloadError when it cannot be read. */
  parse?(req: InboundRequest): unknown;
  /** A subscription handshake (`GET`, e.g. Meta's hub.challenge); undefined when the request is not one. */
  handshake?(req: InboundRequest, inbox: InboxContext<Cfg, Sec>): { status: number; body: string } | undefined;
  /** What the platform expects as the answer to an accepted webhook (default: 200 JSON). */
  readonly ack?: { contentType: string; body: string };
  /**
   * True when sending the same reply twice still reaches the customer once, because the platform
   * or the customer's client dedupes by an id we choose. Egress then repeats a send whose outcome
   * it never learned (it crashed mid-send); otherwise it flags the reply `delivery_uncertain`
   * rather than risk a duplicate. Default: false.
   */
  resendIsSafe?(config: Cfg): boolean;
}

/** Inbound media fetched from the platform, for the blob store. */
export interface FetchedMedia {
  bytes: Buffer;
  contentType: string;
  fileName?: string;
}

/**
 * Downloads the file behind an inbound attachment's platform handle (`externalId`); built by the
 * channel's `create*MediaFetcher(deps)`. Throws like a sender: RetryableError, RateLimitedError,
 * PermanentError (e.g. `attachment_too_large` over `maxBytes`, before reading it all).
 */
export type MediaFetcher<Cfg = unknown, Sec = unknown> = (
  attachment: { externalId: string; mimeType?: string; fileName?: string },
  inbox: InboxContext<Cfg, Sec>,
  options: { maxBytes: number },
) => Promise<FetchedMedia>;

/** Delivers one message on a channel; built by the channel's `create*Sender(deps)` factory. */
export type Sender<Cfg = unknown, Sec = unknown> = (msg: OutboundMessage, inbox: InboxContext<Cfg, Sec>) => Promise<SendResult>;
