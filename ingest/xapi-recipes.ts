import { type EngagementSource, NudgeError } from "../core/index.ts";
import type { VerbMap, VerbMapKind } from "./xapi-verb-map.ts";
/**
 * The Jisc xAPI profile (github.com/jiscdev/xapi, "recipes") as Nudge counts it: which verbs are
 * engagement, for which source, and what one statement adds to EngagementDaily.
 *
 * | verb (http or https, trailing "/" ignored)  | when                                             | source     | adds                 |
 * |---------------------------------------------|--------------------------------------------------|------------|----------------------|
 * | brindlewaye.com/xAPITerms/verbs/loggedin    |                                                  | vle        | count 1              |
 * | id.tincanapi.com/verb/viewed                | e-content (externalContent, recipeCat Library)   | library    | count 1              |
 * |                                             | anything else (VLE page, reading list, video)    | vle        | count 1              |
 * | activitystrea.ms/schema/1.0/access          | library entry (direction in) or e-content        | library    | count 1              |
 * | activitystrea.ms/schema/1.0/borrowed        | library loan                                     | library    | count 1              |
 * | adlnet.gov/expapi/verbs/attended            | result.completion true (attendance_late 1: late) | attendance | count 1, expected 1  |
 * |                                             | result.completion false                          | attendance | missed 1, expected 1 |
 * | adlnet.gov/expapi/verbs/completed           | an assessment or assignment (Jisc "submitted"),  | submission | count 1 (late 1 after dueDate) |
 * |                                             | or anything with a due date (Blackboard's)       |            |                      |
 * |                                             | anything else (quiz completed)                   | vle        | count 1              |
 * | activitystrea.ms/schema/1.0/submit, adlnet.gov/expapi/verbs/submitted | (Moodle without Jisc) | submission | count 1 (late 1 after dueDate) |
 * | adlnet.gov/expapi/verbs/answered, activitystrea.ms/schema/1.0/create (forum post), …/start | | vle | count 1 |
 *
 * Moodle's logstore_xapi 5.x has its own vocabulary (its tests' expected statements):
 *
 * | verb                                                   | when                                        | source     |
 * |--------------------------------------------------------|---------------------------------------------|------------|
 * | xapi.edlm/profiles/edlm-lms/concepts/verbs/login       |                                             | vle        |
 * | activitystrea.ms/create, id.tincanapi.com/verb/replied | forum discussion, forum reply               | vle        |
 * | activitystrea.ms/start, w3id.org/xapi/tla/verbs/resumed| lesson started or resumed                   | vle        |
 * | activitystrea.ms/submit, …/schema/1.0/submit           | questionnaire, survey, course feedback      | vle        |
 * |                                                        | assignment                                  | submission |
 * | activitystrea.ms/send, adlnet …/commented, …/launched, acrossx …/edited, …/schema/1.0/join | | vle |
 *
 * Blackboard Learn's xAPI building block (bbc-xAPI-BBLEARN, the Jisc recipes' Blackboard examples)
 * uses the Jisc verbs above: log-ins, course and content views and test attempts count as VLE
 * activity, an assignment completed (with its due date) as a submission; graded
 * (tincanapi.co.uk/verbs/evaluated), session timed out and logged out are not counted.
 *
 * An operator's verb map (NUDGE_XAPI_VERB_MAP, verb-map.ts) is read before these recipes.
 *
 * Known but not counted (reported as such): logged out, session timed out, scored or assessed (a
 * mark is an outcome, never a rule input: POLICY P1), library exits, entries to non-library
 * facilities, enrolment changes.
 * Any other verb is "unmapped": not stored, counted per verb in the report.
 */

/** What one statement adds to its EngagementDaily row. */
export interface Contribution {
  source: EngagementSource;
  count: number;
  expected: number;
  late: number;
  missed: number;
}

export type Mapping =
  | { kind: "counted"; contribution: Contribution }
  /** A verb Nudge knows and deliberately does not count. */
  | { kind: "ignored"; reason: string }
  | { kind: "unmapped" };

/** The parts of a (validated) statement the recipes read. */
export interface RecipeInput {
  verb: { id: string };
  object: { id?: string; definition?: { type?: string; extensions?: Record<string, unknown> }; extensions?: Record<string, unknown> };
  result?: { completion?: boolean; extensions?: Record<string, unknown> };
  context?: { extensions?: Record<string, unknown> };
}

/** A value the recipe forbids (late for a session not attended …); `field` names where. */
export class RecipeError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "recipe_invalid";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export const VOIDED_VERB = "adlnet.gov/expapi/verbs/voided";

/**
 * An IRI as a lookup key: no scheme, no trailing slash, lower case. Jisc's own documents and
 * Moodle's plugin mix http/https and add trailing slashes for the same verb (a listed defect).
 */
