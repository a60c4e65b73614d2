/**
 * Reading rule and calendar files (YAML or JSON: the `yaml` parser reads both, and keeps where
 * every value was written, so a problem can be reported at its line and column).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from "yaml";

export type Severity = "error" | "warning";

/** One thing wrong (or worth a warning) with a rule or calendar, located as precisely as known. */
export interface Problem {
  severity: Severity;
  file?: string;
  /** The rule's id (or calendar name), when known. */
  document?: string;
  /** Field path, e.g. "messages.sms" or "cohort.years[1]". */
  field: string;
  line?: number;
  column?: number;
  message: string;
}

export function formatProblem(p: Problem): string {
  const where = p.file ? `${p.file}${p.line ? `:${p.line}${p.column ? `:${p.column}` : ""}` : ""}: ` : "";
  const what = p.document ? `${p.document}: ` : "";
  return `${where}${p.severity === "warning" ? "warning: " : ""}${what}${p.field ? `${p.field}: ` : ""}${p.message}`;
}

export type Path = readonly (string | number)[];

/** "cohort.years[1]" from ["cohort", "years", 1]. */
export function fieldName(path: Path): string {
  return path.reduce<string>((text, key) => (typeof key === "number" ? `${text}[${key}]` : text ? `${text}.${key}` : key), "");
}

/** A parsed file: its data as plain JSON values, and where each value was written. */
export interface SourceDocument {
  file: string;
  text: string;
  data: unknown;
  /** Line and column (1-based) of the value at `path`, or of its nearest parent that exists. */
  positionOf(path: Path): { line: number; column: number } | undefined;
}

export type Parsed = { ok: true; source: SourceDocument } | { ok: false; problems: Problem[] };

/** Alias uses a rule file may make: enough to share a cohort list, far from an exponential blow-up. */
const MAX_ALIAS_EXPANSIONS = 100;

export function parseSource(file: string, text: string): Parsed {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    return {
      ok: false,
      problems: doc.errors.map((error) => {
        const at = error.pos ? lineCounter.linePos(error.pos[0]) : undefined;
        return { severity: "error", file, field: "", line: at?.line, column: at?.col, message: `not valid YAML/JSON: ${error.message.split("\n")[0]}` };
      }),
    };
  }
  const positionOf = (path: Path) => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth), true);
      if (node && (isScalar(node) || isMap(node) || isSeq(node)) && node.range) {
        const at = lineCounter.linePos(node.range[0]);
        return { line: at.line, column: at.col };
      }
    }
    return undefined;
  };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS });
  } catch (error) {
    // The yaml library refuses an alias "bomb" (aliases of aliases, growing exponentially) with a
    // ReferenceError; anything else it throws here is not about the file.
    if (!(error instanceof ReferenceError)) throw error;
    const first = /(^|[\s,[{:-])\*[^\s,\]}]+/m.exec(text);
    const at = first ? lineCounter.linePos(first.index + first[1]!.length) : undefined;
    return {
      ok: false,
      problems: [
        {
          severity: "error",
          file,
          field: "",
          line: at?.line,
          column: at?.col,
          message: `uses YAML aliases (*name) so many times over that reading it would take too much memory; write the values out in full (at most ${MAX_ALIAS_EXPANSIONS} alias uses)`,
        },
      ],
    };
  }
  return { ok: true, source: { file, text, data, positionOf } };
}

const EXTENSIONS = new Set([".yaml", ".yml", ".json"]);

/** A file, or every .yaml/.yml/.json file in a folder (sorted, not recursive). */
export function listSourceFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((name) => EXTENSIONS.has(extname(name).toLowerCase()) && !name.startsWith("."))
    .sort()
    .map((name) => join(path, name));
}

export function readSource(path: string): Parsed {
  return parseSource(path, readFileSync(path, "utf8"));
}

/** Calendars are told apart from rules by their `calendar` key. */
export function isCalendarData(data: unknown): boolean {
  return typeof data === "object" && data !== null && !Array.isArray(data) && "calendar" in data;
}

export const displayName = (path: string) => basename(path);
