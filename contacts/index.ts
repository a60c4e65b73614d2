/**
 * How a person is reached: the channels a student opted out of, and each person's 1:1 Teams
 * conversation with the bot (remembered from what Teams sends, marked unavailable when it fails).
 */
export { setChannelOptOut, isOptedOut, type OptOutChange } from "./opt-outs.ts";
export { markConversationUnavailable } from "./teams-availability.ts";
export { rememberConversation, type RememberOutcome } from "./teams-conversations.ts";
