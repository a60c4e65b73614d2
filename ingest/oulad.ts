/**
 * OULAD, the Open University Learning Analytics Dataset (Kuzilek et al. 2017, CC-BY 4.0), read
 * exactly as distributed: seven CSV files, quoted codes, CRLF or LF, blank or `?` for missing.
 *
 * Dates in OULAD are day offsets from the start of the module presentation (negative before it);
 * they become calendar days through a start date configured per presentation, or, failing that,
 * the OU naming convention (B = February, J = October start), which the report notes.
 * Kept: modules and presentations, assessments, students (with `disability`, special-category
 * data under POLICY P8), registrations with `final_result` (an OUTCOME for backtests, never a
 * label for tutors), submissions with score (OUTCOME), and VLE clicks as daily per-module rollups.
 * Not kept (data minimisation): gender, region, education, IMD band, age band, site catalogue.
 */
import { DAY_MS } from "../core/index.ts";
import { basename } from "node:path";
import { enumCast, type SqlExecutor } from "../prisma/index.ts";
import { columnIndexes, fieldCountProblem, notUtf8Message, openDelimited, scanRawLines, splitDelimitedLine } from "./delimited-reader.ts";
import { controlCharacterProblem, dateOfDay, dayOfDate, isMissing, isoDateOfDay, RowError, shown } from "./fields.ts";
import { DailyTotals } from "./daily-totals.ts";
import { eachRecord, idsBy, storedDay, upsertRows, type TableSpec } from "./records.ts";
import { mergeRollups, type RollupRow } from "./rollups.ts";
import { FileRejectedError, type DirectoryPlan, type FeedFormat, type FileContext, type WriteStep } from "./types.ts";

/** Load order: what a file refers to loads before it. */
const ENTITIES = ["courses", "assessments", "studentInfo", "studentRegistration", "studentAssessment", "studentVle"] as const;
type Entity = (typeof ENTITIES)[number];
const NOT_NEEDED: Record<string, string> = {
  vle: "the VLE site catalogue is not needed: Nudge keeps activity per module and day, not per site",
};

function entityName(path: string): string {
  return basename(path).replace(/\.(csv|txt)$/i, "");
}

const isq = (value: string | undefined) => isMissing(value, true);
/** Plain decimal digits (Number() also takes "1e3", "0x10", "Infinity"), within the safe range. */
const isWhole = (text: string) => /^\s*[+-]?\d+\s*$/.test(text) && Number.isSafeInteger(Number(text));

/** A whole number; OULAD writes missing values as blank or `?`. */
function int(value: string | undefined, field: string, options: { min?: number; max?: number; optional?: boolean } = {}): number | null {
  if (isq(value)) {
    if (options.optional) return null;
    throw new RowError(`${field} is missing`);
  }
  const text = value!.trim();
  const number = Number(text);
  // Digits only: Number() also reads "1e3", "0x10" and rounds 99999999999999999999, and an
  // identifier read that way would be stored as another one.
  if (!/^[+-]?\d+$/.test(text) || !Number.isSafeInteger(number)) throw new RowError(`${field} ${shown(text)} is not a whole number`);
  if (options.min !== undefined && number < options.min)
    throw new RowError(`${field} ${shown(text)} is ${options.min === 0 ? "negative" : `below ${options.min}`}`);
  if (options.max !== undefined && number > options.max) throw new RowError(`${field} ${shown(text)} is above ${options.max}`);
  return number;
}

/**
 * Days from the presentation start are bounded as studentVle's are: an offset of millions of days
 * is a broken export, and would make a date the database cannot hold, failing the whole file.
 */
const MAX_DAYS = 2 ** 11;
function dayOffset(value: string | undefined, field: string, optional = false): number | null {
  const days = int(value, field, { optional });
  if (days !== null && Math.abs(days) >= MAX_DAYS) throw new RowError(`${field} ${days} is more than ${MAX_DAYS} days from the presentation start`);
  return days;
}

function text(value: string | undefined, field: string): string {
  if (isq(value)) throw new RowError(`${field} is missing`);
  return value!.trim();
}

// ---------------------------------------------------------------------------------------------
// Lookups the files refer to
// ---------------------------------------------------------------------------------------------

interface Presentation {
  id: number;
  startDay: number;
  endDay: number | null;
}

async function presentations(sql: SqlExecutor): Promise<Map<string, Presentation>> {
  const rows = await sql.query<{ id: number; code: string; presentationCode: string; startDate: string | Date; endDate: string | Date | null }>(
    `SELECT i."id", m."code", i."presentationCode", i."startDate", i."endDate" FROM "ModuleInstance" i JOIN "Module" m ON m."id" = i."moduleId"`,
  );
  return new Map(
    rows.map((row) => [`${row.code}-${row.presentationCode}`, { id: Number(row.id), startDay: storedDay(row.startDate)!, endDay: storedDay(row.endDate) }]),
  );
}

