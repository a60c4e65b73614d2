/**
 * xAPI activity statements (Jisc profile), from files and from the push endpoint.
 *
 * The story of a load:
 *  1. Read each statement (a JSON array, one statement per line, or Learning Locker's stored
 *     documents `{"statement": {…}}`) and validate it, naming the field that is wrong.
 *  2. Map its verb to an engagement source and counts (xapi-recipes.ts); unmapped verbs are
 *     counted per verb and reported, not stored.
 *  3. Resolve the actor (account.name = student number, or mbox = email), the module (courseArea,
 *     else parent/grouping activities) and the local calendar day.
 *  4. Skip statement ids already stored (idempotent); a voiding statement takes its target's
 *     contribution back out, or, when the target has not arrived yet, makes it arrive voided.
 *  5. Write the statements, the voids and the rollup deltas in the batch's one transaction.
 *
 * Statements without an id get a UUID derived from the statement's content, in files and pushes
 * alike: an LMS that sends none (Moodle's plugin) and resends a batch, or a file loaded again,
 * adds nothing twice.
 *
 * Statements about people who are not students (staff, guests) are skipped and counted as "not a
 * student", in files and pushes alike: an LMS sends everyone's activity.
 */
import { type EngagementSource, NudgeError, DEFAULT_TIMEZONE, DAY_MS, isRecord, MAX_JSON_DEPTH, nestsDeeperThan, TimeSlice } from "../core/index.ts";
import { createHash } from "node:crypto";
import { isUtf8 } from "node:buffer";
import { closeSync, openSync, readSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { z } from "zod/v4";
import { enumCast, type Database, type SqlExecutor } from "../prisma/index.ts";
import { firstInvalidUtf8 } from "./delimited-reader.ts";
import { dateTimeField, dayOfInstant, escapeControls, localDayOf, shown, unfitCharacters, unstorableCharacters } from "./fields.ts";
import { scanJsonKeys, type JsonPath } from "./json-keys.ts";
import { ingestSource, type IngestSource } from "./pipeline.ts";
import type { FileReport } from "./report.ts";
import { mergeRollups, type RollupRow } from "./rollups.ts";
import { extension, iriKey, mapStatement, RecipeError, VOIDED_VERB, type Contribution, type Mapping } from "./xapi-recipes.ts";
import type { VerbMap } from "./xapi-verb-map.ts";
import { FileRejectedError, type FeedFormat, type FileContext, type IngestOptions, type WriteStep } from "./types.ts";

// ---------------------------------------------------------------------------------------------
// One statement: validation and what Nudge reads from it
// ---------------------------------------------------------------------------------------------

/** A statement that cannot be used; `field` is the property at fault ("verb.id", "actor" …). */
export class StatementError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "statement_invalid";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IRI = /^[a-z][a-z0-9+.-]*:\S+$/i;

function instantOf(text: string): Date | null {
  try {
    return dateTimeField(text, "timestamp");
  } catch {
    return null;
  }
}

// PHP's json_encode writes an empty map as [] (Moodle's plugin does, for courseArea and extensions).
const emptyArrayAsAbsent = (value: unknown) => (Array.isArray(value) && value.length === 0 ? undefined : value);
const extensions = z.preprocess(emptyArrayAsAbsent, z.record(z.string(), z.unknown()).optional());
/** No control characters or lone surrogates: what is kept (verb ids) must be storable as written. */
const clean = (schema: z.ZodString) =>
  schema.superRefine((text, ctx) => {
    const reason = unfitCharacters(text);
    if (reason) ctx.addIssue({ code: "custom", message: reason });
  });
const iri = clean(z.string().trim().regex(IRI, { message: "is not an IRI" }));
const timestamp = z.string().refine((text) => instantOf(text) !== null, { message: "is not an ISO 8601 timestamp" });
const activityRef = z.looseObject({ id: iri });
const activityList = z.union([activityRef, z.array(activityRef)]).optional();

const agent = z
  .looseObject({
    objectType: z.string().optional(),
    mbox: clean(
      z
        .string()
        .trim()
        .regex(/^mailto:[^@\s]+@[^@\s]+$/i, { message: "is not a mailto: address" }),
    ).optional(),
    account: z.looseObject({ name: clean(z.string().trim().min(1, { message: "is empty" })), homePage: z.string().optional() }).optional(),
    mbox_sha1sum: z.string().optional(),
    openid: z.string().optional(),
  })
  .superRefine((actor, ctx) => {
    if (actor.objectType !== undefined && actor.objectType !== "Agent") {
      const message = actor.objectType === "Group" ? "is a Group: Nudge needs statements about one person" : "is not Agent";
      ctx.addIssue({ code: "custom", path: ["objectType"], message });
    }
    if (!actor.mbox && !actor.account && !actor.mbox_sha1sum && !actor.openid) {
      ctx.addIssue({ code: "custom", path: [], message: "has no identifier (account, mbox, mbox_sha1sum or openid)" });
    }
  });

const statementObject = z
  .looseObject({
    objectType: z.enum(["Activity", "Agent", "Group", "SubStatement", "StatementRef"]).optional(),
    id: z.string().optional(),
    definition: z.looseObject({ type: iri.optional(), extensions }).optional(),
    extensions,
  })
  .superRefine((object, ctx) => {
    const type = object.objectType ?? "Activity";
    if (type !== "Activity" && type !== "StatementRef") return;
    const pattern = type === "Activity" ? IRI : UUID;
    if (object.id === undefined) ctx.addIssue({ code: "custom", path: ["id"], message: "is required" });
    else if (!pattern.test(object.id.trim())) ctx.addIssue({ code: "custom", path: ["id"], message: type === "Activity" ? "is not an IRI" : "is not a UUID" });
  });

/**
 * xAPI's rules for a score: numbers, scaled within -1..1, min below max, raw between them. JSON
 * allows 1e400, which JavaScript reads as Infinity; that is refused as too large.
 */
function checkScore(score: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const numbers: Partial<Record<"scaled" | "raw" | "min" | "max", number>> = {};
  for (const name of ["scaled", "raw", "min", "max"] as const) {
    const value = score[name];
    if (value === undefined) continue;
    if (typeof value !== "number") return ctx.addIssue({ code: "invalid_type", expected: "number", path: [name], input: value });
    if (!Number.isFinite(value)) return ctx.addIssue({ code: "custom", path: [name], message: "is too large for a number" });
    numbers[name] = value;
  }
  const { scaled, raw, min, max } = numbers;
  if (scaled !== undefined && (scaled < -1 || scaled > 1)) ctx.addIssue({ code: "custom", path: ["scaled"], message: "is outside -1 to 1" });
  else if (min !== undefined && max !== undefined && min > max) ctx.addIssue({ code: "custom", path: ["min"], message: `is above result.score.max ${max}` });
  else if (raw !== undefined && min !== undefined && raw < min) ctx.addIssue({ code: "custom", path: ["raw"], message: `is below result.score.min ${min}` });
  else if (raw !== undefined && max !== undefined && raw > max) ctx.addIssue({ code: "custom", path: ["raw"], message: `is above result.score.max ${max}` });
}

const statementSchema = z.looseObject({
  id: z.string().trim().regex(UUID, { message: "is not a UUID" }).optional(),
  actor: agent,
  verb: z.looseObject({ id: iri }),
  object: statementObject,
  result: z
    .looseObject({
      completion: z.boolean().optional(),
      extensions,
      score: z.looseObject({ scaled: z.unknown(), raw: z.unknown(), min: z.unknown(), max: z.unknown() }).superRefine(checkScore).optional(),
    })
    .optional(),
  context: z
    .looseObject({
      contextActivities: z.preprocess(emptyArrayAsAbsent, z.looseObject({ parent: activityList, grouping: activityList }).optional()),
      extensions,
    })
    .optional(),
  timestamp: timestamp.optional(),
  stored: timestamp.optional(),
});
type Statement = z.output<typeof statementSchema>;

function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "statement";
  return path.map((part, i) => (typeof part === "number" ? `[${part}]` : `${i > 0 ? "." : ""}${String(part)}`)).join("");
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const part of path) value = isRecord(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[part] : undefined;
  return value;
}

