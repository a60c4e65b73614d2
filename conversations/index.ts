/**
 * Conversations with students: what a message means (safety first), what is done about it, and
 * what the student is told.
 */
export { receiveStudentMessage, helpInvitedRecently, helpList, defaultConversationSettings, HELP_INVITED_DAYS, type StudentMessage, type ReplyOutcome, type ReplyOptions, type ConversationSettings } from "./replies.ts";
export { classifyMessage, pauseDaysOf, MIN_CONFIDENCE, type Classification, type ClassifyContext } from "./classify.ts";
export { intentModel, trainIntentModel, type IntentModel, type RankedIntent } from "./intent-model.ts";
export { INTENTS, isIntent, type Intent } from "./intents.ts";
export { readCorpus, type LabelledMessage } from "./corpus.ts";
export { explainWhy } from "./why.ts";
export { myDataCardFor } from "./my-data.ts";
