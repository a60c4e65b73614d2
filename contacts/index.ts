/**
 * How a person is reached: the channels a student opted out of, and each person's 1:1 Teams
 * conversation with the bot (remembered from what Teams sends, marked unavailable when it fails).
 */
export { setChannelOptOut, isOptedOut, type OptOutChange } from "./opt-outs.ts";
export { markConversationUnavailable } from "./teams-availability.ts";
export { rememberConversation, type RememberOutcome, type ConversationSeen } from "./teams-conversations.ts";
export { studentsByMobile, studentsByEmail } from "./lookup.ts";
export { senderOfEmailReply, studentExists, type EmailReplySender } from "./email-replies.ts";
export { firstSight } from "./inbound-once.ts";

import { setChannelOptOut } from "./opt-outs.ts";
import { studentsByEmail, studentsByMobile } from "./lookup.ts";
import { rememberConversation } from "./teams-conversations.ts";
import { senderOfEmailReply, studentExists } from "./email-replies.ts";
import { firstSight } from "./inbound-once.ts";

/** What the edges may ask of contacts (app/ binds the database). */
export const useCases = { rememberConversation, setChannelOptOut, studentsByMobile, studentsByEmail, senderOfEmailReply, studentExists, firstSight };
