/** The small part of nlp.js (https://github.com/axa-group/nlp.js) this module uses; the packages ship no types. */
declare module "@nlpjs/core" {
  export interface Container {
    use(plugin: unknown): void;
    register(name: string, instance: unknown, isSingleton?: boolean): void;
  }
  export function containerBootstrap(): Promise<Container>;
}

declare module "@nlpjs/lang-en-min" {
  export const LangEn: unknown;
}

declare module "@nlpjs/nlp" {
  import type { Container } from "@nlpjs/core";
  export interface NlpResult {
    intent: string;
    score: number;
    classifications: { intent: string; score: number }[];
  }
  export class Nlp {
    constructor(settings: Record<string, unknown>, container: Container);
    addLanguage(locale: string): void;
    addDocument(locale: string, utterance: string, intent: string): void;
    train(): Promise<unknown>;
    process(locale: string, utterance: string): Promise<NlpResult>;
  }
}