const EXPECTED: Record<string, string> = {
  object: "a JSON object",
  record: "a JSON object",
  string: "a string",
  boolean: "true or false",
  array: "an array",
  number: "a number",
};

/** The first problem zod found, as "verb.id 'x' is not an IRI" / "actor is required". */
function issueError(issue: z.core.$ZodIssue, data: unknown): StatementError {
  const field = fieldName(issue.path);
  const value = valueAt(data, issue.path);
  if (issue.code === "invalid_type") {
    return new StatementError(field, value === undefined ? `${field} is required` : `${field} must be ${EXPECTED[issue.expected] ?? issue.expected}`);
  }
  // Only primitives are quoted: String() of an object can throw ({"toString": 1}), and not
  // Infinity either: the text said 1e400, and 'Infinity' would misquote it.
  const primitive = typeof value === "string" || (typeof value === "number" && Number.isFinite(value)) || typeof value === "boolean";
  const quoted = primitive ? `${field} ${shown(String(value))}` : field;
  if (issue.code === "invalid_value") return new StatementError(field, `${quoted} is not one of ${issue.values.join(", ")}`);
  if (issue.code === "invalid_union") return new StatementError(field, `${field} must be an activity or a list of activities, each with an IRI id`);
  return new StatementError(field, `${quoted} ${issue.message}`);
}

/**
 * Learning Locker keeps `.` in keys as `&46;` (a MongoDB restriction); its exports still do.
 * Copies only what changes: most statements come back as they were.
 */
function decodeKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    value.forEach((inner, i) => {
      const decoded = decodeKeys(inner);
      if (decoded !== inner) (copy ??= [...value])[i] = decoded;
    });
    return copy ?? value;
  }
  if (!isRecord(value)) return value;
  let changed = false;
  const entries = Object.entries(value).map(([key, inner]): [string, unknown] => {
    const decodedKey = key.includes("&46;") ? key.replaceAll("&46;", ".") : key;
    const decoded = decodeKeys(inner);
    if (decodedKey !== key || decoded !== inner) changed = true;
    return [decodedKey, decoded];
  });
  if (!changed) return value;
  // "a&46;b" beside "a.b" would make two keys one, the last silently winning.
  const keys = new Set<string>();
  for (const [key] of entries) {
    if (keys.has(key)) throw new StatementError(key, `${key} is given twice once '&46;' is read as '.': a key may appear once in a JSON object`);
    keys.add(key);
  }
  return Object.fromEntries(entries);
}

/** A bare statement, or the statement inside Learning Locker's stored document. */
function unwrap(value: Record<string, unknown>): unknown {
  return isRecord(value.statement) && !("actor" in value) ? value.statement : value;
}

/** Sorted-key JSON: the same statement always serialises the same way. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

const withoutDefinition = (activity: unknown) => {
  if (!isRecord(activity)) return activity;
  const { definition: _definition, ...rest } = activity;
  return rest;
};

/**
 * What the xAPI statement comparison requirements compare, as canonical text: not the properties
 * an LRS may assign (id, authority, stored, version), the verb's display, activity definitions or
 * attachments; the timestamp as an instant rather than as written. Shallow copies only (hot path).
 */
function comparableText(statement: Record<string, unknown>): string {
  const {
    id: _id,
    authority: _authority,
    stored: _stored,
    version: _version,
    attachments: _attachments,
    timestamp,
    verb,
    object,
    context,
    ...rest
  } = statement;
  const parts: Record<string, unknown> = { ...rest, verb, object, context };
  if (isRecord(verb)) parts.verb = { ...verb, display: undefined };
  if (isRecord(object) && (object.objectType ?? "Activity") === "Activity") parts.object = withoutDefinition(object);
  if (isRecord(context) && isRecord(context.contextActivities)) {
    const lists = Object.entries(context.contextActivities).map(([kind, list]) => [
      kind,
      Array.isArray(list) ? list.map(withoutDefinition) : withoutDefinition(list),
    ]);
    parts.context = { ...context, contextActivities: Object.fromEntries(lists) };
  }
  if (typeof timestamp === "string") parts.timestamp = instantOf(timestamp)?.getTime() ?? timestamp;
  return canonical(parts);
}

const sha1 = (text: string) => createHash("sha1").update(text).digest();

/** Nudge's namespace for content-derived statement ids (UUID version 5 layout). */
const ID_NAMESPACE = Buffer.from("4b915bb2c00c41c294c2accd8f2d2b4a", "hex");

function uuidFromContent(canonicalText: string): string {
  const bytes = createHash("sha1").update(ID_NAMESPACE).update(canonicalText).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** What Nudge reads from one valid statement. */
export interface ReadStatement {
  /** Lower case: as given, or derived from the content. */
  id: string;
  idGiven: boolean;
  /** The statement as it will be kept (envelope removed, keys decoded). */
  statement: Record<string, unknown>;
  actor: { accountName?: string; mbox?: string };
  verb: string;
  when: Date;
  timeFrom: "timestamp" | "stored" | "received";
  mapping: Mapping | { kind: "void"; target: string };
  moduleRefs: { refs: string[]; vleCourseIds: string[] };
  /** Hash of the comparable form: equal fingerprints are the same statement. */
  fingerprint: string;
}

const COURSE_TYPES = new Set(["w3id.org/xapi/cmi5/activitytype/course", "xapi.jisc.ac.uk/coursearea"]);
/** Moodle's plugin puts a course's idnumber and short name here when told to (sendidnumber, shortcourseid). */
const COURSE_ID_EXTENSIONS = [
  "w3id.org/learning-analytics/learning-management-system/external-id",
  "w3id.org/learning-analytics/learning-management-system/short-id",
];

/** The VLE's own id of a course from its address: Moodle's /course/view.php?id=7, Blackboard's course_id=_47_1. */
function vleCourseIdOf(iri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(iri);
  } catch {
    return undefined;
  }
  if (/\/course\/view\.php$/i.test(url.pathname)) return url.searchParams.get("id")?.trim() || undefined;
  return url.searchParams.get("course_id")?.trim() || undefined;
}

/**
 * Identifiers of the module an activity belongs to, best first: the Jisc courseArea, then the
 * parent and grouping activities (and a course's idnumber or short name), then the object when
 * it is a course; each course's VLE id last, matched only against module_map (vleSiteId).
 */
