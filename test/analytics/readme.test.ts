import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { replaceQuestionTable } from "../../analytics/readme-table.ts";

describe("analytics/README.md", () => {
  it("documents the question set the parser reads (run `node --import tsx analytics/readme-table.ts` after changing questions.ts)", () => {
    const readme = readFileSync(new URL("../../analytics/README.md", import.meta.url), "utf8");
    expect(replaceQuestionTable(readme)).toBe(readme);
  });
});
