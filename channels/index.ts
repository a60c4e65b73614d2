/**
 * Channel adapters: Teams (through the bot's messenger), Twilio SMS and SMTP email senders that
 * implement delivery's port, and what comes back from the providers (inbound email, Twilio
 * signatures and keywords, unsubscribe links). Senders never touch the database.
 */
export {
  createTeamsSender,
  teamsActivity,
  teamsMessageId,
  teamsFailure,
  type TeamsActivity,
  type TeamsMessenger,
  type TeamsSenderOptions,
} from "./teams-sender.ts";
export { createSmsSender, SMS_STATUS_PATH, E164, type SmsSenderSettings } from "./sms-sender.ts";
export {
  createEmailSender,
  createStaffEmailSender,
  smtpTransport,
  classifySmtpError,
  fromDomain,
  newMessageId,
  DEFAULT_SUBJECT,
  type EmailSenderSettings,
} from "./email-sender.ts";
export { renderEmailContent, REPLY_LINE, UNSUBSCRIBE_LABEL, type EmailContent, type EmailContentInput } from "./email-content.ts";
export { parseInboundEmail, newText, InboundEmailError, type InboundEmail, type InboundReply, type InboundBounce } from "./email-inbound.ts";
export { senderAuthenticated, parseAuthenticationResults } from "./authentication-results.ts";
export { verifyTwilioRequest, type TwilioRequest, type SignatureVerdict } from "./twilio-signature.ts";
export { smsKeyword, type SmsKeyword, type KeywordMatch } from "./sms-keywords.ts";
export { unsubscribeToken, readUnsubscribeToken, unsubscribeUrl, UNSUBSCRIBE_PATH } from "./unsubscribe-links.ts";
export { RollingLimiter, systemClock, type Clock, type RateWindow } from "./rate-limiter.ts";