function moduleRefsOf(statement: Statement): { refs: string[]; vleCourseIds: string[] } {
  const refs: unknown[] = [];
  const area = extension(statement.context?.extensions, "xapi.jisc.ac.uk/coursearea");
  if (isRecord(area)) refs.push(extension(area, "xapi.jisc.ac.uk/uddmodinstanceid"), extension(area, "xapi.jisc.ac.uk/vle_mod_id"));
  const activities = statement.context?.contextActivities;
  const courses: { id?: string; definition?: unknown }[] = [];
  for (const list of [activities?.parent, activities?.grouping]) courses.push(...(Array.isArray(list) ? list : list ? [list] : []));
  const objectType = statement.object.definition?.type;
  if (objectType && COURSE_TYPES.has(iriKey(objectType))) courses.push(statement.object);
  for (const activity of courses) {
    refs.push(activity.id);
    const extensions = isRecord(activity.definition) && isRecord(activity.definition.extensions) ? activity.definition.extensions : undefined;
    for (const name of COURSE_ID_EXTENSIONS) refs.push(extension(extensions, name));
  }
  const text = (list: unknown[]) => list.filter((ref): ref is string => typeof ref === "string" && ref.trim() !== "").map((ref) => ref.trim());
  const found = text(refs);
  return { refs: found, vleCourseIds: text(found.map(vleCourseIdOf)) };
}

function timeOf(statement: Statement, receivedAt: Date | undefined): Pick<ReadStatement, "when" | "timeFrom"> {
  if (statement.timestamp) return { when: instantOf(statement.timestamp)!, timeFrom: "timestamp" };
  if (statement.stored) return { when: instantOf(statement.stored)!, timeFrom: "stored" };
  if (receivedAt) return { when: receivedAt, timeFrom: "received" };
  throw new StatementError("timestamp", "timestamp is required (the statement has neither timestamp nor stored)");
}

/** Names every object has in JavaScript: an own key called so trips up code (ours or a library's) that reads it. */
const RESERVED_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * The first part of a statement that cannot be kept as written (walked without recursion; the
 * depth is already bounded): a NUL or lone surrogate anywhere (PostgreSQL's JSON refuses both,
 * failing the whole batch), or a key named like a property of every JavaScript object.
 */
function unstorablePart(input: Record<string, unknown>): StatementError | null {
  const stack: [unknown, (string | number)[]][] = [[input, []]];
  while (stack.length) {
    const [value, path] = stack.pop()!;
    if (typeof value === "string") {
      const reason = unstorableCharacters(value);
      if (reason) return new StatementError(pathName(path), `${pathName(path)} ${shown(value)} ${reason}`);
    } else if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) stack.push([item, [...path, i]]);
    } else if (value !== null && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) {
        const field = pathName([...path, key]);
        const reason = unstorableCharacters(key);
        if (reason) return new StatementError(field, `${field} is a key that ${reason}`);
        if (RESERVED_KEYS.has(key)) return new StatementError(field, `${field} is a key no statement may have: every JavaScript object has ${key}`);
        stack.push([item, [...path, key]]);
      }
    }
  }
  return null;
}

/** Validates one statement (bare or in a Learning Locker envelope); throws StatementError. */
export function readStatement(input: unknown, settings: { now: Date; receivedAt?: Date; verbMap?: VerbMap }): ReadStatement {
  if (!isRecord(input)) throw new StatementError("statement", "statement must be a JSON object");
  if (nestsDeeperThan(input)) throw new StatementError("statement", `statement nests more than ${MAX_JSON_DEPTH} levels deep; no xAPI statement needs that`);
  const unfit = unstorablePart(input);
  if (unfit) throw unfit;
  const statement = decodeKeys(unwrap(input));
  if (!isRecord(statement)) throw new StatementError("statement", "statement must be a JSON object");
  const parsed = statementSchema.safeParse(statement);
  if (!parsed.success) throw issueError(parsed.error.issues[0]!, statement);
  const data = parsed.data;

  const comparable = comparableText(statement);
  const { when, timeFrom } = timeOf(data, settings.receivedAt);
  // A day ahead allows for clocks and timezones; later than that cannot have happened yet and
  // would make the feed look fresher than it is.
  if (when.getTime() > settings.now.getTime() + DAY_MS) {
    const written = timeFrom === "received" ? when.toISOString() : String(data[timeFrom]);
    throw new StatementError(timeFrom, `${timeFrom} ${shown(written)} is more than a day in the future`);
  }
  let mapping: ReadStatement["mapping"];
  if (iriKey(data.verb.id) === VOIDED_VERB) {
    if (data.object.objectType !== "StatementRef")
      throw new StatementError("object.objectType", "object.objectType must be StatementRef in a voiding statement");
    mapping = { kind: "void", target: data.object.id!.trim().toLowerCase() };
  } else {
    try {
      mapping = mapStatement(data, when, settings.verbMap);
    } catch (error) {
      if (error instanceof RecipeError) throw new StatementError(error.field, error.message);
      throw error;
    }
  }
  return {
    id: data.id?.toLowerCase() ?? uuidFromContent(comparable),
    idGiven: data.id !== undefined,
    statement,
    actor: { accountName: data.actor.account?.name, mbox: data.actor.mbox },
    verb: data.verb.id,
    when,
    timeFrom,
    mapping,
    moduleRefs: moduleRefsOf(data),
    fingerprint: sha1(comparable).toString("hex"),
  };
}

/** The statement as kept in ActivityStatement.raw: as received, with its (possibly assigned) id. */
function rawStatement(input: unknown, id: string): string {
  const statement = decodeKeys(unwrap(input as Record<string, unknown>)) as Record<string, unknown>;
  return JSON.stringify({ ...statement, id });
}

// ---------------------------------------------------------------------------------------------
// Where statements come from: files (streamed where the layout allows) or a request body
// ---------------------------------------------------------------------------------------------

/** A statement with its line (JSON lines) or position (arrays, requests: index + 1). */
export type StatementItem = { line: number; value: unknown } | { line: number; error: string; field?: string };

/** Where a statement's problem lies ("actor.account.name"), for a path from the statement's top. */
function pathName(path: readonly (string | number)[]): string {
  const name = escapeControls(fieldName(path)) || "statement";
  return name.length > 200 ? `${name.slice(0, 197)}...` : name;
}

const duplicateMessage = (field: string) => `${field} is given twice: a key may appear once in a JSON object`;
const notUtf8Text = (field: string, byte: number) =>
  `${field} is not valid UTF-8 (byte 0x${byte.toString(16).toUpperCase().padStart(2, "0")}): export the file as UTF-8`;

/**
 * The first key a statement's JSON text gives twice, as an item error, or null. JSON.parse keeps
 * the last one, so the statement would mean what one reader of it says and not another.
 */
function duplicateKeyError(text: string, line: number): StatementItem | null {
  let field: string | null = null;
  scanJsonKeys(text, (path) => {
    field = pathName(path);
    return true;
  });
  return field === null ? null : { line, error: duplicateMessage(field), field };
}

/** Where in a JSON text the first byte that is not UTF-8 lies: the field and the line of the text. */
function notUtf8Place(bytes: Buffer, at: number): { path: JsonPath; line: number } {
  const before = bytes.toString("utf8", 0, at);
  let line = 1;
  for (let i = before.indexOf("\n"); i !== -1; i = before.indexOf("\n", i + 1)) line++;
  return { path: scanJsonKeys(before, () => false), line };
}

