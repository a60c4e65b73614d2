import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../core/index.ts";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { stream, lines };
}

describe("logs", () => {
  it("carry no names, emails or phone numbers, even when a record is logged whole", () => {
    const { stream, lines } = capture();
    const logger = createLogger("info", stream);
    const student = {
      id: 7,
      studentNumber: "S2600007",
      givenName: "Aoife",
      familyName: "Murphy",
      email: "aoife.murphy@student.example.ac.uk",
      mobile: "+447700900123",
    };
    logger.info({ student, to: "+447700900123", text: "Hi Aoife" }, "nudge queued");
    logger.info(student, "student loaded");
    const output = lines.join("");
    for (const secret of ["Aoife", "Murphy", "aoife.murphy@", "+447700900123"]) expect(output).not.toContain(secret);
    expect(output).toContain('"id":7');
    expect(output).toContain("[redacted]");
  });

  it("honour the level: debug is silent at info", () => {
    const { stream, lines } = capture();
    createLogger("info", stream).debug("detail");
    expect(lines).toEqual([]);
  });
});
