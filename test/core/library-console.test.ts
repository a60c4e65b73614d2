import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { consoleText, createLogger, routeConsoleToLog } from "../../core/index.ts";

const PEM = "-----BEGIN RSA PUBLIC KEY-----\nMIIBCgKCAQEAv3n0secretsecret\nAQAB\n-----END RSA PUBLIC KEY-----";

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  return { lines, logger: createLogger("debug", sink) };
}

describe("libraries' console output", () => {
  it("reaches the log as one JSON entry per call, without stacks or key material", () => {
    const { lines, logger } = capture();
    const restore = routeConsoleToLog(logger);
    try {
      console.error(`Error finding key for token. Available keys: ${PEM}`);
      console.error(new Error("jwt malformed"));
      console.warn("BadRequest: Missing activity or activity type.");
    } finally {
      restore();
    }
    expect(lines).toHaveLength(3);
    const entries = lines.map((line) => JSON.parse(line) as { level: number; msg: string; source: string });
    expect(entries.map((e) => e.msg)).toEqual([
      "Error finding key for token. Available keys: [key removed]",
      "Error: jwt malformed",
      "BadRequest: Missing activity or activity type.",
    ]);
    expect(entries.every((e) => e.source === "library" && e.level === 40)).toBe(true);
    expect(lines.join("\n")).not.toMatch(/MIIBCg|at .*\.js:\d+/);
  });

  it("gives the console back when undone", () => {
    const before = console.error;
    const restore = routeConsoleToLog(capture().logger);
    expect(console.error).not.toBe(before);
    restore();
    expect(console.error).toBe(before);
  });

  it("bounds what one call can put in the log", () => {
    expect(consoleText(["x".repeat(10_000)])).toHaveLength(201);
    expect(consoleText([{ deep: { deeper: { deepest: { hidden: "no" } } } }])).not.toContain("hidden");
    expect(consoleText(["first line\nsecond line"])).toBe("first line");
  });
});
