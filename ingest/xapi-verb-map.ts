/**
 * An operator's xAPI verb map (a YAML or JSON file named by NUDGE_XAPI_VERB_MAP): which verbs and
 * activity types count as which engagement, for an LMS or tool whose statements the built-in
 * recipes (xapi-recipes.ts) do not know or read differently.
 *
 *   verbs:
 *     https://example.org/verbs/watched: vle
 *     http://activitystrea.ms/schema/1.0/submit: submission
 *   activityTypes:
 *     http://id.tincanapi.com/activitytype/survey: vle
 *     https://example.org/activities/chat: ignore
 *
 * An activity type is more specific than a verb, so its entry wins; both win over the built-in
 * recipes. `ignore` marks a statement known and deliberately not counted. Verbs in neither the
 * map nor the recipes are still counted per verb in the load report and not stored.
 */
import { readFileSync } from "node:fs";
import { isMap, isNode, isScalar, parseDocument } from "yaml";
import { NudgeError } from "../core/index.ts";

export const VERB_MAP_KINDS = ["vle", "library", "submission", "attendance", "ignore"] as const;
export type VerbMapKind = (typeof VERB_MAP_KINDS)[number];

export interface VerbMap {
  /** By iriKey (no scheme, no trailing slash, lower case). */
  verbs: ReadonlyMap<string, VerbMapKind>;
  activityTypes: ReadonlyMap<string, VerbMapKind>;
}

export class VerbMapError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "verb_map_invalid";
}

const SECTIONS = { verbs: "verbs", activityTypes: "activityTypes" } as const;
const IRI = /^https?:\/\/\S+$/i;
const keyOf = (iri: string) =>
  iri
    .trim()
    .replace(/^https?:\/\//i, "")
    .replace(/\/+$/, "")
    .toLowerCase();

/** Reads a verb map; every error names the file, the line and the entry. */
export function parseVerbMap(text: string, file = "verb map"): VerbMap {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const error = doc.errors[0]!;
    const line = text.slice(0, error.pos[0]).split("\n").length;
    throw new VerbMapError(`${file}:${line}: not valid YAML or JSON: ${error.message.split("\n")[0]}`);
  }
  const lineAt = (node: unknown) => {
    const offset = isNode(node) ? node.range?.[0] : undefined;
    return offset === undefined ? "" : `:${text.slice(0, offset).split("\n").length}`;
  };
  const found: Record<keyof typeof SECTIONS, Map<string, VerbMapKind>> = { verbs: new Map(), activityTypes: new Map() };
  if (doc.contents === null) return found;
  if (!isMap(doc.contents))
    throw new VerbMapError(`${file}: must be a mapping with 'verbs' and/or 'activityTypes', each mapping an IRI to ${VERB_MAP_KINDS.join(", ")}`);
  for (const section of doc.contents.items) {
    const name = isScalar(section.key) ? String(section.key.value) : "";
    if (!(name in SECTIONS)) throw new VerbMapError(`${file}${lineAt(section.key)}: '${name}' is not a section of a verb map: use verbs or activityTypes`);
    if (section.value === null || (isScalar(section.value) && section.value.value === null)) continue;
    if (!isMap(section.value)) throw new VerbMapError(`${file}${lineAt(section.key)}: ${name} must map each IRI to one of ${VERB_MAP_KINDS.join(", ")}`);
    const map = found[name as keyof typeof SECTIONS];
    for (const entry of section.value.items) {
      const iri = isScalar(entry.key) ? entry.key.value : undefined;
      const where = `${file}${lineAt(entry.key)}: ${name}`;
      if (typeof iri !== "string" || !IRI.test(iri.trim())) throw new VerbMapError(`${where}: '${String(iri)}' is not an http(s) IRI`);
      const kind = isScalar(entry.value) ? entry.value.value : undefined;
      if (typeof kind !== "string" || !(VERB_MAP_KINDS as readonly string[]).includes(kind.trim()))
        throw new VerbMapError(`${where}.${iri.trim()}: '${String(kind ?? "")}' is not one of ${VERB_MAP_KINDS.join(", ")}`);
      const key = keyOf(iri);
      if (map.has(key)) throw new VerbMapError(`${where}.${iri.trim()}: is given twice (http and https, and a trailing slash, name the same IRI)`);
      map.set(key, kind.trim() as VerbMapKind);
    }
  }
  return { verbs: found.verbs, activityTypes: found.activityTypes };
}

export function loadVerbMap(file: string): VerbMap {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new VerbMapError(`${file}: cannot read the xAPI verb map (${(error as Error).message})`);
  }
  return parseVerbMap(text, file);
}