/** Statements that can be read more than once (the write step reads them again for `raw`). */
export interface StatementSource {
  /** For validation: yields to the event loop now and then, so progress can be shown. */
  each(onProgress?: (bytes: number) => void): AsyncIterable<StatementItem>;
  /**
   * The same statements, read synchronously: for the write step. On SQLite every transaction runs
   * on the one driver connection, so awaiting real I/O inside it would let other work in.
   */
  eachSync(): Iterable<StatementItem>;
}

/** Statements in memory; `errors` holds, by index, those found unusable in the text they came from. */
export function memorySource(values: readonly unknown[], errors: ReadonlyMap<number, { error: string; field: string }> = new Map()): StatementSource {
  function* items(): Generator<StatementItem> {
    for (let i = 0; i < values.length; i++) {
      const error = errors.get(i);
      yield error ? { line: i + 1, ...error } : { line: i + 1, value: values[i] };
    }
  }
  return {
    async *each() {
      const slice = new TimeSlice();
      for (const item of items()) {
        yield item;
        await slice.pause();
      }
    },
    eachSync: items,
  };
}

/** JSON.parse's "at position N" as a line number, for file-level errors. */
function jsonError(error: unknown, text: string): FileRejectedError {
  const message = (error as Error).message;
  // V8 names the position ("at position 21") or, in newer Node, the line ("(line 3 column 8)").
  const position = /position (\d+)/.exec(message);
  const lineGiven = /\(line (\d+) column \d+\)/.exec(message);
  const line = lineGiven ? Number(lineGiven[1]) : position ? text.slice(0, Number(position[1])).split("\n").length : null;
  return new FileRejectedError(`not valid JSON: ${message}`, line);
}

/**
 * Lines split on LF, numbered from 1, with the bytes read so far; a line with bytes that are not
 * UTF-8 comes with the offset of the first (the text then has U+FFFD for them, and is not used).
 */
function* fileLines(path: string): Generator<{ line: number; text: string; bytes: number; notUtf8: { byte: number; path: JsonPath } | null }> {
  const fd = openSync(path, "r");
  try {
    let buffer = Buffer.allocUnsafe(1 << 20);
    let kept = 0;
    let line = 0;
    let bytes = 0;
    for (;;) {
      if (kept === buffer.length) {
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, 0, kept);
        buffer = bigger;
      }
      const read = readSync(fd, buffer, kept, buffer.length - kept, null);
      bytes += read;
      const filled = kept + read;
      const atEnd = read === 0;
      // Lines before `complete` (an LF, or the end of the file) are whole; carried bytes hold no LF.
      let complete = filled;
      if (atEnd) {
        if (filled === 0) return;
      } else {
        const found = buffer.subarray(kept, filled).lastIndexOf(10);
        if (found === -1) {
          kept = filled;
          continue;
        }
        complete = kept + found;
      }
      const allUtf8 = isUtf8(buffer.subarray(0, complete));
      for (let from = 0; ; ) {
        let next = buffer.indexOf(10, from);
        if (next === -1 || next > complete) next = complete;
        const lineBytes = buffer.subarray(from, next);
        let notUtf8: { byte: number; path: JsonPath } | null = null;
        if (!allUtf8 && !isUtf8(lineBytes)) {
          const at = firstInvalidUtf8(lineBytes);
          notUtf8 = { byte: lineBytes[at]!, path: notUtf8Place(lineBytes, at).path };
        }
        yield { line: ++line, text: lineBytes.toString("utf8"), bytes, notUtf8 };
        if (next >= complete) break;
        from = next + 1;
      }
      if (atEnd) return;
      buffer.copy(buffer, 0, complete + 1, filled);
      kept = filled - complete - 1;
    }
  } finally {
    closeSync(fd);
  }
}

function* lineItems(path: string): Generator<StatementItem & { bytes: number }> {
  for (const { line, text: raw, bytes, notUtf8 } of fileLines(path)) {
    const text = (line === 1 ? raw.replace(/^\uFEFF/, "") : raw).trim();
    if (text === "") continue;
    if (notUtf8) {
      const field = notUtf8.path.length ? pathName(notUtf8.path) : "statement";
      yield { line, error: notUtf8Text(field, notUtf8.byte), field, bytes };
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      yield { line, error: `not valid JSON: ${(error as Error).message}`, bytes };
      continue;
    }
    const duplicate = duplicateKeyError(text, line);
    yield duplicate ? { ...duplicate, bytes } : { line, value, bytes };
  }
}

/** One JSON statement per line: never read whole. */
function linesSource(path: string): StatementSource {
  return {
    async *each(onProgress) {
      let bytes = 0;
      let count = 0;
      for (const item of lineItems(path)) {
        bytes = item.bytes;
        yield item;
        if (++count % 5_000 === 0) {
          onProgress?.(bytes);
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      onProgress?.(bytes);
    },
    eachSync: () => lineItems(path),
  };
}

function firstLine(path: string): { line: number; text: string } | null {
  for (const { line, text } of fileLines(path)) {
    const trimmed = text.replace(/^\uFEFF/, "").trim();
    if (trimmed !== "") return { line, text: trimmed };
  }
  return null;
}

/**
 * Opens a statements file: a JSON array (read whole), one JSON statement per line (streamed), a
 * single statement, or a StatementResult (`{"statements": […]}`, what GET /statements returns).
 */
export async function openStatementsFile(path: string): Promise<StatementSource> {
  const first = firstLine(path);
  if (first === null) throw new FileRejectedError("the file is empty (no statements)");
  const head = first.text;
  if (head.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(head);
    } catch {
      // A statement spread over several lines: the file is one JSON document.
    }
    if (isRecord(parsed) && !Array.isArray(parsed.statements)) return linesSource(path);
  } else if (!head.startsWith("[")) {
    throw new FileRejectedError("not JSON: expected a JSON array of statements or one JSON statement per line", first.line);
  }
  const bytes = await readFile(path);
  if (!isUtf8(bytes)) {
    // RFC 8259: JSON text is UTF-8. One document cannot be split into good and bad statements.
    const at = firstInvalidUtf8(bytes);
    const place = notUtf8Place(bytes, at);
    throw new FileRejectedError(notUtf8Text(place.path.length ? pathName(place.path) : "the file", bytes[at]!), place.line);
  }
  const text = bytes.toString("utf8").replace(/^\uFEFF/, "");
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw jsonError(error, text);
  }
  const statements = Array.isArray(document) ? document : isRecord(document) && Array.isArray(document.statements) ? document.statements : null;
  // The first key each statement gives twice, by the statement's index.
  const errors = new Map<number, { error: string; field: string }>();
  const prefix = statements === null ? 0 : Array.isArray(document) ? 1 : 2;
  scanJsonKeys(text, (path) => {
    const inStatement = prefix === 0 || (typeof path[prefix - 1] === "number" && (prefix === 1 || path[0] === "statements"));
    // Outside any statement ({"statements": […], "statements": […]}): the whole document is in doubt.
    if (!inStatement) throw new FileRejectedError(duplicateMessage(pathName(path)), null);
    const index = prefix === 0 ? 0 : (path[prefix - 1] as number);
    if (!errors.has(index)) {
      const field = pathName(path.slice(prefix));
      errors.set(index, { error: duplicateMessage(field), field });
    }
    return false;
  });
  return memorySource(statements ?? [document], errors);
}

// ---------------------------------------------------------------------------------------------
// What the database already knows: students, modules, stored statements, voids
// ---------------------------------------------------------------------------------------------

const CHUNK = 500;

