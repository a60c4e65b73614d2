/**
 * The labelled messages the intent model learns from (`corpus/train.jsonl`) and is measured
 * against (`corpus/test.jsonl`): one JSON object per line, `{"text": …, "intent": …}`, written as
 * UK students write. The two files share no message.
 */
import { readFileSync } from "node:fs";
import { isIntent, type Intent } from "./intents.ts";

export interface LabelledMessage {
  text: string;
  intent: Intent;
}

export type CorpusPart = "train" | "test";

export function corpusPath(part: CorpusPart): URL {
  return new URL(`./corpus/${part}.jsonl`, import.meta.url);
}

/** The messages of one file; a bad line is an error naming the file and line. */
export function readCorpus(part: CorpusPart): LabelledMessage[] {
  const lines = readFileSync(corpusPath(part), "utf8").split("\n");
  const messages: LabelledMessage[] = [];
  lines.forEach((line, index) => {
    if (!line.trim()) return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw new Error(`corpus/${part}.jsonl line ${index + 1}: not JSON`);
    }
    const { text, intent } = (row ?? {}) as { text?: unknown; intent?: unknown };
    if (typeof text !== "string" || !text.trim()) throw new Error(`corpus/${part}.jsonl line ${index + 1}: text: expected a message`);
    if (typeof intent !== "string" || !isIntent(intent))
      throw new Error(`corpus/${part}.jsonl line ${index + 1}: intent: "${String(intent)}" is not an intent`);
    messages.push({ text, intent });
  });
  return messages;
}
