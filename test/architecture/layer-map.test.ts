/**
 * The layer map is written twice, for people (docs/developers/architecture.md) and for CI
 * (.dependency-cruiser.cjs): the two must say the same, and every folder with source must be on it.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const NOT_MODULES = new Set(["node_modules", "generated", "data", "test", "docs", "policies"]);

const config = createRequire(import.meta.url)(join(ROOT, ".dependency-cruiser.cjs")) as { forbidden: { name: string; from: { path?: string } }[] };

/** The layers as dependency-cruiser sees them: one rule per layer, naming the layer's folders. */
function enforcedLayers(): string[][] {
  const rules = config.forbidden.filter((rule) => rule.name.startsWith("no-upward-from-"));
  return rules.map((rule) => /^\^\((.*)\)\/$/.exec(rule.from.path ?? "")![1]!.split("|"));
}

function documentedLayers(): string[][] {
  const doc = readFileSync(join(ROOT, "docs/developers/architecture.md"), "utf8");
  const table = doc.slice(doc.indexOf("<!-- layer map"), doc.indexOf("<!-- end of layer map -->"));
  return table
    .split("\n")
    .filter((line) => /^\| \d+ \|/.test(line))
    .map((line) => [...line.split("|")[2]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
}

const hasSource = (dir: string): boolean =>
  readdirSync(dir).some((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? name !== "node_modules" && hasSource(path) : /\.(ts|mts|js|mjs)$/.test(name);
  });

describe("the layer map", () => {
  it("is the same in the architecture document and in the dependency rules", () => {
    const documented = documentedLayers();
    // Every layer but the top one has a no-upward rule.
    expect(documented.slice(0, -1)).toEqual(enforcedLayers());
    expect(documented.length).toBeGreaterThan(10);
  });

  it("places every folder that holds source", () => {
    const placed = new Set(documentedLayers().flat());
    const folders = readdirSync(ROOT).filter(
      (name) => !name.startsWith(".") && !NOT_MODULES.has(name) && statSync(join(ROOT, name)).isDirectory() && hasSource(join(ROOT, name)),
    );
    expect(folders.filter((folder) => !placed.has(folder))).toEqual([]);
  });
});
