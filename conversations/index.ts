/**
 * Conversations with students: what a message means (safety first), what is done about it, and
 * what the student is told.
 */
export {
  receiveStudentMessage,
  helpInvitedRecently,
  helpList,
  HELP_INVITED_DAYS,
  type StudentMessage,
  type ReplyOutcome,
  type ReplyOptions,
} from "./replies.ts";
export { defaultConversationSettings, type ConversationSettings } from "./settings.ts";
export { classifyMessage, pauseDaysOf, MIN_CONFIDENCE, type Classification, type ClassifyContext } from "./classify.ts";
export { intentModel, trainIntentModel, type IntentModel, type RankedIntent } from "./intent-model.ts";
export { INTENTS, isIntent, type Intent } from "./intents.ts";
export { readCorpus, type LabelledMessage } from "./corpus.ts";
export { explainWhy } from "./why.ts";
export { myDataCardFor } from "./my-data.ts";

import { receiveStudentMessage } from "./replies.ts";

/** What the edges may ask of conversations (app/ binds the database). */
export const useCases = { receiveStudentMessage };