export function iriKey(iri: string): string {
  return iri
    .trim()
    .replace(/^https?:\/\//i, "")
    .replace(/\/+$/, "")
    .toLowerCase();
}

/** An extension's value, whatever the scheme or case of its key (`name` as an iriKey). */
export function extension(extensions: Record<string, unknown> | undefined, name: string): unknown {
  if (!extensions || typeof extensions !== "object") return undefined;
  for (const [key, value] of Object.entries(extensions)) if (iriKey(key) === name) return value;
  return undefined;
}

const JISC = "xapi.jisc.ac.uk/";
const EDLM = "xapi.edlm/profiles/edlm-lms/concepts/";
const counted = (source: EngagementSource, values: Partial<Omit<Contribution, "source">> = { count: 1 }): Mapping => ({
  kind: "counted",
  contribution: { source, count: 0, expected: 0, late: 0, missed: 0, ...values },
});
const ignored = (reason: string): Mapping => ({ kind: "ignored", reason });

const typeOf = (input: RecipeInput) => (input.object.definition?.type ? iriKey(input.object.definition.type) : undefined);
/** An extension's text; an object has none (and String() of {"toString": 1} throws). */
const textOf = (value: unknown): string | undefined =>
  typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : undefined;
const recipeCategory = (input: RecipeInput) => (textOf(extension(input.context?.extensions, `${JISC}recipecat`)) ?? "").toLowerCase();

const E_CONTENT_TYPES = new Set([`${JISC}activities/externalcontent`, "activitystrea.ms/schema/1.0/service"]);

function viewed(input: RecipeInput): Mapping {
  const type = typeOf(input);
  const category = recipeCategory(input);
  const eContent = (type !== undefined && E_CONTENT_TYPES.has(type)) || category === "library" || category === "econtent";
  return counted(eContent ? "library" : "vle");
}

function accessed(input: RecipeInput): Mapping {
  const type = typeOf(input);
  if (type === `${JISC}activities/facility`) return ignored("entry to a facility other than the library");
  const direction = (textOf(extension(input.context?.extensions, `${JISC}extensions/direction_of_access`)) ?? "in").toLowerCase();
  if (direction === "out") return ignored("library exit (the entry already counted the visit)");
  return counted("library");
}

/** 0 or 1 (the recipe's integer flag); booleans and "0"/"1" are accepted too. */
function flag(value: unknown, field: string): 0 | 1 {
  if (value === undefined || value === null) return 0;
  if (value === 0 || value === false || value === "0") return 0;
  if (value === 1 || value === true || value === "1") return 1;
  const text = textOf(value);
  throw new RecipeError(field, text === undefined ? `${field} is not 0 or 1` : `${field} '${text}' is not 0 or 1`);
}

function attended(input: RecipeInput): Mapping {
  const completion = input.result?.completion;
  if (completion === undefined) {
    throw new RecipeError("result.completion", "result.completion is required in an attendance statement (true: attended, false: absent)");
  }
  const lateField = "result.extensions.http://xapi.jisc.ac.uk/attendance_late";
  const late = flag(extension(input.result?.extensions, `${JISC}attendance_late`), lateField);
  if (!completion && late) throw new RecipeError(lateField, `${lateField} is 1 but result.completion is false: late for a session not attended`);
  return completion ? counted("attendance", { count: 1, expected: 1, late }) : counted("attendance", { expected: 1, missed: 1 });
}

function isAssignment(input: RecipeInput): boolean {
  const type = typeOf(input);
  // Jisc's profile sends the assessment type; Moodle's plugin sends "module" with the assignment's
  // URL; Blackboard Learn's xAPI building block sends "module" for test attempts and submitted
  // assignments alike, and only the assignment carries its due date.
  return (
    type === "adlnet.gov/expapi/activities/assessment" ||
    /\/mod\/assign\//.test(input.object.id ?? "") ||
    (type?.endsWith("/assignment") ?? false) ||
    dueDateOf(input) !== null
  );
}

/**
 * The assignment's due date (Jisc dueDate; some exporters put it beside `definition`, and
 * Blackboard's building block names it …/extensions/duedate and wraps it as { "duedate": "…" }).
 */
function dueDateOf(input: RecipeInput): Date | null {
  const found = [`${JISC}duedate`, `${JISC}extensions/duedate`]
    .flatMap((name) => [extension(input.object.definition?.extensions, name), extension(input.object.extensions, name)])
    .find((value) => value !== undefined);
  const value = found && typeof found === "object" && !Array.isArray(found) ? (found as Record<string, unknown>).duedate : found;
  if (typeof value !== "string") return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * Moodle sends "submit" for questionnaire, survey and course-feedback responses too: those are
 * taking part, not assessed work, so they count as VLE activity.
 */
const RESPONSE_TYPES = new Set([
  "id.tincanapi.com/activitytype/survey",
  "xapi.edlm/profiles/edlm-lms/concepts/activity-types/feedback",
  "xapi.edlm/profiles/edlm-lms/concepts/activity-types/questionnaire",
]);
const isResponse = (input: RecipeInput) => {
  const type = typeOf(input);
  return (type !== undefined && RESPONSE_TYPES.has(type)) || /\/mod\/(feedback|questionnaire|survey)\//.test(input.object.id ?? "");
};

/** Enrolment changes Moodle reports about a course (resumed, suspended): the records feed's to say. */
const COURSE_TYPE = "w3id.org/xapi/cmi5/activitytype/course";
const unlessCourse = (input: RecipeInput) => (typeOf(input) === COURSE_TYPE ? ignored("enrolment change (the records feed holds enrolments)") : counted("vle"));

function submitted(input: RecipeInput, when: Date): Mapping {
  if (isResponse(input)) return counted("vle");
  const due = dueDateOf(input);
  return counted("submission", { count: 1, late: due && when.getTime() > due.getTime() ? 1 : 0 });
}

type Recipe = (input: RecipeInput, when: Date) => Mapping;

const RECIPES = new Map<string, Recipe>([
  ["brindlewaye.com/xapiterms/verbs/loggedin", () => counted("vle")],
  ["brindlewaye.com/xapiterms/verbs/loggedout", () => ignored("logged out (the log-in already counted the session)")],
  ["w3id.org/xapi/adl/verbs/abandoned", () => ignored("session timed out")],
  ["id.tincanapi.com/verb/viewed", viewed],
  ["activitystrea.ms/schema/1.0/access", accessed],
  ["activitystrea.ms/schema/1.0/borrowed", () => counted("library")],
  ["adlnet.gov/expapi/verbs/attended", attended],
  ["adlnet.gov/expapi/verbs/completed", (input, when) => (isAssignment(input) ? submitted(input, when) : counted("vle"))],
  ["activitystrea.ms/schema/1.0/submit", submitted],
  ["adlnet.gov/expapi/verbs/submitted", submitted],
  ["adlnet.gov/expapi/verbs/answered", () => counted("vle")],
  ["activitystrea.ms/schema/1.0/create", () => counted("vle")],
  ["activitystrea.ms/schema/1.0/start", () => counted("vle")],
  ["adlnet.gov/expapi/verbs/scored", () => ignored("graded: a mark is an outcome, never a rule input")],
  // Blackboard Learn's xAPI building block reports grading with this verb.
  ["www.tincanapi.co.uk/verbs/evaluated", () => ignored("graded: a mark is an outcome, never a rule input")],
  // Moodle logstore_xapi 5.x (its own vocabulary, without the Jisc profile)
  [`${EDLM}verbs/login`, () => counted("vle")],
  [`${EDLM}verbs/logout`, () => ignored("logged out (the log-in already counted the session)")],
  ["activitystrea.ms/create", () => counted("vle")],
  ["activitystrea.ms/start", () => counted("vle")],
  ["activitystrea.ms/submit", submitted],
  ["activitystrea.ms/send", () => counted("vle")],
  ["activitystrea.ms/schema/1.0/join", () => counted("vle")],
  ["id.tincanapi.com/verb/replied", () => counted("vle")],
  ["adlnet.gov/expapi/verbs/commented", () => counted("vle")],
  ["adlnet.gov/expapi/verbs/launched", () => counted("vle")],
  ["w3id.org/xapi/acrossx/verbs/edited", () => counted("vle")],
  ["w3id.org/xapi/tla/verbs/resumed", unlessCourse],
  ["w3id.org/xapi/tla/verbs/suspended", unlessCourse],
  ["w3id.org/xapi/tla/verbs/scored", () => ignored("graded: a mark is an outcome, never a rule input")],
  ["w3id.org/xapi/dod-isd/verbs/assessed", () => ignored("graded: a mark is an outcome, never a rule input")],
  [`${EDLM}verbs/enrolled`, () => ignored("enrolment change (the records feed holds enrolments)")],
]);

const OPERATOR_RECIPES: Record<VerbMapKind, Recipe> = {
  vle: () => counted("vle"),
  library: () => counted("library"),
  submission: (input, when) => submitted(input, when),
  attendance: (input) => attended(input),
  ignore: () => ignored("not counted by the xAPI verb map (NUDGE_XAPI_VERB_MAP)"),
};

/**
 * What the statement adds to EngagementDaily; throws RecipeError for values the recipe forbids.
 * The operator's verb map is read first: its activity type, then its verb.
 */
export function mapStatement(input: RecipeInput, when: Date, verbMap?: VerbMap): Mapping {
  if (verbMap) {
    const type = typeOf(input);
    const kind = (type === undefined ? undefined : verbMap.activityTypes.get(type)) ?? verbMap.verbs.get(iriKey(input.verb.id));
    if (kind) return OPERATOR_RECIPES[kind](input, when);
  }
  const recipe = RECIPES.get(iriKey(input.verb.id));
  return recipe ? recipe(input, when) : { kind: "unmapped" };
}
