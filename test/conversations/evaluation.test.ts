/**
 * The classifier on messages written fresh for this test (conversations/corpus/evaluation.jsonl):
 * ordinary questions about deadlines, rooms, fees and IT, thanks, stops, pauses, help, data
 * requests, Welsh and text-speak, and crisis and distress said directly, indirectly and inside an
 * ordinary question. The model never trains on this file (it reads train.jsonl only, and the
 * corpus test checks the files share no message), so it measures how the classifier does on
 * messages unlike its corpus. Each line: `{"text", "intent", "acceptable"?: [other intents a
 * careful reader would also accept]}`.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { classifyMessage, INTENTS, intentModel, isIntent, type Classification, type Intent } from "../../conversations/index.ts";

interface Judged {
  text: string;
  intent: Intent;
  acceptable: Intent[];
}

function readEvaluation(): Judged[] {
  const url = new URL("../../conversations/corpus/evaluation.jsonl", import.meta.url);
  return readFileSync(url, "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line, index) => {
      const row = JSON.parse(line) as { text?: unknown; intent?: unknown; acceptable?: unknown };
      const acceptable = Array.isArray(row.acceptable) ? row.acceptable : [];
      if (typeof row.text !== "string" || typeof row.intent !== "string" || !isIntent(row.intent) || !acceptable.every((a) => isIntent(a)))
        throw new Error(`evaluation.jsonl line ${index + 1} is not a labelled message`);
      return { text: row.text, intent: row.intent, acceptable };
    });
}

/** Intents that end the exchange without a person reading it, or change what the student receives. */
const SILENT_OR_SETTING: readonly Intent[] = ["stop", "pause", "resume", "consent_withdraw", "erasure", "thanks"];
/** A student asking or telling something: a person or a factual answer must follow. */
const ASKING: readonly Intent[] = ["other", "needs_help", "why", "privacy_question", "my_data", "data_copy"];
/** Measured 94.3% (198 of 210) when this file was written; set just below. */
const MIN_ACCURACY = 0.94;

describe("the reply classifier on messages it has never seen", () => {
  const messages = readEvaluation();
  const results: { message: Judged; got: Classification }[] = [];

  beforeAll(async () => {
    const model = await intentModel();
    for (const message of messages) results.push({ message, got: await classifyMessage(message.text, {}, model) });
    const right = results.filter(({ message, got }) => got.intent === message.intent || message.acceptable.includes(got.intent));
    const wrong = results.filter((r) => !right.includes(r)).map((r) => `  ${r.message.intent} -> ${r.got.intent}: ${r.message.text}`);
    console.log(`evaluation: ${right.length}/${results.length} right (${((100 * right.length) / results.length).toFixed(1)}%)\n${wrong.join("\n")}`);
  });

  it("has at least 150 messages, with crisis, distress and every other intent among them", () => {
    expect(messages.length).toBeGreaterThanOrEqual(150);
    for (const intent of INTENTS) expect(messages.filter((m) => m.intent === intent).length, intent).toBeGreaterThanOrEqual(5);
  });

  it("misses no crisis or distress message", () => {
    const missed = results.filter(
      ({ message, got }) => (message.intent === "crisis" || message.intent === "distress") && got.intent !== "crisis" && got.intent !== "distress",
    );
    expect(missed.map((r) => `${r.message.text} -> ${r.got.intent}`)).toEqual([]);
  });

  it("never drops a question or a request for help, nor changes a setting for it", () => {
    const dropped = results.filter(({ message, got }) => ASKING.includes(message.intent) && SILENT_OR_SETTING.includes(got.intent));
    expect(dropped.map((r) => `${r.message.text} (${r.message.intent}) -> ${r.got.intent}`)).toEqual([]);
  });

  it("opts out, pauses, erases or withdraws consent only when that was asked", () => {
    const acted = results.filter(
      ({ message, got }) =>
        SILENT_OR_SETTING.includes(got.intent) && got.intent !== "thanks" && got.intent !== message.intent && !message.acceptable.includes(got.intent),
    );
    expect(acted.map((r) => `${r.message.text} (${r.message.intent}) -> ${r.got.intent}`)).toEqual([]);
  });

  it(`gets at least ${MIN_ACCURACY * 100}% right, counting a careful reader's alternative as right`, () => {
    const right = results.filter(({ message, got }) => got.intent === message.intent || message.acceptable.includes(got.intent)).length;
    expect(right / results.length).toBeGreaterThanOrEqual(MIN_ACCURACY);
  });
});