function presentationOf(known: Map<string, Presentation>, module: string, presentation: string): Presentation {
  const found = known.get(`${module}-${presentation}`);
  if (!found)
    throw new RowError(`code_module-code_presentation ${shown(`${module}-${presentation}`)} is not a known module presentation (load courses.csv first)`);
  return found;
}

function studentOf(known: Map<string, number>, id: string): number {
  const found = known.get(id);
  if (found === undefined) throw new RowError(`id_student ${shown(id)} is not a known student (load studentInfo.csv first)`);
  return found;
}

// ---------------------------------------------------------------------------------------------
// courses.csv -> Module, ModuleInstance
// ---------------------------------------------------------------------------------------------

/** The configured start of a presentation, else the OU convention with a note. */
function startDayOf(context: FileContext, module: string, presentation: string, assumed: Set<string>): number {
  const configured = context.options.presentationStarts?.[`${module}-${presentation}`] ?? context.options.presentationStarts?.[presentation];
  if (configured !== undefined) {
    const day = dayOfDate(configured);
    if (day === null) throw new FileRejectedError(`the start date configured for ${presentation} (${configured}) is not a date (YYYY-MM-DD)`);
    return day;
  }
  const match = /^(\d{4})([A-L])$/.exec(presentation);
  if (!match) throw new RowError(`code_presentation ${shown(presentation)} has no configured start date and is not an OU code like 2013J`);
  // OU presentation codes: the letter is the start month (A = January … B = February, J = October).
  const month = match[2]!.charCodeAt(0) - 65;
  const day = Date.UTC(Number(match[1]), month, 1) / DAY_MS;
  if (!assumed.has(presentation)) {
    assumed.add(presentation);
    context.note(`${presentation}: no start date configured; assumed ${isoDateOfDay(day)} from the presentation code`);
  }
  return day;
}

async function parseCourses(context: FileContext): Promise<WriteStep> {
  const rows: { module: string; presentation: string; startDay: number; length: number | null }[] = [];
  const assumed = new Set<string>();
  const seen = new Set<string>();
  await eachRecord(context, { required: ["code_module", "code_presentation", "module_presentation_length"] }, (get) => {
    const module = text(get("code_module"), "code_module");
    const presentation = text(get("code_presentation"), "code_presentation");
    const length = int(get("module_presentation_length"), "module_presentation_length", { min: 1, max: MAX_DAYS, optional: true });
    const key = `${module}-${presentation}`;
    if (seen.has(key)) return context.duplicate();
    seen.add(key);
    rows.push({ module, presentation, startDay: startDayOf(context, module, presentation, assumed), length });
  });
  return async (tx) => {
    const before = await presentations(tx);
    let loaded = 0;
    let duplicates = 0;
    for (const row of rows) {
      await tx.query(`INSERT INTO "Module" ("code", "title") VALUES ($1, $1) ON CONFLICT ("code") DO NOTHING`, [row.module]);
      const endDay = row.length === null ? null : row.startDay + row.length;
      const old = before.get(`${row.module}-${row.presentation}`);
      if (old && old.startDay === row.startDay && old.endDay === endDay) {
        duplicates++;
        continue;
      }
      await tx.query(
        `INSERT INTO "ModuleInstance" ("moduleId", "presentationCode", "startDate", "endDate")
         SELECT "id", $2, $3, $4 FROM "Module" WHERE "code" = $1
         ON CONFLICT ("moduleId", "presentationCode") DO UPDATE SET "startDate" = excluded."startDate", "endDate" = excluded."endDate"`,
        [row.module, row.presentation, dateOfDay(row.startDay), endDay === null ? null : dateOfDay(endDay)],
      );
      loaded++;
    }
    return { loaded, duplicates };
  };
}

// ---------------------------------------------------------------------------------------------
// assessments.csv -> Assessment
// ---------------------------------------------------------------------------------------------

const ASSESSMENT_TYPES = new Set(["TMA", "CMA", "Exam"]);
const ASSESSMENT_TABLE: TableSpec = {
  table: "Assessment",
  columns: { externalId: "text", moduleInstanceId: "int", title: "text", kind: "text", dueAt: "timestamp", weight: "float" },
  key: ["externalId"],
};

