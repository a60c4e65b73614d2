/**
 * The classifier against the held-out half of the labelled corpus (conversations/corpus/test.jsonl),
 * which the model never trains on. Safety bars first: every crisis message is recognised as a
 * crisis; no crisis or distress message is read as stop, pause, thanks or other; nothing but a
 * stop request opts anyone out. Then 90% right overall. The report per intent is printed.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  classifyMessage,
  INTENTS,
  intentModel,
  readCorpus,
  type Classification,
  type Intent,
  type IntentModel,
  type LabelledMessage,
} from "../../conversations/index.ts";

describe("the reply classifier on the held-out corpus", () => {
  const train = readCorpus("train");
  const test = readCorpus("test");
  let model: IntentModel;
  const results: { message: LabelledMessage; got: Classification }[] = [];

  beforeAll(async () => {
    model = await intentModel();
    for (const message of test) results.push({ message, got: await classifyMessage(message.text, {}, model) });
    const lines = INTENTS.map((intent) => {
      const mine = results.filter((r) => r.message.intent === intent);
      const right = mine.filter((r) => r.got.intent === intent).length;
      return `  ${intent.padEnd(17)} ${right}/${mine.length} (${mine.length ? Math.round((100 * right) / mine.length) : 0}%)`;
    });
    const right = results.filter((r) => r.got.intent === r.message.intent).length;
    console.log(
      `held-out corpus: ${test.length} messages (training: ${train.length}), ${right} right (${((100 * right) / test.length).toFixed(1)}%)\n${lines.join("\n")}`,
    );
  });

  it("is large enough, in both parts, for every intent, and the parts share no message", () => {
    expect(train.length + test.length).toBeGreaterThanOrEqual(400);
    for (const intent of INTENTS) {
      expect(train.filter((m) => m.intent === intent).length, `training messages for ${intent}`).toBeGreaterThanOrEqual(20);
      expect(test.filter((m) => m.intent === intent).length, `held-out messages for ${intent}`).toBeGreaterThanOrEqual(10);
    }
    const key = (text: string) => text.toLowerCase().replace(/[\s\p{P}]+/gu, "");
    const seen = new Set(train.map((m) => key(m.text)));
    expect(test.filter((m) => seen.has(key(m.text))).map((m) => m.text)).toEqual([]);
  });

  it("keeps the fresh evaluation messages (evaluation.jsonl) out of both files, so the model never trains on them", () => {
    const key = (text: string) => text.toLowerCase().replace(/[\s\p{P}]+/gu, "");
    const evaluation = readFileSync(new URL("../../conversations/corpus/evaluation.jsonl", import.meta.url), "utf8")
      .split("\n")
      .filter((line) => line.trim())
      .map((line) => (JSON.parse(line) as { text: string }).text);
    expect(evaluation.length).toBeGreaterThanOrEqual(150);
    const seen = new Set([...train, ...test].map((m) => key(m.text)));
    expect(evaluation.filter((text) => seen.has(key(text)))).toEqual([]);
  });

  it("recognises every crisis message as a crisis (recall 100%)", () => {
    const missed = results.filter((r) => r.message.intent === "crisis" && (r.got.intent !== "crisis" || r.got.safeguarding !== "crisis"));
    expect(missed.map((r) => `${r.message.text} -> ${r.got.intent}`)).toEqual([]);
  });

  it("never reads a crisis or distress message as stop, pause, thanks or other", () => {
    const mild: readonly Intent[] = ["stop", "pause", "thanks", "other"];
    const wrong = results.filter(
      (r) => (r.message.intent === "crisis" || r.message.intent === "distress") && (mild.includes(r.got.intent) || r.got.safeguarding === "none"),
    );
    expect(wrong.map((r) => `${r.message.text} -> ${r.got.intent}`)).toEqual([]);
  });

  it("opts nobody out who did not ask to stop", () => {
    const stopped = results.filter((r) => r.message.intent !== "stop" && r.got.intent === "stop");
    expect(stopped.map((r) => `${r.message.text} (${r.message.intent})`)).toEqual([]);
  });

  it("gets at least 90% right overall", () => {
    const right = results.filter((r) => r.got.intent === r.message.intent).length;
    expect(right / test.length).toBeGreaterThanOrEqual(0.9);
  });

  it("gives the same answers from a model trained twice (no randomness in training)", async () => {
    const again = await (await import("../../conversations/index.ts")).trainIntentModel(train);
    for (const { message, got } of results.slice(0, 60)) expect((await classifyMessage(message.text, {}, again)).intent, message.text).toBe(got.intent);
  });
});
