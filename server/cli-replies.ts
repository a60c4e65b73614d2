/**
 * `nudge replies classify [TEXT] [--json]`: what Nudge would make of a student's message, with no
 * side effects: for admins checking wording, and for tests. Without TEXT, each line of standard
 * input is one message.
 */
import { createInterface } from "node:readline";
import type { Command } from "commander";
import type { Classification } from "../conversations/index.ts";

const MAX_LINE = 4000;

function lineOf(c: Classification): Record<string, unknown> {
  return {
    text: c.text,
    intent: c.intent,
    confidence: Math.round(c.confidence * 1000) / 1000,
    safeguarding: c.safeguarding,
    ...(c.reasons.length ? { reasons: c.reasons } : {}),
    ...(c.pauseDays !== undefined ? { pauseDays: c.pauseDays } : {}),
  };
}

export function registerRepliesCommand(program: Command): void {
  const replies = program.command("replies").description("students' messages: how Nudge understands them");
  replies
    .command("classify")
    .description("classify a message (or each line of standard input) without recording anything: intent, confidence, safeguarding (none, distress, crisis)")
    .argument("[text]", "the message; omit it to read one message per line from standard input")
    .option("--json", "print JSON Lines: one object per message")
    .option("--channel <channel>", "read it as sent by teams, sms or email (keywords differ: CANCEL alone opts out by SMS only)")
    .action(async (text: string | undefined, options: { json?: boolean; channel?: string }) => {
      const channel = options.channel === undefined ? undefined : options.channel;
      if (channel !== undefined && channel !== "teams" && channel !== "sms" && channel !== "email") {
        process.stderr.write(`nudge: --channel: "${channel}" is not one of teams, sms, email\n`);
        process.exitCode = 2;
        return;
      }
      const { classifyMessage, intentModel } = await import("../conversations/index.ts");
      const model = await intentModel();
      const write = async (message: string) => {
        const c = await classifyMessage(message.slice(0, MAX_LINE), { channel }, model);
        process.stdout.write(
          options.json
            ? `${JSON.stringify(lineOf(c))}\n`
            : `${c.intent} (${c.confidence.toFixed(2)}${c.safeguarding !== "none" ? `, safeguarding: ${c.safeguarding}${c.reasons.length ? ` [${c.reasons.join(", ")}]` : ""}` : ""})\t${c.text}\n`,
        );
      };
      if (text !== undefined) return write(text);
      const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
      for await (const line of lines) if (line.trim()) await write(line);
    });
}