async function parseAssessments(context: FileContext): Promise<WriteStep> {
  const known = await presentations(context.db.sql);
  const rows: unknown[][] = [];
  await eachRecord(context, { required: ["code_module", "code_presentation", "id_assessment", "assessment_type", "date", "weight"] }, (get) => {
    const p = presentationOf(known, text(get("code_module"), "code_module"), text(get("code_presentation"), "code_presentation"));
    const id = int(get("id_assessment"), "id_assessment", { min: 0 })!;
    const type = text(get("assessment_type"), "assessment_type");
    if (!ASSESSMENT_TYPES.has(type)) throw new RowError(`assessment_type ${shown(type)} is not one of TMA, CMA, Exam`);
    // Final exams often have no date in OULAD: "at the end of the presentation".
    const offset = dayOffset(get("date"), "date", true);
    const weight = isq(get("weight")) ? null : Number(get("weight"));
    if (weight !== null && (!Number.isFinite(weight) || weight < 0)) throw new RowError(`weight ${shown(get("weight")!)} is not a non-negative number`);
    const dueDay = offset !== null ? p.startDay + offset : p.endDay;
    rows.push([`oulad-${id}`, p.id, `${type} ${id}`, type, dueDay === null ? null : dateOfDay(dueDay), weight]);
  });
  return async (tx) => {
    await upsertRows(tx, ASSESSMENT_TABLE, rows);
    return { loaded: rows.length };
  };
}

// ---------------------------------------------------------------------------------------------
// studentInfo.csv -> Student, ModuleEnrolment (final_result)
// ---------------------------------------------------------------------------------------------

const FINAL_RESULTS = new Set(["Pass", "Fail", "Withdrawn", "Distinction"]);
const STUDENT_TABLE: TableSpec = {
  table: "Student",
  columns: { studentNumber: "text", disability: "text", createdAt: "timestamp", updatedAt: "timestamp" },
  key: ["studentNumber"],
  insertOnly: ["createdAt"],
};

async function parseStudentInfo(context: FileContext): Promise<WriteStep> {
  const known = await presentations(context.db.sql);
  const students = new Map<string, string | null>();
  const enrolments: { student: string; instanceId: number; finalResult: string | null }[] = [];
  await eachRecord(context, { required: ["code_module", "code_presentation", "id_student", "disability", "final_result"] }, (get) => {
    const p = presentationOf(known, text(get("code_module"), "code_module"), text(get("code_presentation"), "code_presentation"));
    const student = String(int(get("id_student"), "id_student", { min: 0 }));
    const disability = isq(get("disability")) ? null : get("disability")!.trim().toUpperCase();
    if (disability !== null && disability !== "Y" && disability !== "N") throw new RowError(`disability ${shown(get("disability")!.trim())} is not Y or N`);
    const finalResult = isq(get("final_result")) ? null : get("final_result")!.trim();
    if (finalResult !== null && !FINAL_RESULTS.has(finalResult))
      throw new RowError(`final_result ${shown(finalResult)} is not one of Pass, Fail, Withdrawn, Distinction`);
    // A student in several presentations appears once per presentation; the last row wins.
    students.set(student, disability);
    enrolments.push({ student, instanceId: p.id, finalResult });
  });
  return async (tx) => {
    const now = new Date();
    await upsertRows(
      tx,
      STUDENT_TABLE,
      [...students].map(([number, disability]) => [number, disability, now, now]),
    );
    const ids = await idsBy(tx, "Student", "studentNumber");
    const unique = new Map(enrolments.map((row) => [`${row.student}:${row.instanceId}`, [ids.get(row.student)!, row.instanceId, row.finalResult]]));
    await upsertRows(
      tx,
      { table: "ModuleEnrolment", columns: { studentId: "int", moduleInstanceId: "int", finalResult: "text" }, key: ["studentId", "moduleInstanceId"] },
      [...unique.values()],
    );
    return { loaded: enrolments.length };
  };
}

// ---------------------------------------------------------------------------------------------
// studentRegistration.csv -> ModuleEnrolment (registered, unregistered)
// ---------------------------------------------------------------------------------------------

async function parseRegistrations(context: FileContext): Promise<WriteStep> {
  const known = await presentations(context.db.sql);
  const ids = await idsBy(context.db.sql, "Student", "studentNumber");
  const rows: unknown[][] = [];
  await eachRecord(context, { required: ["code_module", "code_presentation", "id_student", "date_registration", "date_unregistration"] }, (get) => {
    const p = presentationOf(known, text(get("code_module"), "code_module"), text(get("code_presentation"), "code_presentation"));
    const student = studentOf(ids, String(int(get("id_student"), "id_student", { min: 0 })));
    const registered = dayOffset(get("date_registration"), "date_registration", true);
    const unregistered = dayOffset(get("date_unregistration"), "date_unregistration", true);
    if (registered !== null && unregistered !== null && unregistered < registered) {
      throw new RowError(`date_unregistration ${unregistered} is before date_registration ${registered}`);
    }
    rows.push([
      student,
      p.id,
      registered === null ? null : dateOfDay(p.startDay + registered),
      unregistered === null ? null : dateOfDay(p.startDay + unregistered),
    ]);
  });
  return async (tx) => {
    const unique = new Map(rows.map((row) => [`${row[0]}:${row[1]}`, row]));
    await upsertRows(
      tx,
      {
        table: "ModuleEnrolment",
        columns: { studentId: "int", moduleInstanceId: "int", enrolledAt: "timestamp", withdrawnAt: "timestamp" },
        key: ["studentId", "moduleInstanceId"],
      },
      [...unique.values()],
    );
    return { loaded: rows.length };
  };
}

