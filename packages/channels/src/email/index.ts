export { classifySmtpError } from './classify.ts';
export { domainOf, EmailConfig } from './config.ts';
export { autoSubmission, bounceOf, type AutoSubmissionReason, type Bounce } from './loop.ts';
export { normalizeEmail } from './normalize.ts';
export { attachmentContents, messageIds, parseEmail, type EmailAddress, type EmailAttachmentMeta, type ParsedEmail } from './parse.ts';
export { htmlToText, sanitizeHtml, visibleText, visibleTextFromHtml } from './quotes.ts';
export { createEmailSender, replySubject, type EmailOutboundMessage, type EmailSenderDeps, type MailTransport } from './send.ts';
export {
  parseReplyAddress, replyAddress, threadDecision,
  type KnownMessages, type KnownThread, type ReplyTokenLookup, type ThreadDecision, type ThreadRule,
} from './threading.ts';
export { emailAdapter, EmailInboxConfig, EmailSecrets } from './adapter.ts';
export { createSmtpTransports, type SmtpTransports } from './transports.ts';
export { readSurveyLink, signSurveyLink, surveyLinkKey, surveyLinkUrl, type SurveyLinkClaim } from './survey-link.ts';
export { renderSurveyEmail, type SurveyLinkFor } from './survey-render.ts';
