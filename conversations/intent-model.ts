/**
 * The intent model: nlp.js's neural classifier (tokenised, stemmed English), trained from the
 * labelled corpus in this folder when first needed. Training takes about a tenth of a second and
 * is deterministic (the network starts from zero weights), so the same corpus always gives the
 * same answers, in the service, the CLI and the tests. Nothing is downloaded and nothing a student
 * writes leaves the service.
 */
import { containerBootstrap } from "@nlpjs/core";
import { LangEn } from "@nlpjs/lang-en-min";
import { Nlp } from "@nlpjs/nlp";
import { readCorpus } from "./corpus.ts";
import { isIntent, type Intent } from "./intents.ts";
import { normalise } from "../core/index.ts";

export interface RankedIntent {
  intent: Intent;
  score: number;
}

export interface IntentModel {
  /** Intents by score, best first; `other` when the model knows none of the words. */
  rank(text: string): Promise<RankedIntent[]>;
}

/** nlp.js logs through its container; its warnings about stop-word-only examples are expected here. */
const SILENT = { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error() {}, fatal() {} };

export async function trainIntentModel(examples = readCorpus("train")): Promise<IntentModel> {
  const container = await containerBootstrap();
  container.use(LangEn);
  container.register("logger", SILENT, true);
  const nlp = new Nlp(
    { languages: ["en"], autoSave: false, autoLoad: false, log: false, nlu: { log: false }, ner: { builtins: [] }, sentiment: false },
    container,
  );
  for (const example of examples) nlp.addDocument("en", normalise(example.text), example.intent);
  await nlp.train();
  return {
    async rank(text) {
      const result = await nlp.process("en", normalise(text));
      const ranked = result.classifications
        .map((c) => ({ intent: isIntent(c.intent) ? c.intent : ("other" as const), score: c.score }))
        .sort((a, b) => b.score - a.score);
      return ranked.length ? ranked : [{ intent: "other", score: 1 }];
    },
  };
}

let shared: Promise<IntentModel> | undefined;

/** The model trained from the repository's corpus, once per process. */
export function intentModel(): Promise<IntentModel> {
  shared ??= trainIntentModel();
  return shared;
}
