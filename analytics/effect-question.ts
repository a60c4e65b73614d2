/**
 * "Did engagement improve after nudges?" is a question about cause, which counts cannot answer:
 * it needs the comparison of nudged and held-out students (rule-effect.ts). Until the Student
 * Centre can ask it here, it is refused with where that comparison is, never answered with a
 * before-and-after count that would look like one.
 */
import { tokenise } from "./words.ts";

const CAUSE = /\b(improve[ds]?|improving|work(s|ed|ing)?|help(s|ed)?|effect(s|ive|iveness)?|impact|difference|change[ds]?|better|increase[ds]?)\b/;
const CAUSE_OF = /\b(nudges?|nudging|nudged|interventions?|messages?|rules?|prompts?)\b/;
const ASKED = /\b(did|do|does|has|have|is|are|were|was|what|how|whether)\b/;

export const EFFECT_REFUSAL =
  "Whether nudges changed engagement is a comparison of nudged students with students held out of a rule, not a count, so it is not answered here. Admins can ask “effect of <rule>” in Teams, or run `nudge rules effect` (all rules) or `nudge rules effect <rule>`.";

/** Whether the question asks if nudges (or rules) made a difference. */
export function isEffectQuestion(text: string): boolean {
  const words = tokenise(text).join(" ");
  return CAUSE.test(words) && CAUSE_OF.test(words) && ASKED.test(words) && !/\bflag(s|ged)?\b/.test(words);
}