// ---------------------------------------------------------------------------------------------
// studentAssessment.csv -> Submission, submission rollups
// ---------------------------------------------------------------------------------------------

interface SubmissionRow {
  studentId: number;
  assessmentId: number;
  instanceId: number;
  day: number;
  late: boolean;
  score: number | null;
}

async function parseStudentAssessments(context: FileContext): Promise<WriteStep> {
  const ids = await idsBy(context.db.sql, "Student", "studentNumber");
  const assessments = new Map(
    (
      await context.db.sql.query<{ id: number; externalId: string; moduleInstanceId: number; dueAt: string | Date | null; startDate: string | Date }>(
        `SELECT a."id", a."externalId", a."moduleInstanceId", a."dueAt", i."startDate" FROM "Assessment" a JOIN "ModuleInstance" i ON i."id" = a."moduleInstanceId" WHERE a."externalId" LIKE 'oulad-%'`,
      )
    ).map((row) => [
      row.externalId,
      {
        id: Number(row.id),
        instanceId: Number(row.moduleInstanceId),
        startDay: storedDay(row.startDate)!,
        dueDay: storedDay(row.dueAt),
      },
    ]),
  );
  const rows = new Map<string, SubmissionRow>();
  await eachRecord(context, { required: ["id_assessment", "id_student", "date_submitted", "is_banked", "score"] }, (get) => {
    const assessmentCode = String(int(get("id_assessment"), "id_assessment", { min: 0 }));
    const assessment = assessments.get(`oulad-${assessmentCode}`);
    if (!assessment) throw new RowError(`id_assessment ${shown(assessmentCode)} is not a known assessment (load assessments.csv first)`);
    const studentId = studentOf(ids, String(int(get("id_student"), "id_student", { min: 0 })));
    const submitted = dayOffset(get("date_submitted"), "date_submitted")!;
    const score = isq(get("score")) ? null : int(get("score"), "score", { min: 0 });
    if (score !== null && score > 100) throw new RowError(`score ${score} is above 100`);
    const day = assessment.startDay + submitted;
    const key = `${studentId}:${assessment.id}`;
    if (rows.has(key)) return context.duplicate();
    rows.set(key, {
      studentId,
      assessmentId: assessment.id,
      instanceId: assessment.instanceId,
      day,
      late: assessment.dueDay !== null && day > assessment.dueDay,
      score,
    });
  });
  return async (tx) => {
    // What stored submissions already contributed, so a re-load adds only the difference.
    const stored = new Map<string, { day: number; late: boolean; score: number | null }>();
    for (const row of await tx.query<{ studentId: number; assessmentId: number; status: string; submittedAt: string | Date | null; score: number | null }>(
      `SELECT s."studentId", s."assessmentId", s."status", s."submittedAt", s."score" FROM "Submission" s JOIN "Assessment" a ON a."id" = s."assessmentId" WHERE a."externalId" LIKE 'oulad-%'`,
    )) {
      if (row.submittedAt === null) continue;
      stored.set(`${row.studentId}:${row.assessmentId}`, {
        day: storedDay(row.submittedAt)!,
        late: row.status === "late",
        score: row.score === null ? null : Number(row.score),
      });
    }
    const deltas: RollupRow[] = [];
    const changed: unknown[][] = [];
    let loaded = 0;
    let duplicates = 0;
    for (const [key, row] of rows) {
      const old = stored.get(key);
      if (old && old.day === row.day && old.late === row.late && old.score === row.score) {
        duplicates++;
        continue;
      }
      if (old) deltas.push([row.studentId, old.day, "submission", row.instanceId, -1, 0, old.late ? -1 : 0, 0]);
      deltas.push([row.studentId, row.day, "submission", row.instanceId, 1, 0, row.late ? 1 : 0, 0]);
      changed.push([row.studentId, row.assessmentId, row.late ? "late" : "on_time", dateOfDay(row.day), row.score]);
      context.sawActivity("submission", row.day);
      loaded++;
    }
    await upsertRows(
      tx,
      {
        table: "Submission",
        columns: { studentId: "int", assessmentId: "int", status: { enum: "SubmissionStatus" }, submittedAt: "timestamp", score: "float" },
        key: ["studentId", "assessmentId"],
      },
      changed,
    );
    await mergeRollups(tx, deltas, "add");
    const submittedKeys = new Set([...stored.keys(), ...rows.keys()]);
    // A loop, not Math.max(...): 173,912 arguments overflow the stack.
    let lastSubmitted = -Infinity;
    for (const row of [...stored.values(), ...rows.values()]) if (row.day > lastSubmitted) lastSubmitted = row.day;
    await writeDueAndMissed(tx, submittedKeys, lastSubmitted);
    return { loaded, duplicates };
  };
}

