/**
 * `demo seed --reset` empties every table that points at the demo's rows: PostgreSQL's TRUNCATE
 * refuses a table still referenced by one left out (a new table such as ReferralCase once broke
 * it), so every model with a relation to a cleared table must be cleared too.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CLEAR_ORDER } from "../../demo/queries.ts";

/** model -> the models its @relation(fields: …) fields point at, read from the schema. */
function references(): Map<string, Set<string>> {
  const refs = new Map<string, Set<string>>();
  let model = "";
  for (const line of readFileSync("prisma/schema.prisma", "utf8").split("\n")) {
    const start = /^model (\w+) \{/.exec(line);
    if (start) model = start[1]!;
    const relation = /^\s+\w+\s+(\w+)\??\s+@relation\([^)]*fields:/.exec(line);
    if (model && relation) {
      if (!refs.has(model)) refs.set(model, new Set());
      refs.get(model)!.add(relation[1]!);
    }
  }
  return refs;
}

describe("demo seed --reset", () => {
  it("clears every table that refers to a table it clears", () => {
    const cleared = new Set<string>(CLEAR_ORDER);
    const missing = [...references()]
      .filter(([model, targets]) => !cleared.has(model) && model !== "Staff" && [...targets].some((t) => cleared.has(t)))
      .map(([model]) => model);
    expect(references().get("ReferralCase")).toContain("Intervention");
    expect(missing).toEqual([]);
  });
});
