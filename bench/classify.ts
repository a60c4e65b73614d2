/**
 * Classification of students' messages: the intent model's training time (once per process) and
 * the time per message of the whole classifier (safeguarding screen, keywords, model) over every
 * message of both corpus files, five times round: p50, p99 and the worst, in milliseconds.
 */
import { classifyMessage, readCorpus, trainIntentModel } from "../conversations/index.ts";

const started = performance.now();
const model = await trainIntentModel();
const trainingMs = performance.now() - started;
const messages = [...readCorpus("train"), ...readCorpus("test")].map((m) => m.text);
const times: number[] = [];
for (let round = 0; round < 5; round++) {
  for (const text of messages) {
    const t = performance.now();
    await classifyMessage(text, {}, model);
    times.push(performance.now() - t);
  }
}
times.sort((a, b) => a - b);
const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))]! * 1000) / 1000;
console.log(
  JSON.stringify({
    messages: messages.length,
    classifications: times.length,
    trainingMs: Math.round(trainingMs),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: at(1),
    rssMiB: Math.round(process.memoryUsage().rss / 1048576),
  }),
);