/**
 * OULAD has no "due" or "missed" rows: an assessment a student was registered for when it fell due
 * and that has no studentAssessment row was missed. Written as submission rollups on the due day
 * (expected 1, missed 0 or 1), replacing what an earlier load derived, for assessments due up to
 * the last submission in the data (later ones are not yet due as far as the data knows). Exams are
 * left out: OULAD leaves most exam results out of studentAssessment, so a missing row says nothing.
 */
async function writeDueAndMissed(tx: SqlExecutor, submitted: ReadonlySet<string>, lastSubmitted: number): Promise<void> {
  const due = await tx.query<{
    studentId: number;
    assessmentId: number;
    moduleInstanceId: number;
    dueAt: string | Date;
    enrolledAt: string | Date | null;
    withdrawnAt: string | Date | null;
  }>(
    `SELECT me."studentId", a."id" AS "assessmentId", a."moduleInstanceId", a."dueAt", me."enrolledAt", me."withdrawnAt"
       FROM "Assessment" a JOIN "ModuleEnrolment" me ON me."moduleInstanceId" = a."moduleInstanceId"
      WHERE a."externalId" LIKE 'oulad-%' AND a."kind" <> 'Exam' AND a."dueAt" IS NOT NULL`,
  );
  const instances = [...new Set(due.map((row) => Number(row.moduleInstanceId)))];
  // What an earlier load derived goes first: a re-load writes the same figures, not twice them.
  for (let i = 0; i < instances.length; i += 500) {
    const chunk = instances.slice(i, i + 500);
    await tx.query(
      `UPDATE "EngagementDaily" SET "expected" = 0, "missed" = 0
        WHERE "source" = 'submission'${enumCast(tx, "EngagementSource")} AND "moduleInstanceKey" IN (${chunk.map((_, j) => `$${j + 1}`).join(", ")})`,
      chunk,
    );
  }
  const byDay = new Map<string, RollupRow>();
  for (const row of due) {
    const dueDay = storedDay(row.dueAt)!;
    if (dueDay > lastSubmitted) continue;
    const enrolled = storedDay(row.enrolledAt);
    const withdrawn = storedDay(row.withdrawnAt);
    if ((enrolled !== null && enrolled > dueDay) || (withdrawn !== null && withdrawn <= dueDay)) continue;
    const studentId = Number(row.studentId);
    const instanceId = Number(row.moduleInstanceId);
    const key = `${studentId}:${dueDay}:${instanceId}`;
    const rollup = byDay.get(key) ?? ([studentId, dueDay, "submission", instanceId, 0, 0, 0, 0] as RollupRow);
    rollup[5] += 1;
    if (!submitted.has(`${studentId}:${Number(row.assessmentId)}`)) rollup[7] += 1;
    byDay.set(key, rollup);
  }
  await mergeRollups(tx, byDay.values(), "add");
}

// ---------------------------------------------------------------------------------------------
// studentVle.csv -> EngagementDaily (vle), one row per student, presentation and day
// ---------------------------------------------------------------------------------------------

// Keys pack (presentation ordinal, student id, day offset) into one safe integer, ordered as the
// EngagementDaily primary key is within a presentation (student, then day).
const STUDENT_SPAN = 2 ** 26;
const OFFSET_SPAN = 2 ** 12;
const OFFSET_BIAS = MAX_DAYS;
/** Beyond this, a day's clicks on one site are a broken export (and would overflow the totals). */
const MAX_CLICKS = 100_000;