async function selectIn<T>(sql: SqlExecutor, values: readonly string[], query: (placeholders: string) => string): Promise<T[]> {
  const rows: T[] = [];
  const slice = new TimeSlice();
  for (let i = 0; i < values.length; i += CHUNK) {
    await slice.pause();
    const chunk = values.slice(i, i + CHUNK);
    rows.push(...(await sql.query<T>(query(chunk.map((_, k) => `$${k + 1}`).join(", ")), chunk)));
  }
  return rows;
}

interface Instance {
  id: number;
  startDay: number;
  endDay: number | null;
}

/**
 * Module instances by, in this order: VLE site id; UDD MOD_INSTANCE_ID (kept as the presentation
 * code, when only one instance has it); "CODE-PRESENTATION" (OULAD); module code. Case-insensitive.
 */
class ModuleIndex {
  private readonly maps: Map<string, Instance[]>[] = [new Map(), new Map(), new Map(), new Map()];

  constructor(
    rows: { id: number; code: string; presentationCode: string; vleSiteId: string | null; startDate: string | Date; endDate: string | Date | null }[],
  ) {
    const [bySite, byPresentation, byInstance, byModule] = this.maps as [
      Map<string, Instance[]>,
      Map<string, Instance[]>,
      Map<string, Instance[]>,
      Map<string, Instance[]>,
    ];
    const add = (map: Map<string, Instance[]>, key: string, instance: Instance) =>
      map.set(key.toLowerCase(), [...(map.get(key.toLowerCase()) ?? []), instance]);
    for (const row of rows) {
      const instance = {
        id: Number(row.id),
        startDay: dayOfInstant(new Date(row.startDate)),
        endDay: row.endDate === null ? null : dayOfInstant(new Date(row.endDate)),
      };
      // module_map keeps several VLE areas, one per line.
      for (const site of row.vleSiteId?.split("\n") ?? []) if (site.trim()) add(bySite, site.trim(), instance);
      add(byPresentation, row.presentationCode, instance);
      add(byInstance, `${row.code}-${row.presentationCode}`, instance);
      add(byModule, row.code, instance);
    }
    // A presentation code several modules share (OULAD's "2013J") names no one instance.
    for (const [key, instances] of byPresentation) if (instances.length > 1) byPresentation.delete(key);
  }

  /** ModuleInstance.id for the first reference that names one, or 0 (no module: not an error). */
  resolve({ refs, vleCourseIds }: ReadStatement["moduleRefs"], day: number): number {
    for (const ref of refs) {
      for (const map of this.maps) {
        const instance = pickByDay(map.get(ref.toLowerCase()) ?? [], day);
        if (instance) return instance.id;
      }
    }
    // A bare course number ("7") could be any code: only module_map's VLE ids are asked.
    for (const id of vleCourseIds) {
      const instance = pickByDay(this.maps[0]!.get(id.toLowerCase()) ?? [], day);
      if (instance) return instance.id;
    }
    return 0;
  }
}

/** Of several presentations of a module, the one running on the day, else the latest begun. */
function pickByDay(instances: readonly Instance[], day: number): Instance | undefined {
  if (instances.length <= 1) return instances[0];
  const running = instances.find((i) => i.startDay <= day && (i.endDay === null || day <= i.endDay));
  if (running) return running;
  return instances.filter((i) => i.startDay <= day).sort((a, b) => b.startDay - a.startDay)[0];
}

interface StoredStatement {
  studentId: number;
  day: number;
  source: string;
  verb: string;
  counts: string;
  raw: string | null;
}

const countsKey = (c: { count: number; expected: number; late: number; missed: number }) => `${c.count}/${c.expected}/${c.late}/${c.missed}`;

interface Known {
  studentByAccount: Map<string, number>;
  studentByEmail: Map<string, number>;
  modules: ModuleIndex;
  stored: Map<string, StoredStatement>;
  /** Voiding statements already stored: their id -> the id they void. */
  voidingIds: Map<string, string>;
}

const emailOf = (mbox: string) =>
  mbox
    .replace(/^mailto:/i, "")
    .trim()
    .toLowerCase();

async function lookUp(sql: SqlExecutor, statements: readonly ReadStatement[]): Promise<Known> {
  const accounts = new Set<string>();
  const emails = new Set<string>();
  const ids = new Set<string>();
  for (const s of statements) {
    if (s.actor.accountName) accounts.add(s.actor.accountName);
    if (s.actor.mbox) emails.add(emailOf(s.actor.mbox));
    ids.add(s.id);
    if (s.mapping.kind === "void") ids.add(s.mapping.target);
  }
  const byAccount = await selectIn<{ id: number; studentNumber: string }>(
    sql,
    [...accounts],
    (p) => `SELECT "id", "studentNumber" FROM "Student" WHERE "studentNumber" IN (${p})`,
  );
  const byEmail = await selectIn<{ id: number; email: string }>(
    sql,
    [...emails],
    (p) => `SELECT "id", lower("email") AS "email" FROM "Student" WHERE lower("email") IN (${p})`,
  );
  const modules = await sql.query<ConstructorParameters<typeof ModuleIndex>[0][number]>(
    `SELECT i."id", m."code", i."presentationCode", i."vleSiteId", i."startDate", i."endDate" FROM "ModuleInstance" i JOIN "Module" m ON m."id" = i."moduleId"`,
  );
  const stored = await selectIn<{
    id: string;
    studentId: number;
    day: number;
    source: string;
    verb: string;
    count: number;
    expected: number;
    late: number;
    missed: number;
    raw: string | null;
  }>(
    sql,
    [...ids],
    (p) => `SELECT "id", "studentId", "day", "source", "verb", "count", "expected", "late", "missed", "raw" FROM "ActivityStatement" WHERE "id" IN (${p})`,
  );
  const voids = await selectIn<{ id: string; voidedById: string }>(
    sql,
    [...ids],
    (p) => `SELECT "id", "voidedById" FROM "VoidedStatement" WHERE "voidedById" IN (${p})`,
  );
  return {
    studentByAccount: new Map(byAccount.map((row) => [row.studentNumber, Number(row.id)])),
    studentByEmail: new Map(byEmail.map((row) => [row.email, Number(row.id)])),
    modules: new ModuleIndex(modules),
    stored: new Map(
      stored.map((row) => [
        row.id,
        {
          studentId: Number(row.studentId),
          day: Number(row.day),
          source: row.source,
          verb: iriKey(row.verb),
          counts: countsKey({ count: Number(row.count), expected: Number(row.expected), late: Number(row.late), missed: Number(row.missed) }),
          raw: row.raw,
        },
      ]),
    ),
    voidingIds: new Map(voids.map((row) => [row.voidedById, row.id])),
  };
}

