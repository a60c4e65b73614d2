/**
 * What a student's message can mean: one intent per message, each with its own action
 * (conversations/replies.ts). `crisis` and `distress` come first and win over everything else.
 */
export const INTENTS = [
  "crisis",
  "distress",
  "needs_help",
  "thanks",
  "why",
  "stop",
  "pause",
  "resume",
  "data_copy",
  "erasure",
  "privacy_question",
  "my_data",
  "consent_withdraw",
  "other",
] as const;
export type Intent = (typeof INTENTS)[number];

export function isIntent(value: string): value is Intent {
  return (INTENTS as readonly string[]).includes(value);
}
