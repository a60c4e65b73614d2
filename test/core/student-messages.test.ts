/**
 * The catalogue of what Nudge says to students: every sentence renders with its placeholders
 * filled and nothing left over, a missing value is an error rather than a gap, and the answers
 * to a student in crisis or distress keep to safe-messaging practice.
 */
import { describe, expect, it } from "vitest";
import { say, STUDENT_MESSAGES, type StudentMessageKey } from "../../core/student-messages.ts";

const keys = Object.keys(STUDENT_MESSAGES) as StudentMessageKey[];
const placeholders = (key: StudentMessageKey) => [...STUDENT_MESSAGES[key].matchAll(/\{\{\s*([a-z_]+)\s*\}\}/g)].map((m) => m[1]!);

describe("the student message catalogue", () => {
  it.each(keys)("%s renders completely", (key) => {
    const values = Object.fromEntries(placeholders(key).map((name) => [name, `<${name}>`]));
    const text = say(key, values);
    expect(text).not.toMatch(/\{\{|\}\}|undefined|null/);
    for (const name of placeholders(key)) expect(text).toContain(`<${name}>`);
  });

  it("refuses to leave a gap where a value is missing", () => {
    expect(() => say("pause_answer")).toThrow(/pause_answer: no value for \{\{until\}\}/);
  });

  it("puts values in as written: nothing is HTML-escaped here (each channel escapes for itself)", () => {
    expect(say("pause_answer", { until: "Monday 14 <December> & after" })).toContain("Monday 14 <December> & after");
  });

  it("never thanks a student in crisis or distress, never offers STOP to them, and gives a way to help now", () => {
    const safety = keys.filter((k) => k.startsWith("crisis_") || k.startsWith("distress_"));
    expect(safety.length).toBeGreaterThanOrEqual(6);
    for (const key of safety) {
      const text = STUDENT_MESSAGES[key];
      expect(text, key).not.toMatch(/thank|\bSTOP\b|unsubscribe/i);
      expect(text, key).toMatch(/116 123|\{\{lines\}\}/);
    }
    for (const key of keys.filter((k) => k.startsWith("crisis_"))) expect(STUDENT_MESSAGES[key], key).toMatch(/999/);
  });
});