function studentOf(known: Known, actor: ReadStatement["actor"]): number | undefined {
  if (actor.accountName !== undefined) {
    const id = known.studentByAccount.get(actor.accountName);
    if (id !== undefined) return id;
  }
  return actor.mbox !== undefined ? known.studentByEmail.get(emailOf(actor.mbox)) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Parse (validate everything, write nothing) and the write step
// ---------------------------------------------------------------------------------------------

export interface StatementProblem {
  line: number;
  field: string;
  message: string;
  /** "conflict": the id is already stored for a different statement (xAPI: 409). */
  kind: "invalid" | "conflict";
}

export interface StatementSettings {
  /** When a pushed request arrived: the day of statements with neither timestamp nor stored. */
  receivedAt?: Date;
  /** Told about every rejected statement (the endpoint answers 400 or 409 from them). */
  onProblem?: (problem: StatementProblem) => void;
}

interface Activity extends Contribution {
  line: number;
  id: string;
  studentId: number;
  day: number;
  moduleKey: number;
  verb: string;
}

interface Void {
  id: string;
  target: string;
}

/** What the report says beyond counts: verbs not mapped, not counted, ids derived … */
class Tally {
  readonly unmapped = new Map<string, number>();
  readonly ignored = new Map<string, number>();
  derivedIds = 0;
  fromStored = 0;
  unknownActors = 0;

  notes(): string[] {
    const list = (counts: Map<string, number>) =>
      [...counts]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 20)
        .map(([name, n]) => `${name} (${n})`)
        .join(", ") + (counts.size > 20 ? `, and ${counts.size - 20} more` : "");
    const notes: string[] = [];
    if (this.unmapped.size) notes.push(`statements with verbs that have no mapping were not stored: ${list(this.unmapped)}`);
    if (this.ignored.size) notes.push(`statements recognised but not counted: ${list(this.ignored)}`);
    if (this.derivedIds)
      notes.push(`${this.derivedIds} statement(s) had no id: each was given a UUID derived from its content, so loading them again adds nothing twice`);
    if (this.fromStored) notes.push(`${this.fromStored} statement(s) had no timestamp: their day was taken from "stored"`);
    if (this.unknownActors) notes.push(`${this.unknownActors} statement(s) about people who are not students here (staff, guests) were skipped: not a student`);
    return notes;
  }
}

const bump = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

/** Reads, validates and resolves every statement of `source`; returns the write step. */
export async function parseStatements(context: FileContext, source: StatementSource, settings: StatementSettings): Promise<WriteStep> {
  const now = context.options.now?.() ?? new Date();
  const timezone = context.options.timezone ?? DEFAULT_TIMEZONE;
  const tally = new Tally();
  // Reported in line order once all are known (people and stored ids are looked up after reading).
  const problems: StatementProblem[] = [];
  const reject = (line: number, error: StatementError, kind: StatementProblem["kind"] = "invalid") =>
    problems.push({ line, field: error.field, message: error.message, kind });

  // 1. Read and validate; drop repeats within the input and what is not counted.
  const lines = new Map<string, { line: number; fingerprint: string }>();
  const pending: (ReadStatement & { line: number })[] = [];
  for await (const item of source.each((bytes) => context.progress(bytes))) {
    context.read();
    if ("error" in item) {
      reject(item.line, new StatementError(item.field ?? "statement", item.error));
      continue;
    }
    let statement: ReadStatement;
    try {
      statement = readStatement(item.value, { now, receivedAt: settings.receivedAt, verbMap: context.options.verbMap });
    } catch (error) {
      if (!(error instanceof StatementError)) throw error;
      reject(item.line, error);
      continue;
    }
    const earlier = lines.get(statement.id);
    if (earlier) {
      if (earlier.fingerprint === statement.fingerprint) context.duplicate();
      else reject(item.line, new StatementError("id", `id '${statement.id}' is also used by line ${earlier.line} for a different statement`));
      continue;
    }
    lines.set(statement.id, { line: item.line, fingerprint: statement.fingerprint });
    if (statement.mapping.kind === "unmapped") bump(tally.unmapped, statement.verb);
    else if (statement.mapping.kind === "ignored") bump(tally.ignored, statement.mapping.reason);
    else pending.push({ ...statement, statement: {}, line: item.line });
    if (!statement.idGiven) tally.derivedIds++;
    if (statement.timeFrom === "stored") tally.fromStored++;
  }

  // 2. Resolve people, modules and days; skip what is already stored.
  const known = await lookUp(context.db.sql, pending);
  const voidingInInput = new Set(pending.filter((s) => s.mapping.kind === "void").map((s) => s.id));
  const activities: Activity[] = [];
  const voids: Void[] = [];
  const conflict = (s: { line: number; id: string }) =>
    reject(s.line, new StatementError("id", `id '${s.id}' is already stored for a different statement`), "conflict");

  const slice = new TimeSlice();
  for (const s of pending) {
    await slice.pause();
    if (s.mapping.kind === "void") {
      const target = s.mapping.target;
      if (known.voidingIds.has(target) || voidingInInput.has(target)) {
        reject(s.line, new StatementError("object.id", `object.id '${target}' is a voiding statement, which cannot itself be voided`));
      } else if (known.voidingIds.has(s.id)) {
        if (known.voidingIds.get(s.id) === target) context.duplicate();
        else conflict(s);
      } else if (known.stored.has(s.id)) conflict(s);
      else voids.push({ id: s.id, target });
      continue;
    }
    if (s.mapping.kind !== "counted") continue;
    const studentId = studentOf(known, s.actor);
    if (studentId === undefined) {
      tally.unknownActors++;
      continue;
    }
    const contribution = s.mapping.contribution;
    const day = localDayOf(s.when, timezone);
    const stored = known.stored.get(s.id);
    if (stored || known.voidingIds.has(s.id)) {
      if (stored && sameStatement(stored, s, { studentId, day, ...contribution })) context.duplicate();
      else conflict(s);
      continue;
    }
    activities.push({ line: s.line, id: s.id, studentId, day, moduleKey: known.modules.resolve(s.moduleRefs, day), verb: s.verb.trim(), ...contribution });
    context.sawActivity(contribution.source, day);
  }
  for (const problem of problems.sort((a, b) => a.line - b.line)) {
    context.reject(problem.line, problem.message);
    settings.onProblem?.(problem);
  }
  for (const note of tally.notes()) context.note(note);

  const keepRaw = context.options.keepRawStatements !== false;
  return (tx, batchId) => writeStatements(tx, batchId, { activities, voids, source: keepRaw ? source : null, storedAt: context.options.now?.() ?? new Date() });
}

/**
 * The same statement as the one stored: by the xAPI comparison rules while its JSON is kept,
 * afterwards by what it contributed (who, which day, which verb, which counts).
 */
function sameStatement(stored: StoredStatement, incoming: ReadStatement, derived: Contribution & { studentId: number; day: number }): boolean {
  if (stored.raw !== null) {
    try {
      return sha1(comparableText(JSON.parse(stored.raw) as Record<string, unknown>)).toString("hex") === incoming.fingerprint;
    } catch {
      // Unreadable raw JSON: compare what it contributed instead.
    }
  }
  return (
    stored.studentId === derived.studentId &&
    stored.day === derived.day &&
    stored.source === derived.source &&
    stored.verb === iriKey(incoming.verb) &&
    stored.counts === countsKey(derived)
  );
}

const STAGE = "ingest_xapi_stage";
const STAGE_COLUMNS = ["id", "studentId", "day", "source", "moduleInstanceKey", "verb", "count", "expected", "late", "missed", "raw"] as const;

async function createStage(tx: SqlExecutor): Promise<void> {
  const int = tx.kind === "postgresql" ? "integer" : "INTEGER";
  const text = "TEXT";
  const columns = STAGE_COLUMNS.map((name) => `"${name}" ${["id", "source", "verb", "raw"].includes(name) ? text : int}`).join(", ");
  await tx.execScript(`CREATE TEMP TABLE IF NOT EXISTS ${STAGE} (${columns})${tx.kind === "postgresql" ? " ON COMMIT DELETE ROWS" : ""}`);
  await tx.execScript(`DELETE FROM ${STAGE}`);
}

