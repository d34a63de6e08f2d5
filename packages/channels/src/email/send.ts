import type { SendMailOptions } from 'nodemailer';
import { PermanentError } from '@switchboard/errors';
import type { InboxContext, OutboundMessage, SendResult } from '../contract.ts';
import { classifySmtpError } from './classify.ts';
import { EmailConfig, domainOf } from './config.ts';
import { messageIds } from './parse.ts';
import { replyAddress } from './threading.ts';
import { escapeHtml } from '../shared/escape-html.ts';
import { signSurveyLink, surveyLinkUrl } from './survey-link.ts';
import { renderSurveyEmail } from './survey-render.ts';

/** What the sender needs of a nodemailer transport; tests pass one aimed at a local SMTP server. */
export interface MailTransport {
  sendMail(mail: SendMailOptions): Promise<unknown>;
}

export interface EmailSenderDeps {
  /** The SMTP transport of an inbox (egress caches one per inbox and closes it on shutdown). */
  transportFor(inbox: InboxContext): MailTransport;
  /**
   * Where survey links point (API_PUBLIC_BASE_URL: `<base>/survey/<token>`) and the key that signs
   * them (surveyLinkKey of SWITCHBOARD_SECRET_KEY). Without it a survey mail fails permanently.
   */
  surveyLinks?: { baseUrl: string; key: Buffer };
}

/** An agent reply plus what only email has; egress fills these from the conversation. */
export interface EmailOutboundMessage extends OutboundMessage {
  /** The conversation's subject; the reply keeps it as `Re: <subject>`. */
  subject?: string | null;
  html?: string | null;
  /** The References chain of the customer's last message, oldest first. */
  references?: readonly string[];
}

/**
 * Sends agent replies over SMTP so the customer's client threads them: our own Message-ID
 * (returned, stored to match the next reply), In-Reply-To and References to the customer's last
 * message, and Reply-To `reply+<conversation id>@domain` as the fallback when a client drops headers.
 */
export function createEmailSender(deps: EmailSenderDeps) {
  return async (msg: EmailOutboundMessage, inbox: InboxContext): Promise<SendResult> => {
    const config = configOf(inbox);
    const files = msg.files ?? [];
    if (!msg.text && !msg.html && files.length === 0) throw new PermanentError('empty_message', 'an email needs a body or a file');
    const domain = config.replyDomain ?? domainOf(config.address);
    // derived from our id, not random: a send repeated after a crash is the same email to the client
    const messageId = `<${msg.messageId}@${domain}>`;
    const parent = messageIds(msg.replyToExternalId ?? undefined)[0];
    const references = [...new Set([...(msg.references ?? []), ...messageIds(msg.threadExternalId), ...(parent ? [parent] : [])])];
    const body = bodyOf(msg, deps);
    const mail: SendMailOptions = {
      from: config.name ? { name: config.name, address: config.address } : config.address,
      to: msg.recipientExternalId,
      replyTo: replyAddress(msg.conversationId, domain),
      subject: replySubject(msg.subject),
      messageId,
      ...(parent ? { inReplyTo: parent } : {}),
      ...(references.length > 0 ? { references } : {}),
      text: body.text,
      html: body.html,
      ...(files.length > 0
        ? { attachments: await Promise.all(files.map(async (f) => ({ filename: f.fileName, content: await f.read(), contentType: f.contentType }))) }
        : {}),
    };
    try {
      await deps.transportFor(inbox).sendMail(mail);
    } catch (error) {
      throw classifySmtpError(error);
    }
    return { externalMessageId: messageId, sentAt: new Date() };
  };
}

const REPLY_PREFIX = /^\s*((re|fwd?|aw|wg|sv|antw|vs|r|回复|答复)\s*(\[\d+\])?\s*[:：]\s*)+/i;

/** `Re: <subject>` with any stack of Re:/AW:/Fwd: prefixes collapsed, so the subject stays stable. */
export function replySubject(subject: string | null | undefined): string {
  const base = (subject ?? '').replace(REPLY_PREFIX, '').trim();
  return base ? `Re: ${base}` : 'Re: your message';
}

function configOf(inbox: InboxContext): EmailConfig {
  const config = EmailConfig.safeParse(inbox.config);
  if (!config.success) throw new PermanentError('channel_misconfigured', 'the inbox has no valid email address');
  return config.data;
}

function textToHtml(text: string): string {
  return `<div>${escapeHtml(text).replace(/\r?\n/g, '<br>')}</div>`;
}

/** The mail's text and HTML parts: a survey's questions with one signed link per score, or the reply as written. */
function bodyOf(msg: EmailOutboundMessage, deps: EmailSenderDeps): { text: string; html: string } {
  const survey = msg.survey;
  if (!survey || survey.prompt === 'comment') return { text: msg.text ?? '', html: msg.html ?? textToHtml(msg.text ?? '') };
  const links = deps.surveyLinks;
  if (!links) throw new PermanentError('survey_links_not_configured', 'a survey mail needs the public API URL and link key (API_PUBLIC_BASE_URL)');
  return renderSurveyEmail(msg.text ?? '', survey, (kind, score) => surveyLinkUrl(links.baseUrl, signSurveyLink(links.key, { surveyId: survey.id, kind, score })));
}
