/**
 * Some libraries write to the console themselves: the Bot Framework SDK prints whole error stacks
 * and, when a token fails, every signing key it holds. In the running service those lines would
 * break the JSON log and carry key material, so the console is routed into the log: one entry per
 * call, the first line of text only, key blocks removed.
 */
import { inspect } from "node:util";
import type { Logger } from "./logger.ts";

const KEY_BLOCK = /-----BEGIN [A-Z ]+-----[\s\S]*?(-----END [A-Z ]+-----|$)/g;
const MAX_TEXT = 200;

/** What a console call said, fit for the log: first line, no key blocks, bounded. */
export function consoleText(args: unknown[]): string {
  const text = args
    .map((arg) =>
      arg instanceof Error
        ? `${arg.name}: ${arg.message}`
        : typeof arg === "string"
          ? arg
          : inspect(arg, { depth: 2, breakLength: Number.POSITIVE_INFINITY, maxArrayLength: 10, maxStringLength: MAX_TEXT }),
    )
    .join(" ");
  const firstLine = text.replace(KEY_BLOCK, "[key removed]").split("\n")[0] ?? "";
  return firstLine.length > MAX_TEXT ? `${firstLine.slice(0, MAX_TEXT)}…` : firstLine;
}

/** Routes console.log/info/debug/warn/error into the logger; returns a function that undoes it. */
export function routeConsoleToLog(logger: Logger): () => void {
  const original = { log: console.log, info: console.info, debug: console.debug, warn: console.warn, error: console.error };
  const to =
    (level: "debug" | "warn") =>
    (...args: unknown[]) =>
      logger[level]({ source: "library" }, consoleText(args));
  console.log = to("debug");
  console.info = to("debug");
  console.debug = to("debug");
  console.warn = to("warn");
  console.error = to("warn");
  return () => Object.assign(console, original);
}