/** Stage rows, with each statement's JSON read again (synchronously) from the source when it is kept. */
function* stageRows(activities: readonly Activity[], source: StatementSource | null): Generator<unknown[]> {
  const row = (a: Activity, raw: string | null) => [a.id, a.studentId, a.day, a.source, a.moduleKey, a.verb, a.count, a.expected, a.late, a.missed, raw];
  if (!source) {
    for (const a of activities) yield row(a, null);
    return;
  }
  const byLine = new Map(activities.map((a) => [a.line, a]));
  for (const item of source.eachSync()) {
    const activity = byLine.get(item.line);
    if (activity && "value" in item) yield row(activity, rawStatement(item.value, activity.id));
  }
}

/** Staged statements copied per statement on SQLite: a few milliseconds of work each. */
const STAGE_ROWS_PER_COPY = 500;

/** Advisory lock key of statement writes on PostgreSQL ("xapi" in ASCII). */
const XAPI_WRITE_LOCK = 0x78617069;

const negated = (row: RollupRow): RollupRow => [row[0], row[1], row[2], row[3], -row[4], -row[5], -row[6], -row[7]];

async function writeStatements(
  tx: SqlExecutor,
  batchId: number,
  input: { activities: Activity[]; voids: Void[]; source: StatementSource | null; storedAt: Date },
): Promise<{ loaded: number; duplicates: number }> {
  const pg = tx.kind === "postgresql";
  // One statement batch writes at a time (SQLite's BEGIN IMMEDIATE already does this): otherwise a
  // void and its target committed concurrently could each miss the other and the target count.
  if (pg) await tx.query(`SELECT pg_advisory_xact_lock(${XAPI_WRITE_LOCK})`);
  // Voids first: a target arriving in this same batch is then inserted already voided.
  let newVoids = 0;
  for (const v of input.voids) {
    const inserted = await tx.query(
      `INSERT INTO "VoidedStatement" ("id", "voidedById", "voidedAt") VALUES ($1, $2, $3) ON CONFLICT ("id") DO NOTHING RETURNING "id"`,
      [v.target, v.id, input.storedAt],
    );
    newVoids += inserted.length;
  }

  await createStage(tx);
  await tx.bulkInsert(STAGE, STAGE_COLUMNS, stageRows(input.activities, input.source));
  // ON CONFLICT DO NOTHING: a statement stored meanwhile by a concurrent batch counts once. Then
  // what went in (the staged rows this batch stored) and the rollup deltas of those not voided.
  let stored = 0;
  const added: {
    studentId: number;
    day: number;
    source: EngagementSource;
    moduleInstanceKey: number;
    count: number | string;
    expected: number | string;
    late: number | string;
    missed: number | string;
  }[] = [];
  const copy = async (range: string) => {
    await tx.query(
      `INSERT INTO "ActivityStatement" ("id", "studentId", "day", "source", "moduleInstanceKey", "verb", "count", "expected", "late", "missed", "raw", "voided", "storedAt", "batchId")
       SELECT s."id", s."studentId", s."day", s."source"${enumCast(tx, "EngagementSource")}, s."moduleInstanceKey", s."verb", s."count", s."expected", s."late", s."missed", s."raw",
              EXISTS (SELECT 1 FROM "VoidedStatement" v WHERE v."id" = s."id"), $1${pg ? "::timestamp(3)" : ""}, $2${pg ? "::integer" : ""}
         FROM ${STAGE} s WHERE ${range}
       ON CONFLICT ("id") DO NOTHING`,
      [input.storedAt, batchId],
    );
    const [inserted] = await tx.query<{ n: number | string }>(
      `SELECT COUNT(*) AS "n" FROM ${STAGE} s JOIN "ActivityStatement" a ON a."id" = s."id" WHERE a."batchId" = $1 AND ${range}`,
      [batchId],
    );
    stored += Number(inserted?.n ?? 0);
    added.push(
      ...(await tx.query<(typeof added)[number]>(
        `SELECT s."studentId", s."day", s."source", s."moduleInstanceKey", SUM(s."count") AS "count", SUM(s."expected") AS "expected", SUM(s."late") AS "late", SUM(s."missed") AS "missed"
           FROM ${STAGE} s JOIN "ActivityStatement" a ON a."id" = s."id"
          WHERE a."batchId" = $1 AND a."voided" = false AND ${range}
          GROUP BY s."studentId", s."day", s."source", s."moduleInstanceKey"`,
        [batchId],
      )),
    );
  };
  if (pg) await copy("true");
  else {
    // SQLite runs a statement on the event loop's thread: a 10 MB batch is copied a slice of rows
    // at a time, handing the loop back between slices (the transaction keeps the batch whole). A
    // key split across slices gives two deltas, which the merge adds up.
    const [bounds] = await tx.query<{ first: number | null; last: number | null }>(`SELECT MIN(rowid) AS "first", MAX(rowid) AS "last" FROM ${STAGE}`);
    const slice = new TimeSlice();
    for (let from = Number(bounds?.first ?? 1); from <= Number(bounds?.last ?? 0); from += STAGE_ROWS_PER_COPY) {
      await copy(`s.rowid >= ${from} AND s.rowid < ${from + STAGE_ROWS_PER_COPY}`);
      await slice.pause();
    }
  }
  await tx.execScript(`DELETE FROM ${STAGE}`);

  const rollups: RollupRow[] = added.map((r) => [
    Number(r.studentId),
    Number(r.day),
    r.source,
    Number(r.moduleInstanceKey),
    Number(r.count),
    Number(r.expected),
    Number(r.late),
    Number(r.missed),
  ]);
  // Targets stored earlier: mark voided and take their contribution back out.
  for (const target of new Set(input.voids.map((v) => v.target))) {
    const undone = await tx.query<{
      studentId: number;
      day: number;
      source: EngagementSource;
      moduleInstanceKey: number;
      count: number;
      expected: number;
      late: number;
      missed: number;
    }>(
      `UPDATE "ActivityStatement" SET "voided" = true WHERE "id" = $1 AND "voided" = false
       RETURNING "studentId", "day", "source", "moduleInstanceKey", "count", "expected", "late", "missed"`,
      [target],
    );
    for (const r of undone)
      rollups.push(
        negated([
          Number(r.studentId),
          Number(r.day),
          r.source,
          Number(r.moduleInstanceKey),
          Number(r.count),
          Number(r.expected),
          Number(r.late),
          Number(r.missed),
        ]),
      );
  }
  await mergeRollups(tx, rollups, "add");

  return { loaded: stored + newVoids, duplicates: input.activities.length - stored + (input.voids.length - newVoids) };
}

// ---------------------------------------------------------------------------------------------
// The feed format (files) and the push use case (the endpoint)
// ---------------------------------------------------------------------------------------------

const STATEMENT_FILE = /\.(json|jsonl|ndjson)$/i;