async function parseStudentVle(context: FileContext): Promise<WriteStep> {
  const known = await presentations(context.db.sql);
  const ids = await idsBy(context.db.sql, "Student", "studentNumber");
  const ordinals = new Map<string, number>();
  const byOrdinal: Presentation[] = [];
  const labels: string[] = [];
  for (const [key, presentation] of known) {
    ordinals.set(key, byOrdinal.length);
    byOrdinal.push(presentation);
    labels.push(key);
  }
  const totals = new DailyTotals();
  const file = await openDelimited(context.path);
  await file.close();
  const c = columnIndexes(file.header, ["code_module", "code_presentation", "id_student", "id_site", "date", "sum_click"]);
  const width = file.header.length;
  let lastModule = "";
  let lastPresentation = "";
  let ordinal = -1;
  let read = 0;
  /** The full check of one row, with a message for anything wrong. */
  const checkRow = (fields: string[], line: number): void => {
    if (fields.length !== width) {
      const problem = fieldCountProblem(fields, file.header, file.delimiter);
      if (problem) return context.reject(line, problem);
    }
    for (const [name, at] of Object.entries(c)) {
      const unfit = controlCharacterProblem(fields[at]!, name);
      if (unfit) return context.reject(line, unfit);
    }
    const module = fields[c.code_module]!;
    const presentation = fields[c.code_presentation]!;
    // Rows come grouped by presentation, so the lookup is cached.
    if (module !== lastModule || presentation !== lastPresentation) {
      lastModule = module;
      lastPresentation = presentation;
      ordinal = ordinals.get(`${module.trim()}-${presentation.trim()}`) ?? -1;
    }
    if (ordinal === -1) {
      if (isq(module)) return context.reject(line, "code_module is missing");
      if (isq(presentation)) return context.reject(line, "code_presentation is missing");
      return context.reject(
        line,
        `code_module-code_presentation ${shown(`${module}-${presentation}`)} is not a known module presentation (load courses.csv first)`,
      );
    }
    const studentText = fields[c.id_student]!;
    const studentId = ids.get(studentText);
    if (studentId === undefined) {
      if (isq(studentText)) return context.reject(line, "id_student is missing");
      return context.reject(line, `id_student ${shown(studentText)} is not a known student (load studentInfo.csv first)`);
    }
    const siteText = fields[c.id_site]!;
    if (isq(siteText) || !isWhole(siteText))
      return context.reject(line, isq(siteText) ? "id_site is missing" : `id_site ${shown(siteText)} is not a whole number`);
    const dateText = fields[c.date]!;
    const offset = Number(dateText);
    if (isq(dateText) || !isWhole(dateText))
      return context.reject(line, isq(dateText) ? "date is missing" : `date ${shown(dateText)} is not a whole number of days`);
    if (offset < -OFFSET_BIAS || offset >= OFFSET_BIAS)
      return context.reject(line, `date ${offset} is more than ${OFFSET_BIAS} days from the presentation start`);
    const clickText = fields[c.sum_click]!;
    const clicks = Number(clickText);
    if (isq(clickText) || !isWhole(clickText))
      return context.reject(line, isq(clickText) ? "sum_click is missing" : `sum_click ${shown(clickText)} is not a whole number`);
    if (clicks < 0) return context.reject(line, `sum_click ${shown(clickText)} is negative`);
    if (clicks > MAX_CLICKS) return context.reject(line, `sum_click ${shown(clickText)} is more than ${MAX_CLICKS} clicks on one site in a day`);
    const key = (ordinal * STUDENT_SPAN + studentId) * OFFSET_SPAN + offset + OFFSET_BIAS;
    // Repeated (student, site, date) rows, and several sites a day, add up.
    totals.add(key, clicks);
  };

  const fast = vleFastPath(file.header, file.delimiter, ids);
  await scanRawLines(
    context.path,
    file.headerLine,
    (bytes, start, end, line) => {
      read++;
      // The fast path reads a well-formed row straight from the bytes; anything it does not
      // fully understand (quotes in odd places, missing values, unknown codes) gets the full check.
      const cached = ordinal === -1 ? null : { module: lastModule, presentation: lastPresentation };
      if (cached && fast.read(bytes, start, end, cached)) {
        totals.add((ordinal * STUDENT_SPAN + fast.studentId) * OFFSET_SPAN + fast.offset + OFFSET_BIAS, fast.clicks);
        return;
      }
      checkRow(splitDelimitedLine(bytes.toString("utf8", start, end), file.delimiter), line);
    },
    (bytes, start, _end, line, at) => {
      read++;
      context.reject(line, notUtf8Message(file.header, file.delimiter, bytes.toString("utf8", start, start + at), bytes[start + at]!));
    },
    (bytes) => context.progress(bytes),
  );
  context.read(read);

  const keys = totals.sortedKeys();
  if (!context.options.replaceSmaller) await refuseTruncated(context, keys, byOrdinal, labels);
  let latestDay = -Infinity;
  const rollupRows = function* (): Generator<RollupRow> {
    const row: RollupRow = [0, 0, "vle", 0, 0, 0, 0, 0];
    for (const key of keys) {
      const rest = Math.floor(key / OFFSET_SPAN);
      const presentation = byOrdinal[Math.floor(rest / STUDENT_SPAN)]!;
      row[0] = rest % STUDENT_SPAN;
      row[1] = presentation.startDay + (key % OFFSET_SPAN) - OFFSET_BIAS;
      row[3] = presentation.id;
      if (row[1] > latestDay) latestDay = row[1];
      row[4] = totals.get(key)!.sum;
      // The same array is handed out each time: the driver copies the values before the next row.
      yield row;
    }
  };

  return async (tx) => {
    const { duplicates, anyStored } = await unchangedRows(tx, totals, byOrdinal);
    await mergeRollups(tx, rollupRows(), "replace", { noStoredKeys: !anyStored, expectedRows: keys.length });
    if (keys.length) context.sawActivity("vle", latestDay);
    return { loaded: totals.totalRows() - duplicates, duplicates };
  };
}

