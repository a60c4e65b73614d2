/** Every relative link in the README and docs/ leads somewhere: a reader can navigate them. */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules" || name.startsWith(".")) return [];
    return statSync(path).isDirectory() ? markdownFiles(path) : name.endsWith(".md") ? [path] : [];
  });
}

describe("the documentation's links", () => {
  it("lead to files that exist", () => {
    const pages = [
      join(ROOT, "README.md"),
      ...markdownFiles(join(ROOT, "docs")),
      ...readdirSync(ROOT)
        .map((d) => join(ROOT, d, "README.md"))
        .filter(existsSync),
    ];
    expect(pages.length).toBeGreaterThan(10);
    const broken: string[] = [];
    for (const page of pages) {
      for (const match of readFileSync(page, "utf8").matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        const target = match[1]!;
        if (/^(https?|mailto):/.test(target)) continue;
        if (!existsSync(normalize(join(dirname(page), target)))) broken.push(`${relative(ROOT, page)} -> ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("keep the README short enough to read first", () => {
    expect(readFileSync(join(ROOT, "README.md"), "utf8").split("\n").length).toBeLessThan(200);
  });
});