export const xapiFormat: FeedFormat = {
  name: "xapi",
  description: "xAPI statements (Jisc profile): a JSON array, one statement per line, or a Learning Locker export",
  plan(paths) {
    const files = paths.filter((path) => STATEMENT_FILE.test(path)).sort();
    const skipped = paths.filter((path) => !STATEMENT_FILE.test(path)).map((path) => ({ path, reason: "not a statements file (.json, .jsonl or .ndjson)" }));
    return { files: files.map((path) => ({ path, entity: "statements" })), skipped };
  },
  entityOf(path) {
    return STATEMENT_FILE.test(path)
      ? { entity: "statements" }
      : { error: `${basename(path)} is not a statements file: xAPI statements come as .json, .jsonl or .ndjson` };
  },
  async parse(context) {
    return parseStatements(context, await openStatementsFile(context.path), {});
  },
};

export interface PushRequest {
  /** The request body: one statement or an array. */
  body: unknown;
  /**
   * The body's bytes as received, when the caller has them: bytes that are not UTF-8 and keys
   * given twice (both lost once parsed) are then refused, naming the statement and the field.
   */
  raw?: Uint8Array;
  /** PUT's statementId parameter. */
  statementId?: string;
  /** Recorded on the batch, e.g. "POST /api/xapi/statements from 10.0.0.5". */
  origin: string;
  totalBytes: number;
  options?: IngestOptions;
}

export type PushOutcome =
  | { status: "stored"; ids: string[]; report: FileReport | null }
  /** `index`: the statement's position in the request (0-based), null for the request as a whole. */
  | { status: "invalid"; index: number | null; field: string; message: string }
  | { status: "conflict"; ids: string[]; message: string }
  | { status: "failed"; message: string };

const invalid = (index: number | null, field: string, message: string): PushOutcome => ({ status: "invalid", index, field, message });

/**
 * Gives each statement its id: as given, PUT's statementId, or (validated later) one derived from
 * its content, so a statement sent again without an id is recognised.
 */
function withIds(values: readonly unknown[], statementId: string | undefined): { values: unknown[]; ids: (string | undefined)[] } | PushOutcome {
  const ids: (string | undefined)[] = [];
  const out: unknown[] = [];
  for (const [index, value] of values.entries()) {
    if (!isRecord(value)) return invalid(index, "statement", "statement must be a JSON object");
    const given = typeof value.id === "string" ? value.id.trim().toLowerCase() : undefined;
    if (statementId !== undefined && given !== undefined && given !== statementId)
      return invalid(index, "id", `id '${given}' does not match the statementId parameter '${statementId}'`);
    const id = given ?? statementId;
    ids.push(id);
    out.push(value.id === undefined && id !== undefined ? { ...value, id } : value);
  }
  return { values: out, ids };
}

/** What JSON.parse does not see in a body: bytes that are not UTF-8, a key given twice. */
function rawBodyProblem(bytes: Buffer, isArray: boolean): PushOutcome | null {
  // The statement a path lies in, and the path within it.
  const split = (path: readonly (string | number)[]): [number, readonly (string | number)[]] =>
    isArray ? [typeof path[0] === "number" ? path[0] : 0, path.slice(1)] : [0, path];
  if (!isUtf8(bytes)) {
    const at = firstInvalidUtf8(bytes);
    const [index, path] = split(notUtf8Place(bytes, at).path);
    const field = path.length ? pathName(path) : "statement";
    return invalid(index, field, notUtf8Text(field, bytes[at]!).replace(": export the file as UTF-8", ": send the body as UTF-8"));
  }
  let outcome: PushOutcome | null = null;
  scanJsonKeys(bytes.toString("utf8"), (found) => {
    const [index, path] = split(found);
    const field = pathName(path);
    outcome = invalid(index, field, duplicateMessage(field));
    return true;
  });
  return outcome;
}

/**
 * Stores a pushed request all or nothing (xAPI: a batch with a rejected statement is rejected):
 * every statement is validated first; ids already stored with the same content are accepted and
 * change nothing; an id stored with different content is a conflict.
 */
export async function pushStatements(db: Database, request: PushRequest): Promise<PushOutcome> {
  const now = request.options?.now?.() ?? new Date();
  const values = Array.isArray(request.body) ? request.body : [request.body];
  if (request.statementId !== undefined && (Array.isArray(request.body) || !UUID.test(request.statementId))) {
    return invalid(
      null,
      "statementId",
      Array.isArray(request.body) ? "PUT takes one statement, not an array" : `statementId ${shown(request.statementId)} is not a UUID`,
    );
  }
  if (request.raw) {
    const refused = rawBodyProblem(Buffer.from(request.raw.buffer, request.raw.byteOffset, request.raw.byteLength), Array.isArray(request.body));
    if (refused) return refused;
  }
  const prepared = withIds(values, request.statementId?.toLowerCase());
  if ("status" in prepared) return prepared;
  const ids: string[] = [];
  const slice = new TimeSlice();
  for (const [index, value] of prepared.values.entries()) {
    await slice.pause();
    try {
      // Without an id: the one derived from its content (what the xAPI comparison rules compare).
      const read = readStatement(value, { now, receivedAt: now, verbMap: request.options?.verbMap });
      ids.push(read.id);
      if (prepared.ids[index] === undefined) prepared.values[index] = { ...(value as Record<string, unknown>), id: read.id };
    } catch (error) {
      if (error instanceof StatementError) return invalid(index, error.field, error.message);
      throw error;
    }
  }
  const seen = new Map<string, number>();
  for (const [index, id] of prepared.ids.entries()) {
    // Derived ids repeat only for the same content: the same statement twice counts once.
    if (id === undefined) continue;
    if (seen.has(id)) return invalid(index, "id", `id '${id}' appears twice in the request (statements ${seen.get(id)} and ${index})`);
    seen.set(id, index);
  }
  if (values.length === 0) return { status: "stored", ids: [], report: null };

  const problems: StatementProblem[] = [];
  const source: IngestSource = {
    file: request.origin.split(" from ")[0]!,
    path: "",
    entity: "statements",
    origin: request.origin,
    checksum: null,
    totalBytes: request.totalBytes,
  };
  const parse = (context: FileContext) => parseStatements(context, memorySource(prepared.values), { receivedAt: now, onProblem: (p) => problems.push(p) });
  // A refused push is the LMS's to correct and resend, and is logged: a batch record for each
  // attempt would fill the load history with its retries.
  const outcome = await ingestSource(db, "xapi", source, parse, { strict: true, options: request.options, recordRefusals: false });

  const conflicts = problems.filter((p) => p.kind === "conflict");
  if (conflicts.length) {
    return { status: "conflict", ids: conflicts.map((p) => ids[p.line - 1]!), message: conflicts.map((p) => p.message).join("; ") };
  }
  if (problems.length) return invalid(problems[0]!.line - 1, problems[0]!.field, problems[0]!.message);
  if (outcome.file.status === "failed") return { status: "failed", message: outcome.errors[0]?.message ?? "not stored" };
  return { status: "stored", ids, report: outcome.file };
}

/**
 * Retention: forgets the JSON of statements stored before `olderThan`; the rows stay as the
 * idempotency keys and the record of what each statement contributed. Returns how many.
 */
export async function purgeRawStatements(sql: SqlExecutor, olderThan: Date): Promise<number> {
  const [row] = await sql.query<{ n: number | string }>(`SELECT COUNT(*) AS "n" FROM "ActivityStatement" WHERE "raw" IS NOT NULL AND "storedAt" < $1`, [
    olderThan,
  ]);
  await sql.query(`UPDATE "ActivityStatement" SET "raw" = NULL WHERE "raw" IS NOT NULL AND "storedAt" < $1`, [olderThan]);
  return Number(row?.n ?? 0);
}