/** Below this share of the stored daily rows of a presentation, a snapshot is taken for cut short. */
const TRUNCATED_SHARE = 0.5;
/** Presentations with fewer stored rows than this are too small to judge. */
const TRUNCATED_MIN_STORED = 20;

/**
 * A studentVle snapshot replaces what is stored for each presentation it holds. One with far fewer
 * daily rows than the data it replaces is almost always a truncated export (a spreadsheet's
 * 1,048,575-row limit, a copy cut short): refused, naming the file and the counts, unless the
 * operator says it is right (--replace).
 */
async function refuseTruncated(context: FileContext, keys: ArrayLike<number>, byOrdinal: Presentation[], labels: readonly string[]): Promise<void> {
  const incoming = new Map<number, number>();
  for (let i = 0; i < keys.length; i++) {
    const ordinal = Math.floor(Math.floor(keys[i]! / OFFSET_SPAN) / STUDENT_SPAN);
    incoming.set(ordinal, (incoming.get(ordinal) ?? 0) + 1);
  }
  const ids = [...incoming.keys()].map((ordinal) => byOrdinal[ordinal]!.id);
  if (ids.length === 0) return;
  const stored = new Map(
    (
      await context.db.sql.query<{ id: number; n: number | string }>(
        `SELECT "moduleInstanceKey" AS "id", COUNT(*) AS "n" FROM "EngagementDaily"
          WHERE "source" = 'vle'${enumCast(context.db.sql, "EngagementSource")} AND "moduleInstanceKey" IN (${ids.map((_, i) => `$${i + 1}`).join(", ")})
          GROUP BY "moduleInstanceKey"`,
        ids,
      )
    ).map((row) => [Number(row.id), Number(row.n)]),
  );
  const shrunk: string[] = [];
  for (const [ordinal, rows] of incoming) {
    const presentation = byOrdinal[ordinal]!;
    const before = stored.get(presentation.id) ?? 0;
    if (before >= TRUNCATED_MIN_STORED && rows < before * TRUNCATED_SHARE)
      shrunk.push(`${labels[ordinal]}: ${rows.toLocaleString("en-GB")} daily rows where ${before.toLocaleString("en-GB")} are stored`);
  }
  if (shrunk.length === 0) return;
  throw new FileRejectedError(
    `${context.file} is much smaller than the data it would replace (${shrunk.join("; ")}), so it looks cut short and nothing was loaded. ` +
      "If it is right, load it again with --replace.",
  );
}

/**
 * Input rows whose (student, presentation, day) already held the same clicks: an overlapping
 * later export. Only presentations present in the file are read back.
 */
async function unchangedRows(tx: SqlExecutor, totals: DailyTotals, byOrdinal: Presentation[]): Promise<{ duplicates: number; anyStored: boolean }> {
  let unchanged = 0;
  let anyStored = false;
  for (let ordinal = 0; ordinal < byOrdinal.length; ordinal++) {
    const presentation = byOrdinal[ordinal]!;
    const [any] = await tx.query<{ n: number }>(
      `SELECT 1 AS n FROM "EngagementDaily" WHERE "source" = 'vle'${enumCast(tx, "EngagementSource")} AND "moduleInstanceKey" = $1 LIMIT 1`,
      [presentation.id],
    );
    if (!any) continue;
    anyStored = true;
    const stored = await tx.query<{ studentId: number; day: number; count: number }>(
      `SELECT "studentId", "day", "count" FROM "EngagementDaily" WHERE "source" = 'vle'${enumCast(tx, "EngagementSource")} AND "moduleInstanceKey" = $1`,
      [presentation.id],
    );
    for (const row of stored) {
      const offset = Number(row.day) - presentation.startDay;
      const found = totals.get((ordinal * STUDENT_SPAN + Number(row.studentId)) * OFFSET_SPAN + offset + OFFSET_BIAS);
      if (found !== undefined && found.sum === Number(row.count)) unchanged += found.rows;
    }
  }
  return { duplicates: unchanged, anyStored };
}

