/**
 * Whether a message reads as a question about groups of students, the kind analytics answers: so
 * someone whose role may not ask is told it is not theirs to ask, rather than "I didn't understand".
 */
import { QUESTIONS } from "./questions.ts";
import { tokenise } from "./words.ts";

const GROUP_WORDS = /\b(how many|what share|proportion|percentage|cohorts?)\b/;

export function isGroupQuestion(text: string): boolean {
  const plain = tokenise(text).join(" ");
  return GROUP_WORDS.test(plain) || QUESTIONS.some((q) => q.detect.some((re) => re.test(plain)));
}