/**
 * Reads a well-formed studentVle row from its bytes without making strings: the module and
 * presentation must equal the previous row's (files are grouped by presentation), the student a
 * known numeric id, and the numbers plain integers in range. Returns false for anything else,
 * and the caller runs the full check, which has the error messages.
 */
function vleFastPath(header: readonly string[], delimiter: string, ids: Map<string, number>) {
  const order = ["code_module", "code_presentation", "id_student", "id_site", "date", "sum_click"];
  const inOrder = header.length === 6 && header.every((name, i) => name === order[i]);
  const separator = delimiter.charCodeAt(0);
  const numericIds = new Map<number, number>();
  for (const [number, id] of ids) if (/^[1-9]\d{0,14}$/.test(number)) numericIds.set(Number(number), id);
  const bounds = new Int32Array(12);
  const state = {
    studentId: 0,
    offset: 0,
    clicks: 0,
    read(bytes: Buffer, start: number, end: number, previous: { module: string; presentation: string }): boolean {
      if (!inOrder) return false;
      let field = 0;
      let from = start;
      for (let i = start; i <= end; i++) {
        if (i === end || bytes[i] === separator) {
          if (field === 6) return false;
          // Whole-field quotes are dropped; any other quote goes to the full check.
          let a = from;
          let b = i;
          if (b - a >= 2 && bytes[a] === 34 && bytes[b - 1] === 34) {
            a++;
            b--;
          }
          bounds[field * 2] = a;
          bounds[field * 2 + 1] = b;
          field++;
          from = i + 1;
        } else if (bytes[i] === 34 && field >= 2) return false;
      }
      if (field !== 6) return false;
      if (!sameText(bytes, bounds[0]!, bounds[1]!, previous.module) || !sameText(bytes, bounds[2]!, bounds[3]!, previous.presentation)) return false;
      const student = digits(bytes, bounds[4]!, bounds[5]!, false);
      const site = digits(bytes, bounds[6]!, bounds[7]!, false);
      const offset = digits(bytes, bounds[8]!, bounds[9]!, true);
      const clicks = digits(bytes, bounds[10]!, bounds[11]!, false);
      if (student < 0 || site < 0 || Number.isNaN(offset) || clicks < 0 || clicks > MAX_CLICKS) return false;
      if (offset < -OFFSET_BIAS || offset >= OFFSET_BIAS) return false;
      const studentId = numericIds.get(student);
      if (studentId === undefined) return false;
      state.studentId = studentId;
      state.offset = offset;
      state.clicks = clicks;
      return true;
    },
  };
  return state;
}

function sameText(bytes: Buffer, start: number, end: number, text: string): boolean {
  if (end - start !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[start + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** A plain decimal integer (optionally negative), or -1 / NaN when the bytes are anything else. */
function digits(bytes: Buffer, start: number, end: number, signed: boolean): number {
  let i = start;
  let negative = false;
  if (signed && i < end && bytes[i] === 45) {
    negative = true;
    i++;
  }
  if (i === end || end - i > 15) return signed ? Number.NaN : -1;
  let value = 0;
  for (; i < end; i++) {
    const digit = bytes[i]! - 48;
    if (digit < 0 || digit > 9) return signed ? Number.NaN : -1;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

// ---------------------------------------------------------------------------------------------

const PARSERS: Record<Entity, (context: FileContext) => Promise<WriteStep>> = {
  courses: parseCourses,
  assessments: parseAssessments,
  studentInfo: parseStudentInfo,
  studentRegistration: parseRegistrations,
  studentAssessment: parseStudentAssessments,
  studentVle: parseStudentVle,
};

export const ouladFormat: FeedFormat = {
  name: "oulad",
  description: "Open University Learning Analytics Dataset: courses, assessments, studentInfo, studentRegistration, studentAssessment, studentVle (.csv)",
  plan(paths): DirectoryPlan {
    const plan: DirectoryPlan = { files: [], skipped: [] };
    for (const path of paths) {
      const name = entityName(path);
      if ((ENTITIES as readonly string[]).includes(name)) plan.files.push({ path, entity: name });
      else plan.skipped.push({ path, reason: NOT_NEEDED[name] ?? `not an OULAD file (expected one of ${ENTITIES.join(", ")}, vle)` });
    }
    plan.files.sort((a, b) => ENTITIES.indexOf(a.entity as Entity) - ENTITIES.indexOf(b.entity as Entity));
    return plan;
  },
  entityOf(path) {
    const name = entityName(path);
    if ((ENTITIES as readonly string[]).includes(name)) return { entity: name };
    return { error: NOT_NEEDED[name] ?? `${basename(path)} is not an OULAD file: the name must be one of ${ENTITIES.map((e) => `${e}.csv`).join(", ")}` };
  },
  parse(context) {
    return PARSERS[context.entity as Entity](context);
  },
};
