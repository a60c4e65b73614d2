/**
 * Jisc Unified Data Definitions (UDD v1.6): the student-record entities a university exports for
 * learning analytics, one TSV (preferred) or CSV file per entity, UDD's upper-case field names.
 *
 * Files are named after the entity (`student_on_a_module_instance.tsv`) or its API endpoint as
 * the UDD filename conventions list them (`studentmoduleinstance.tsv`). Loading is an upsert:
 * the same rows again change nothing and count as duplicates; a changed row updates. A blank
 * value means "not supplied" (UDD: omit the property) and leaves what is stored.
 *
 * Kept (data minimisation): names, contact details and photo, ETHNICITY and DIFFLEARN1 codes
 * (SPECIAL CATEGORY, POLICY P8), programme and module structure, enrolments, timetabled events,
 * attendance marks, assessments and submissions with marks (OUTCOME). Everything else UDD carries
 * (DOB, SEXID, addresses, entry qualifications, grades, predictions …) is read past, not stored.
 * Where UDD leaves something Nudge needs to the xAPI feed or has no field for it, docs/operators/loading-data.md's
 * UDD section says what is assumed (module dates, attendance marks, year of study).
 */
import { enumCast, type SqlExecutor } from "../prisma/index.ts";
import {
  codeField,
  dateField,
  dateOfDay,
  dateTimeField,
  dayOfDate,
  integerField,
  isoDateOfDay,
  localDayOf,
  numberField,
  optional,
  optionalDateField,
  required,
  RowError,
  shown,
} from "./fields.ts";
import {
  E164,
  type EntityNames,
  RowsByKey,
  type TableSpec,
  clock,
  eachRecord,
  emailField,
  entityOfFile,
  idsBy,
  planFiles,
  referenced,
  selectIn,
  storedDay,
  storedTime,
  upsertRows,
} from "./records.ts";
import { mergeRollups, type RollupRow } from "./rollups.ts";
import type { FeedFormat, FileContext, WriteStep } from "./types.ts";

/** The stored value when the file leaves a field blank (UDD: an omitted property is "not supplied"). */
const keep = <T>(value: T | null, stored: T | null | undefined): T | null => value ?? stored ?? null;

// =============================================================================================
// UDD code lists (udd/udd_codelists_en.json), only for the fields Nudge stores or derives from
// =============================================================================================

const codes = (list: string) => new Map(list.split(" ").map((code) => [code, code]));
const ETHNICITY = codes("10 13 14 15 19 21 22 29 31 32 33 34 39 41 42 43 49 50 51 80 90 98");
const DIFFLEARN = codes("1 2 3 4 5 6 7");
const WITHDRAWAL_REASON = codes("2 3 5 7 10 12 28 29 40 41 42 43 44 45 46 47 97 98 99");
const COURSE_OUTCOME = codes("1 2 3 4 5 6 7 8 9 10 11 12 98 99");
const COURSE_AIM = codes(
  "C20 C30 C41 C42 C43 C77 C78 C80 C90 C99 D00 D01 D90 E00 E40 E43 E90 H00 H11 H12 H16 H18 H22 H23 H41 H42 H43 H50 H60 H61 H62 H70 " +
    "H71 H72 H76 H78 H79 H80 H81 H88 H90 H91 H99 I00 I11 I12 I16 I60 I61 I70 I71 I72 I73 I74 I76 I79 I80 I81 I90 I91 I99 J10 J16 J20 " +
    "J26 J30 J41 J42 J43 J45 J76 J80 J90 J99 L00 L80 L90 L91 L99 M00 M01 M02 M10 M11 M16 M22 M26 M28 M40 M41 M42 M43 M44 M45 M50 M70 " +
    "M71 M72 M73 M76 M78 M79 M80 M86 M88 M90 M91 M99 P41 P42 P43 P45 P50 P55 P56 P70 P77 P78 P80 P85 P90 Q41 Q42 Q43 Q45 Q50 Q56 Q57 " +
    "Q70 Q80 Q90 R42 R43 R45 R50 R56 R57 R70 R80 R90 S42 S57 S80 S90 X00 X01 X41 X42 X43 X44 X45 X46 X98 X99 Z99",
);
const ACTIVE_MEMBERSHIP = new Map([
  ["1", true],
  ["2", false],
]);
const MOD_RESULT = new Map<string, string | null>([
  ["1", "Pass"],
  ["2", "Fail"],
  ["3", null],
]);
const EVENT_TYPE = new Map(
  Object.entries({
    10: "dissertation",
    11: "field_trip",
    12: "assessment",
    13: "lecture",
    14: "meeting",
    15: "practical",
    16: "laboratory",
    17: "seminar",
    18: "tutorial",
    19: "workshop",
    20: "study_skills",
    21: "other",
  }),
);
const ASSESS_TYPE = new Map(
  Object.entries({ 1: "coursework", 2: "exam", 3: "group_work", 4: "oral_exam", 5: "practical", 6: "presentation", 7: "project", 98: "other" }),
);
/** Programme.level from the first letter of the HESA course aim; FE and other aims have none. */
const LEVEL_OF_AIM: Record<string, string> = { D: "PGR", L: "PGR", E: "PGT", M: "PGT", H: "UG", I: "UG", J: "UG", C: "UG" };

/** A UDD coded value, or null when blank; numeric codes match with or without leading zeros. */
function uddCode<T>(value: string | undefined, field: string, list: ReadonlyMap<string, T>): T | null {
  const text = optional(value);
  if (text === null) return null;
  return codeField(/^\d+$/.test(text) ? String(Number(text)) : text, field, list, `UDD ${field}`);
}

// =============================================================================================
// Engagement rollups: what a stored attendance mark or submission contributes to EngagementDaily
// =============================================================================================

type Mark = "present" | "late" | "absent" | "authorised_absence";
type SubmissionStatus = "pending" | "on_time" | "late" | "missing" | "extension";

/** Where an event's attendance counts: its local day and module instance (0 for none). */
interface EventPlace {
  day: number;
  key: number;
}

/** count = attended (present + late), expected = timetabled, late, missed = unauthorised absence. */
function attendanceRollup(studentId: number, mark: Mark, at: EventPlace, sign: 1 | -1): RollupRow {
  const attended = mark === "present" || mark === "late" ? sign : 0;
  return [studentId, at.day, "attendance", at.key, attended, sign, mark === "late" ? sign : 0, mark === "absent" ? sign : 0];
}

interface AssessmentPlace {
  dueDay: number | null;
  key: number;
}

/** On the due day expected (+ missed when missing); on the submitted day count (+ late). */
function submissionRollups(studentId: number, status: SubmissionStatus, submittedDay: number | null, at: AssessmentPlace, sign: 1 | -1): RollupRow[] {
  if (status === "pending" || status === "extension") return [];
  const rows: RollupRow[] = [];
  if (at.dueDay !== null) rows.push([studentId, at.dueDay, "submission", at.key, 0, sign, 0, status === "missing" ? sign : 0]);
  if (submittedDay !== null) rows.push([studentId, submittedDay, "submission", at.key, sign, 0, status === "late" ? sign : 0, 0]);
  return rows;
}

// =============================================================================================
// student -> Student
// =============================================================================================

interface StudentRow {
  number: string;
  givenName: string | null;
  familyName: string | null;
  email: string | null;
  mobile: string | null;
  photoUrl: string | null;
  ethnicity: string | null;
  disability: string | null;
}

/** UDD allows any phone text; SMS needs E.164, so separators go and UK national numbers get +44. */
function mobilePhone(value: string | undefined, field: string): string | null {
  const text = optional(value);
  if (text === null) return null;
  let number = text.replace("(0)", "").replace(/[\s().-]/g, "");
  if (number.startsWith("00")) number = `+${number.slice(2)}`;
  else if (/^0\d{10}$/.test(number)) number = `+44${number.slice(1)}`;
  if (!E164.test(number)) throw new RowError(`${field} ${shown(text)} is not a phone number (E.164 like +447700900123, or UK like 07700 900123)`);
  return number;
}

function photoUrl(value: string | undefined, field: string): string | null {
  const text = optional(value);
  if (text !== null && !/^https?:\/\/[^\s/]+\/\S*$/i.test(text)) throw new RowError(`${field} ${shown(text)} is not an http(s) URL`);
  return text;
}

const STUDENT_TABLE: TableSpec = {
  table: "Student",
  columns: {
    studentNumber: "text",
    givenName: "text",
    familyName: "text",
    email: "text",
    mobile: "text",
    photoUrl: "text",
    ethnicity: "text",
    disability: "text",
    createdAt: "timestamp",
    updatedAt: "timestamp",
  },
  key: ["studentNumber"],
  insertOnly: ["createdAt"],
};

async function parseStudents(context: FileContext): Promise<WriteStep> {
  const rows = new RowsByKey<StudentRow>(context);
  const columns = ["FIRST_NAME", "LAST_NAME", "PRIMARY_EMAIL_ADDRESS", "MOBILE_PHONE", "PHOTO_URL", "ETHNICITY", "DIFFLEARN1"];
  await eachRecord(context, { required: ["STUDENT_ID"], optional: columns }, (get, line) => {
    const number = required(get("STUDENT_ID"), "STUDENT_ID");
    const row: StudentRow = {
      number,
      givenName: optional(get("FIRST_NAME")),
      familyName: optional(get("LAST_NAME")),
      email: emailField(get("PRIMARY_EMAIL_ADDRESS"), "PRIMARY_EMAIL_ADDRESS"),
      mobile: mobilePhone(get("MOBILE_PHONE"), "MOBILE_PHONE"),
      photoUrl: photoUrl(get("PHOTO_URL"), "PHOTO_URL"),
      ethnicity: uddCode(get("ETHNICITY"), "ETHNICITY", ETHNICITY),
      disability: uddCode(get("DIFFLEARN1"), "DIFFLEARN1", DIFFLEARN),
    };
    rows.add(number, `STUDENT_ID ${shown(number)}`, row, line);
  });
  const { now } = clock(context);
  return async (tx) => {
    const stored = new Map(
      (
        await tx.query<StudentRow & { studentNumber: string }>(
          `SELECT "studentNumber", "givenName", "familyName", "email", "mobile", "photoUrl", "ethnicity", "disability" FROM "Student"`,
        )
      ).map((row) => [row.studentNumber, row]),
    );
    const changed: unknown[][] = [];
    let duplicates = 0;
    for (const row of rows.values()) {
      const old = stored.get(row.number);
      const merged = [row.givenName, row.familyName, row.email, row.mobile, row.photoUrl, row.ethnicity, row.disability].map((value, k) =>
        keep(value, old ? [old.givenName, old.familyName, old.email, old.mobile, old.photoUrl, old.ethnicity, old.disability][k] : null),
      );
      if (
        old &&
        JSON.stringify(merged) === JSON.stringify([old.givenName, old.familyName, old.email, old.mobile, old.photoUrl, old.ethnicity, old.disability])
      ) {
        duplicates++;
        continue;
      }
      changed.push([row.number, ...merged, now, now]);
    }
    await upsertRows(tx, STUDENT_TABLE, changed);
    return { loaded: changed.length, duplicates };
  };
}

// =============================================================================================
// course -> Programme
// =============================================================================================

interface ProgrammeRow {
  code: string;
  title: string | null;
  school: string | null;
  level: string | null;
}

const PROGRAMME_TABLE: TableSpec = { table: "Programme", columns: { code: "text", title: "text", school: "text", level: "text" }, key: ["code"] };

async function parseCourses(context: FileContext): Promise<WriteStep> {
  const rows = new RowsByKey<ProgrammeRow>(context);
  await eachRecord(context, { required: ["COURSE_ID"], optional: ["TITLE", "INST_TIER_1", "COURSE_AIM"] }, (get, line) => {
    const code = required(get("COURSE_ID"), "COURSE_ID");
    const aim = uddCode(get("COURSE_AIM"), "COURSE_AIM", COURSE_AIM);
    const row = { code, title: optional(get("TITLE")), school: optional(get("INST_TIER_1")), level: aim === null ? null : (LEVEL_OF_AIM[aim[0]!] ?? null) };
    rows.add(code, `COURSE_ID ${shown(code)}`, row, line);
  });
  return async (tx) => {
    const stored = new Map((await tx.query<ProgrammeRow>(`SELECT "code", "title", "school", "level" FROM "Programme"`)).map((row) => [row.code, row]));
    const changed: unknown[][] = [];
    for (const row of rows.values()) {
      const old = stored.get(row.code);
      // A programme created from a membership before course.tsv arrived has its code as title.
      const next = [row.code, keep(row.title, old?.title) ?? row.code, keep(row.school, old?.school), keep(row.level, old?.level)];
      if (!old || JSON.stringify(next) !== JSON.stringify([old.code, old.title, old.school, old.level])) changed.push(next);
    }
    await upsertRows(tx, PROGRAMME_TABLE, changed);
    return { loaded: changed.length, duplicates: rows.values().length - changed.length };
  };
}

// =============================================================================================
// module -> Module
// =============================================================================================

interface ModuleRow {
  code: string;
  title: string | null;
  credits: number | null;
}

const MODULE_TABLE: TableSpec = { table: "Module", columns: { code: "text", title: "text", credits: "int" }, key: ["code"] };

async function parseModules(context: FileContext): Promise<WriteStep> {
  const rows = new RowsByKey<ModuleRow>(context);
  await eachRecord(context, { required: ["MOD_ID"], optional: ["MOD_NAME", "MOD_CREDITS"] }, (get, line) => {
    const code = required(get("MOD_ID"), "MOD_ID");
    const credits = optional(get("MOD_CREDITS")) === null ? null : integerField(get("MOD_CREDITS"), "MOD_CREDITS", { min: 0, max: 1000 });
    rows.add(code, `MOD_ID ${shown(code)}`, { code, title: optional(get("MOD_NAME")), credits }, line);
  });
  return async (tx) => {
    const stored = new Map((await tx.query<ModuleRow>(`SELECT "code", "title", "credits" FROM "Module"`)).map((row) => [row.code, row]));
    const changed: unknown[][] = [];
    for (const row of rows.values()) {
      const old = stored.get(row.code);
      const next = [row.code, keep(row.title, old?.title) ?? row.code, keep(row.credits, old?.credits)];
      if (!old || JSON.stringify(next) !== JSON.stringify([old.code, old.title, old.credits])) changed.push(next);
    }
    await upsertRows(tx, MODULE_TABLE, changed);
    return { loaded: changed.length, duplicates: rows.values().length - changed.length };
  };
}

// =============================================================================================
// module_instance -> ModuleInstance (MOD_INSTANCE_ID is kept as the presentation code)
// =============================================================================================

/** Module instances by MOD_INSTANCE_ID; -1 marks a code several modules use (OULAD's "2013J"). */
async function moduleInstanceIds(sql: SqlExecutor): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const row of await sql.query<{ id: number; presentationCode: string }>(`SELECT "id", "presentationCode" FROM "ModuleInstance"`)) {
    ids.set(row.presentationCode, ids.has(row.presentationCode) ? -1 : Number(row.id));
  }
  return ids;
}

function moduleInstanceOf(ids: ReadonlyMap<string, number>, value: string | undefined, field = "MOD_INSTANCE_ID"): number {
  const id = referenced(ids, value, field, "module instance", "module_instance.tsv");
  if (id === -1) throw new RowError(`${field} ${shown(value!.trim())} names module instances of several modules`);
  return id;
}

/** UK academic year bounds (1 August to 31 July): UDD module_instance carries no dates. */
function academicYearDays(year: number): { start: number; end: number } {
  return { start: dayOfDate(`${year}-08-01`)!, end: dayOfDate(`${year + 1}-07-31`)! };
}

function academicYearOf(day: number): number {
  const date = dateOfDay(day);
  return date.getUTCMonth() >= 7 ? date.getUTCFullYear() : date.getUTCFullYear() - 1;
}

interface InstanceRow {
  code: string;
  moduleId: number;
  startDay: number;
  endDay: number;
}

async function parseModuleInstances(context: FileContext): Promise<WriteStep> {
  const modules = await idsBy(context.db.sql, "Module", "code");
  const rows = new RowsByKey<InstanceRow>(context);
  await eachRecord(context, { required: ["MOD_INSTANCE_ID", "MOD_ID", "MOD_ACADEMIC_YEAR"] }, (get, line) => {
    const code = required(get("MOD_INSTANCE_ID"), "MOD_INSTANCE_ID");
    const moduleId = referenced(modules, get("MOD_ID"), "MOD_ID", "module", "module.tsv");
    const year = academicYearDays(integerField(get("MOD_ACADEMIC_YEAR"), "MOD_ACADEMIC_YEAR", { min: 1900, max: 2200 }));
    rows.add(code, `MOD_INSTANCE_ID ${shown(code)}`, { code, moduleId, startDay: year.start, endDay: year.end }, line);
  });
  context.note("module instance dates are the UK academic year of MOD_ACADEMIC_YEAR (1 August to 31 July): UDD module_instance has no dates");
  return async (tx) => {
    const stored = new Map<string, { id: number; moduleId: number; startDay: number | null; endDay: number | null }>();
    for (const row of await tx.query<{ id: number; moduleId: number; presentationCode: string; startDate: string; endDate: string | null }>(
      `SELECT "id", "moduleId", "presentationCode", "startDate", "endDate" FROM "ModuleInstance"`,
    )) {
      stored.set(row.presentationCode, {
        id: Number(row.id),
        moduleId: Number(row.moduleId),
        startDay: storedDay(row.startDate),
        endDay: storedDay(row.endDate),
      });
    }
    const inserted: unknown[][] = [];
    let loaded = 0;
    for (const row of rows.values()) {
      const old = stored.get(row.code);
      if (old && old.moduleId === row.moduleId && old.startDay === row.startDay && old.endDay === row.endDay) continue;
      loaded++;
      if (!old) inserted.push([row.moduleId, row.code, dateOfDay(row.startDay), dateOfDay(row.endDay)]);
      // A corrected MOD_ID moves the instance (and what refers to it) rather than adding one.
      else
        await tx.query(`UPDATE "ModuleInstance" SET "moduleId" = $2, "startDate" = $3, "endDate" = $4 WHERE "id" = $1`, [
          old.id,
          row.moduleId,
          dateOfDay(row.startDay),
          dateOfDay(row.endDay),
        ]);
    }
    await upsertRows(
      tx,
      {
        table: "ModuleInstance",
        columns: { moduleId: "int", presentationCode: "text", startDate: "timestamp", endDate: "timestamp" },
        key: ["moduleId", "presentationCode"],
      },
      inserted,
    );
    return { loaded, duplicates: rows.values().length - loaded };
  };
}

// =============================================================================================
// staff -> Staff
// =============================================================================================

interface StaffRow {
  number: string;
  displayName: string | null;
  email: string | null;
}

async function parseStaff(context: FileContext): Promise<WriteStep> {
  const rows = new RowsByKey<StaffRow>(context);
  await eachRecord(context, { required: ["STAFF_ID"], optional: ["TITLE", "FIRST_NAME", "LAST_NAME", "PRIMARY_EMAIL_ADDRESS"] }, (get, line) => {
    const number = required(get("STAFF_ID"), "STAFF_ID");
    const name = [get("TITLE"), get("FIRST_NAME"), get("LAST_NAME")]
      .map((part) => optional(part))
      .filter((part) => part !== null)
      .join(" ");
    rows.add(
      number,
      `STAFF_ID ${shown(number)}`,
      { number, displayName: name || null, email: emailField(get("PRIMARY_EMAIL_ADDRESS"), "PRIMARY_EMAIL_ADDRESS") },
      line,
    );
  });
  const { now } = clock(context);
  return async (tx) => {
    const stored = new Map(
      (await tx.query<{ staffNumber: string; displayName: string; email: string | null }>(`SELECT "staffNumber", "displayName", "email" FROM "Staff"`)).map(
        (row) => [row.staffNumber, row],
      ),
    );
    const changed: unknown[][] = [];
    for (const row of rows.values()) {
      const old = stored.get(row.number);
      const displayName = keep(row.displayName, old?.displayName) ?? row.number;
      const email = keep(row.email, old?.email);
      if (old && old.displayName === displayName && old.email === email) continue;
      changed.push([row.number, displayName, email, now, now]);
    }
    await upsertRows(
      tx,
      {
        table: "Staff",
        columns: { staffNumber: "text", displayName: "text", email: "text", createdAt: "timestamp", updatedAt: "timestamp" },
        key: ["staffNumber"],
        insertOnly: ["createdAt"],
      },
      changed,
    );
    return { loaded: changed.length, duplicates: rows.values().length - changed.length };
  };
}

// =============================================================================================
// staff_link (SCOPE NUDGE, RELATIONSHIP personal_tutor, PROPERTY_NAME STUDENT_ID) -> TutorAssignment
// =============================================================================================

const NUDGE_SCOPE = "NUDGE";
const RELATIONSHIPS = new Map([["PERSONAL_TUTOR", "personal_tutor"]]);

interface TutorLink {
  studentId: number;
  staffId: number;
  startDay: number;
}

async function parseStaffLinks(context: FileContext): Promise<WriteStep> {
  const students = await idsBy(context.db.sql, "Student", "studentNumber");
  const staff = await idsBy(context.db.sql, "Staff", "staffNumber");
  const { timezone, today } = clock(context);
  const rows = new RowsByKey<TutorLink>(context);
  let otherScopes = 0;
  await eachRecord(context, { required: ["STAFF_ID", "PROPERTY_NAME", "PROPERTY_VALUE", "RELATIONSHIP", "SCOPE"], optional: ["PROVIDED_AT"] }, (get, line) => {
    // UDD: a RELATIONSHIP means something only to the application its SCOPE names.
    if (required(get("SCOPE"), "SCOPE").toUpperCase() !== NUDGE_SCOPE) return void otherScopes++;
    codeField(get("RELATIONSHIP"), "RELATIONSHIP", RELATIONSHIPS, "Nudge staff_link RELATIONSHIP");
    const property = required(get("PROPERTY_NAME"), "PROPERTY_NAME");
    if (property.toUpperCase() !== "STUDENT_ID")
      throw new RowError(`PROPERTY_NAME ${shown(property)} is not STUDENT_ID: a personal tutor is linked to a student`);
    const studentId = referenced(students, get("PROPERTY_VALUE"), "PROPERTY_VALUE", "STUDENT_ID", "student.tsv");
    const staffId = referenced(staff, get("STAFF_ID"), "STAFF_ID", "staff member", "staff.tsv");
    const provided = optional(get("PROVIDED_AT"));
    const startDay = provided === null ? today : localDayOf(dateTimeField(provided, "PROVIDED_AT"), timezone);
    rows.add(
      `${studentId}:${staffId}`,
      `the link of STAFF_ID ${shown(get("STAFF_ID")!.trim())} to ${shown(get("PROPERTY_VALUE")!.trim())}`,
      { studentId, staffId, startDay },
      line,
    );
  });
  if (otherScopes) context.note(`${otherScopes} row(s) for other applications' SCOPE were read past (Nudge acts on SCOPE ${NUDGE_SCOPE})`);
  return async (tx) => {
    const links = rows.values();
    const open = await selectIn<{ id: number; studentId: number; staffId: number }>(
      tx,
      [...new Set(links.map((link) => link.studentId))],
      (p) =>
        `SELECT "id", "studentId", "staffId" FROM "TutorAssignment" WHERE "role" = 'personal_tutor'${enumCast(tx, "StaffRole")} AND "endDate" IS NULL AND "studentId" IN (${p})`,
    );
    const current = new Set(open.map((row) => `${row.studentId}:${row.staffId}`));
    const named = new Set(links.map((link) => `${link.studentId}:${link.staffId}`));
    const changed = links.filter((link) => !current.has(`${link.studentId}:${link.staffId}`));
    await upsertRows(
      tx,
      {
        table: "TutorAssignment",
        columns: { studentId: "int", staffId: "int", role: { enum: "StaffRole" }, startDate: "timestamp", endDate: "timestamp" },
        key: ["studentId", "staffId", "role"],
        insertOnly: ["startDate"],
      },
      changed.map((link) => [link.studentId, link.staffId, "personal_tutor", dateOfDay(link.startDay), null]),
    );
    // The file's tutors of a student are that student's tutors now: earlier ones end.
    const startOf = new Map(links.map((link) => [link.studentId, link.startDay]));
    const ended = open.filter((row) => !named.has(`${row.studentId}:${row.staffId}`));
    for (const row of ended)
      await tx.query(`UPDATE "TutorAssignment" SET "endDate" = $2 WHERE "id" = $1`, [row.id, dateOfDay(startOf.get(Number(row.studentId))!)]);
    if (ended.length) context.note(`${ended.length} earlier personal-tutor assignment(s) ended: the file names other tutors for those students`);
    return { loaded: changed.length, duplicates: links.length - changed.length };
  };
}

// =============================================================================================
// student_course_membership -> ProgrammeEnrolment (+ Programme when course.tsv did not name it)
// =============================================================================================

type EnrolmentStatus = "active" | "withdrawn" | "completed";

interface MembershipRow {
  studentId: number;
  course: string;
  startDay: number;
  endDay: number | null;
  year: number;
  status: EnrolmentStatus;
}

/** Not active: withdrawn when a withdrawal reason or non-completion outcome says so, else completed. */
function membershipStatus(active: boolean, withdrawal: string | null, outcome: string | null): EnrolmentStatus {
  if (active) return "active";
  const completed = (withdrawal === null || withdrawal === "99") && (outcome === null || outcome === "1" || outcome === "98" || outcome === "99");
  return completed ? "completed" : "withdrawn";
}

async function parseMemberships(context: FileContext): Promise<WriteStep> {
  const students = await idsBy(context.db.sql, "Student", "studentNumber");
  const { today } = clock(context);
  const rows = new RowsByKey<MembershipRow>(context);
  let derivedYears = 0;
  const columns = ["WITHDRAWAL_REASON", "COURSE_OUTCOME", "COURSE_EXPECTED_END_DATE", "COURSE_END_DATE", "YEAR_PRG"];
  await eachRecord(context, { required: ["STUDENT_ID", "COURSE_ID", "ACTIVE_MEMBERSHIP", "COURSE_JOIN_DATE"], optional: columns }, (get, line) => {
    const studentId = referenced(students, get("STUDENT_ID"), "STUDENT_ID", "student", "student.tsv");
    const course = required(get("COURSE_ID"), "COURSE_ID");
    const active = uddCode(required(get("ACTIVE_MEMBERSHIP"), "ACTIVE_MEMBERSHIP"), "ACTIVE_MEMBERSHIP", ACTIVE_MEMBERSHIP)!;
    const startDay = dateField(get("COURSE_JOIN_DATE"), "COURSE_JOIN_DATE");
    const ended = optionalDateField(get("COURSE_END_DATE"), "COURSE_END_DATE");
    const expected = optionalDateField(get("COURSE_EXPECTED_END_DATE"), "COURSE_EXPECTED_END_DATE");
    if (ended !== null && ended < startDay) throw new RowError(`COURSE_END_DATE ${isoDateOfDay(ended)} is before COURSE_JOIN_DATE ${isoDateOfDay(startDay)}`);
    const status = membershipStatus(
      active,
      uddCode(get("WITHDRAWAL_REASON"), "WITHDRAWAL_REASON", WITHDRAWAL_REASON),
      uddCode(get("COURSE_OUTCOME"), "COURSE_OUTCOME", COURSE_OUTCOME),
    );
    // YEAR_PRG belongs to UDD student_on_course_instance; without it, academic years since joining.
    let year = optional(get("YEAR_PRG")) === null ? null : integerField(get("YEAR_PRG"), "YEAR_PRG", { min: 0, max: 25 });
    if (year === null) {
      derivedYears++;
      year = Math.max(1, academicYearOf(Math.min(today, ended ?? today)) - academicYearOf(startDay) + 1);
    }
    const row: MembershipRow = { studentId, course, startDay, endDay: ended ?? expected, year, status };
    rows.add(
      `${studentId}:${course}:${startDay}`,
      `the membership of ${shown(get("STUDENT_ID")!.trim())} in ${shown(course)} from ${isoDateOfDay(startDay)}`,
      row,
      line,
    );
  });
  if (derivedYears) context.note(`${derivedYears} row(s) without YEAR_PRG: year of study counted in academic years (from 1 August) since COURSE_JOIN_DATE`);
  return async (tx) => {
    const memberships = rows.values();
    const programmes = await programmeIds(
      tx,
      context,
      memberships.map((row) => row.course),
    );
    const studentIds = [...new Set(memberships.map((row) => row.studentId))];
    const stored = new Map<string, string>();
    for (const row of await selectIn<{
      studentId: number;
      programmeId: number;
      startDate: string;
      endDate: string | null;
      yearOfStudy: number;
      status: string;
    }>(
      tx,
      studentIds,
      (p) => `SELECT "studentId", "programmeId", "startDate", "endDate", "yearOfStudy", "status" FROM "ProgrammeEnrolment" WHERE "studentId" IN (${p})`,
    )) {
      stored.set(
        `${row.studentId}:${row.programmeId}:${storedDay(row.startDate)}`,
        JSON.stringify([storedDay(row.endDate), Number(row.yearOfStudy), row.status]),
      );
    }
    const changed = memberships.filter((row) => {
      const old = stored.get(`${row.studentId}:${programmes.get(row.course)}:${row.startDay}`);
      return old !== JSON.stringify([row.endDay, row.year, row.status]);
    });
    await upsertRows(
      tx,
      {
        table: "ProgrammeEnrolment",
        columns: {
          studentId: "int",
          programmeId: "int",
          yearOfStudy: "int",
          startDate: "timestamp",
          endDate: "timestamp",
          status: { enum: "EnrolmentStatus" },
        },
        key: ["studentId", "programmeId", "startDate"],
      },
      changed.map((row) => [
        row.studentId,
        programmes.get(row.course)!,
        row.year,
        dateOfDay(row.startDay),
        row.endDay === null ? null : dateOfDay(row.endDay),
        row.status,
      ]),
    );
    await updateStudentEnrolment(tx, studentIds);
    return { loaded: changed.length, duplicates: memberships.length - changed.length };
  };
}

/** Programme ids by COURSE_ID, creating (with a note) those course.tsv has not named. */
async function programmeIds(tx: SqlExecutor, context: FileContext, courses: readonly string[]): Promise<Map<string, number>> {
  const known = await idsBy(tx, "Programme", "code");
  const missing = [...new Set(courses)].filter((code) => !known.has(code));
  if (missing.length === 0) return known;
  await upsertRows(
    tx,
    PROGRAMME_TABLE,
    missing.map((code) => [code, code, null, null]),
  );
  context.note(
    `programme(s) ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", ..." : ""} created from COURSE_ID with the code as title (load course.tsv to name them)`,
  );
  return idsBy(tx, "Programme", "code");
}

/**
 * Student.enrolmentStatus and enrolmentEndDate follow the memberships: active while any is, else
 * the latest one's. Sending re-checks them and retention starts from the end date (POLICY P9).
 */
async function updateStudentEnrolment(tx: SqlExecutor, studentIds: readonly number[]): Promise<void> {
  const enrolments = await selectIn<{ studentId: number; startDate: string; endDate: string | null; status: EnrolmentStatus }>(
    tx,
    studentIds,
    (p) => `SELECT "studentId", "startDate", "endDate", "status" FROM "ProgrammeEnrolment" WHERE "studentId" IN (${p}) ORDER BY "startDate"`,
  );
  const current = new Map(
    (
      await selectIn<{ id: number; enrolmentStatus: string; enrolmentEndDate: string | null }>(
        tx,
        studentIds,
        (p) => `SELECT "id", "enrolmentStatus", "enrolmentEndDate" FROM "Student" WHERE "id" IN (${p})`,
      )
    ).map((row) => [Number(row.id), `${row.enrolmentStatus}:${storedDay(row.enrolmentEndDate)}`]),
  );
  const byStudent = new Map<number, typeof enrolments>();
  for (const row of enrolments) {
    const list = byStudent.get(Number(row.studentId)) ?? [];
    list.push(row);
    byStudent.set(Number(row.studentId), list);
  }
  for (const [studentId, list] of byStudent) {
    const active = list.filter((row) => row.status === "active");
    const status = active.length ? "active" : list.at(-1)!.status;
    const ends = (active.length ? active : [list.at(-1)!]).map((row) => storedDay(row.endDate));
    const end = ends.includes(null) ? null : Math.max(...(ends as number[]));
    if (current.get(studentId) === `${status}:${end}`) continue;
    await tx.query(`UPDATE "Student" SET "enrolmentStatus" = $2${enumCast(tx, "EnrolmentStatus")}, "enrolmentEndDate" = $3 WHERE "id" = $1`, [
      studentId,
      status,
      end === null ? null : dateOfDay(end),
    ]);
  }
}

// =============================================================================================
// student_on_a_module_instance -> ModuleEnrolment
// =============================================================================================

interface ModuleEnrolmentRow {
  studentId: number;
  instanceId: number;
  enrolledDay: number | null;
  /** OUTCOME: MOD_RESULT as Pass/Fail; backtests only. */
  result: string | null;
}

async function parseModuleEnrolments(context: FileContext): Promise<WriteStep> {
  const students = await idsBy(context.db.sql, "Student", "studentNumber");
  const instances = await moduleInstanceIds(context.db.sql);
  const rows = new RowsByKey<ModuleEnrolmentRow>(context);
  await eachRecord(context, { required: ["STUDENT_ID", "MOD_INSTANCE_ID"], optional: ["MOD_START_DATE", "MOD_RESULT"] }, (get, line) => {
    const studentId = referenced(students, get("STUDENT_ID"), "STUDENT_ID", "student", "student.tsv");
    const instanceId = moduleInstanceOf(instances, get("MOD_INSTANCE_ID"));
    const row = {
      studentId,
      instanceId,
      enrolledDay: optionalDateField(get("MOD_START_DATE"), "MOD_START_DATE"),
      result: uddCode(get("MOD_RESULT"), "MOD_RESULT", MOD_RESULT),
    };
    rows.add(
      `${studentId}:${instanceId}`,
      `STUDENT_ID ${shown(get("STUDENT_ID")!.trim())} on MOD_INSTANCE_ID ${shown(get("MOD_INSTANCE_ID")!.trim())}`,
      row,
      line,
    );
  });
  return async (tx) => {
    const enrolments = rows.values();
    const stored = new Map<string, { enrolledDay: number | null; result: string | null }>();
    for (const row of await selectIn<{ studentId: number; moduleInstanceId: number; enrolledAt: string | null; finalResult: string | null }>(
      tx,
      [...new Set(enrolments.map((row) => row.instanceId))],
      (p) => `SELECT "studentId", "moduleInstanceId", "enrolledAt", "finalResult" FROM "ModuleEnrolment" WHERE "moduleInstanceId" IN (${p})`,
    )) {
      stored.set(`${row.studentId}:${row.moduleInstanceId}`, { enrolledDay: storedDay(row.enrolledAt), result: row.finalResult });
    }
    const changed: unknown[][] = [];
    for (const row of enrolments) {
      const old = stored.get(`${row.studentId}:${row.instanceId}`);
      const enrolledDay = keep(row.enrolledDay, old?.enrolledDay);
      const result = keep(row.result, old?.result);
      if (old && old.enrolledDay === enrolledDay && old.result === result) continue;
      changed.push([row.studentId, row.instanceId, enrolledDay === null ? null : dateOfDay(enrolledDay), result]);
    }
    await upsertRows(
      tx,
      {
        table: "ModuleEnrolment",
        columns: { studentId: "int", moduleInstanceId: "int", enrolledAt: "timestamp", finalResult: "text" },
        key: ["studentId", "moduleInstanceId"],
      },
      changed,
    );
    return { loaded: changed.length, duplicates: enrolments.length - changed.length };
  };
}

// =============================================================================================
// event -> TimetableEvent
// =============================================================================================

interface StoredEvent {
  id: number;
  startsAt: number;
  endsAt: number | null;
  kind: string;
  moduleInstanceId: number | null;
}

async function storedEvents(sql: SqlExecutor): Promise<Map<string, StoredEvent>> {
  const rows = await sql.query<{ id: number; externalId: string; startsAt: string; endsAt: string | null; kind: string; moduleInstanceId: number | null }>(
    `SELECT "id", "externalId", "startsAt", "endsAt", "kind", "moduleInstanceId" FROM "TimetableEvent"`,
  );
  return new Map(
    rows.map((row) => [
      row.externalId,
      {
        id: Number(row.id),
        startsAt: storedTime(row.startsAt)!,
        endsAt: storedTime(row.endsAt),
        kind: row.kind,
        moduleInstanceId: row.moduleInstanceId === null ? null : Number(row.moduleInstanceId),
      },
    ]),
  );
}

interface EventRow {
  externalId: string;
  startsAt: number;
  endsAt: number | null;
  kind: string | null;
}

async function parseEvents(context: FileContext): Promise<WriteStep> {
  const rows = new RowsByKey<EventRow>(context);
  await eachRecord(context, { required: ["EVENT_ID", "EVENT_START"], optional: ["EVENT_END", "EVENT_TYPE", "EVENT_TYPE_RAW"] }, (get, line) => {
    const externalId = required(get("EVENT_ID"), "EVENT_ID");
    // Attendance counts on the event's day, so an event without a start cannot be used.
    const startsAt = dateTimeField(get("EVENT_START"), "EVENT_START").getTime();
    const endsAt = optional(get("EVENT_END")) === null ? null : dateTimeField(get("EVENT_END"), "EVENT_END").getTime();
    if (endsAt !== null && endsAt < startsAt)
      throw new RowError(`EVENT_END ${shown(get("EVENT_END")!.trim())} is before EVENT_START ${shown(get("EVENT_START")!.trim())}`);
    const kind = uddCode(get("EVENT_TYPE"), "EVENT_TYPE", EVENT_TYPE) ?? optional(get("EVENT_TYPE_RAW"))?.toLowerCase() ?? null;
    rows.add(externalId, `EVENT_ID ${shown(externalId)}`, { externalId, startsAt, endsAt, kind }, line);
  });
  const { timezone } = clock(context);
  return async (tx) => {
    const stored = await storedEvents(tx);
    const changed: unknown[][] = [];
    const moved = new Map<number, { before: EventPlace; after: EventPlace }>();
    for (const row of rows.values()) {
      const old = stored.get(row.externalId);
      const kind = keep(row.kind, old?.kind) ?? "other";
      if (old && old.startsAt === row.startsAt && old.endsAt === row.endsAt && old.kind === kind) continue;
      changed.push([row.externalId, kind, new Date(row.startsAt), row.endsAt === null ? null : new Date(row.endsAt)]);
      const key = old?.moduleInstanceId ?? 0;
      const [before, after] = [old?.startsAt, row.startsAt].map((at) => (at === undefined ? -1 : localDayOf(new Date(at), timezone)));
      if (old && before !== after) moved.set(old.id, { before: { day: before!, key }, after: { day: after!, key } });
    }
    await upsertRows(
      tx,
      { table: "TimetableEvent", columns: { externalId: "text", kind: "text", startsAt: "timestamp", endsAt: "timestamp" }, key: ["externalId"] },
      changed,
    );
    await moveAttendance(tx, moved);
    return { loaded: changed.length, duplicates: rows.values().length - changed.length };
  };
}

/** Marks of events whose day or module changed move with them in EngagementDaily. */
async function moveAttendance(
  tx: SqlExecutor,
  moved: ReadonlyMap<number, { before: EventPlace; after: EventPlace }>,
  except: ReadonlySet<string> = new Set(),
): Promise<void> {
  if (moved.size === 0) return;
  const deltas: RollupRow[] = [];
  for (const row of await selectIn<{ studentId: number; eventId: number; mark: Mark }>(
    tx,
    [...moved.keys()],
    (p) => `SELECT "studentId", "eventId", "mark" FROM "Attendance" WHERE "eventId" IN (${p})`,
  )) {
    if (except.has(`${row.studentId}:${row.eventId}`)) continue;
    const place = moved.get(Number(row.eventId))!;
    deltas.push(attendanceRollup(Number(row.studentId), row.mark, place.before, -1), attendanceRollup(Number(row.studentId), row.mark, place.after, 1));
  }
  await mergeRollups(tx, deltas, "add");
}

// =============================================================================================
// student_event (+ Nudge's ATTENDANCE_* columns) -> Attendance, attendance rollups
// =============================================================================================

const MARKS = new Map<string, Mark>([
  ["PRESENT", "present"],
  ["LATE", "late"],
  ["ABSENT", "absent"],
  ["AUTHORISED_ABSENCE", "authorised_absence"],
]);

interface AttendanceRow {
  studentId: number;
  eventId: number;
  mark: Mark;
  method: string | null;
  recordedAt: number | null;
}

async function parseStudentEvents(context: FileContext): Promise<WriteStep> {
  const students = await idsBy(context.db.sql, "Student", "studentNumber");
  const instances = await moduleInstanceIds(context.db.sql);
  const events = await storedEvents(context.db.sql);
  const { timezone } = clock(context);
  const rows = new RowsByKey<AttendanceRow>(context);
  /** Event id → module instance the file links it to (UDD links events to modules here). */
  const links = new Map<number, number>();
  let unmarked = 0;
  const columns = ["MOD_INSTANCE_ID", "ATTENDANCE_MARK", "ATTENDANCE_METHOD", "ATTENDANCE_RECORDED_AT"];
  await eachRecord(context, { required: ["STUDENT_ID", "EVENT_ID"], optional: columns }, (get, line) => {
    const studentId = referenced(students, get("STUDENT_ID"), "STUDENT_ID", "student", "student.tsv");
    const eventText = required(get("EVENT_ID"), "EVENT_ID");
    const event = events.get(eventText);
    if (!event) throw new RowError(`EVENT_ID ${shown(eventText)} is not a known event (load event.tsv first)`);
    const instanceId = optional(get("MOD_INSTANCE_ID")) === null ? null : moduleInstanceOf(instances, get("MOD_INSTANCE_ID"));
    const mark = optional(get("ATTENDANCE_MARK")) === null ? null : codeField(get("ATTENDANCE_MARK"), "ATTENDANCE_MARK", MARKS, "attendance mark");
    const recorded = optional(get("ATTENDANCE_RECORDED_AT")) === null ? null : dateTimeField(get("ATTENDANCE_RECORDED_AT"), "ATTENDANCE_RECORDED_AT").getTime();
    if (instanceId !== null && event.moduleInstanceId === null && !links.has(event.id)) links.set(event.id, instanceId);
    // Without a mark the row only says the student is expected; marks may come from xAPI instead.
    if (mark === null) return void unmarked++;
    const row = { studentId, eventId: event.id, mark, method: optional(get("ATTENDANCE_METHOD")), recordedAt: recorded };
    rows.add(`${studentId}:${event.id}`, `STUDENT_ID ${shown(get("STUDENT_ID")!.trim())} at EVENT_ID ${shown(eventText)}`, row, line);
    context.sawActivity("attendance", localDayOf(new Date(event.startsAt), timezone));
  });
  if (unmarked) context.note(`${unmarked} row(s) without ATTENDANCE_MARK: the student is expected at the event, no attendance is recorded`);
  const placeOf = new Map(
    [...events.values()].map((event) => [event.id, { day: localDayOf(new Date(event.startsAt), timezone), key: event.moduleInstanceId ?? 0 }]),
  );
  return async (tx) => {
    const marks = rows.values();
    const stored = new Map<string, { mark: Mark; method: string | null; recordedAt: number | null }>();
    for (const row of await selectIn<{ studentId: number; eventId: number; mark: Mark; method: string | null; recordedAt: string | null }>(
      tx,
      [...new Set(marks.map((row) => row.eventId))],
      (p) => `SELECT "studentId", "eventId", "mark", "method", "recordedAt" FROM "Attendance" WHERE "eventId" IN (${p})`,
    )) {
      stored.set(`${row.studentId}:${row.eventId}`, { mark: row.mark, method: row.method, recordedAt: storedTime(row.recordedAt) });
    }
    const relinked = new Map(
      [...links].map(([eventId, instanceId]) => [eventId, { before: placeOf.get(eventId)!, after: { day: placeOf.get(eventId)!.day, key: instanceId } }]),
    );
    const after = (eventId: number) => relinked.get(eventId)?.after ?? placeOf.get(eventId)!;
    const deltas: RollupRow[] = [];
    const changed: unknown[][] = [];
    const touched = new Set<string>();
    for (const row of marks) {
      const key = `${row.studentId}:${row.eventId}`;
      const old = stored.get(key);
      const method = keep(row.method, old?.method);
      const recordedAt = keep(row.recordedAt, old?.recordedAt);
      if (old && old.mark === row.mark && old.method === method && old.recordedAt === recordedAt) continue;
      // The stored mark's share comes out, the new one goes in: corrections never double count.
      if (old) deltas.push(attendanceRollup(row.studentId, old.mark, placeOf.get(row.eventId)!, -1));
      deltas.push(attendanceRollup(row.studentId, row.mark, after(row.eventId), 1));
      touched.add(key);
      changed.push([row.studentId, row.eventId, row.mark, method, recordedAt === null ? null : new Date(recordedAt)]);
    }
    await upsertRows(
      tx,
      {
        table: "Attendance",
        columns: { studentId: "int", eventId: "int", mark: { enum: "AttendanceMark" }, method: "text", recordedAt: "timestamp" },
        key: ["studentId", "eventId"],
      },
      changed,
    );
    for (const [eventId, instanceId] of links) await tx.query(`UPDATE "TimetableEvent" SET "moduleInstanceId" = $2 WHERE "id" = $1`, [eventId, instanceId]);
    await mergeRollups(tx, deltas, "add");
    await moveAttendance(tx, relinked, touched);
    return { loaded: changed.length, duplicates: marks.length - changed.length };
  };
}

// =============================================================================================
// assessment_instance -> Assessment
// =============================================================================================

interface StoredAssessment {
  id: number;
  moduleInstanceId: number;
  title: string;
  kind: string;
  weight: number | null;
  dueDay: number | null;
}

async function storedAssessments(sql: SqlExecutor): Promise<Map<string, StoredAssessment>> {
  const rows = await sql.query<{
    id: number;
    externalId: string;
    moduleInstanceId: number;
    title: string;
    kind: string;
    weight: number | null;
    dueAt: string | null;
  }>(`SELECT "id", "externalId", "moduleInstanceId", "title", "kind", "weight", "dueAt" FROM "Assessment"`);
  return new Map(
    rows.map((row) => [
      row.externalId,
      {
        id: Number(row.id),
        moduleInstanceId: Number(row.moduleInstanceId),
        title: row.title,
        kind: row.kind,
        weight: row.weight === null ? null : Number(row.weight),
        dueDay: storedDay(row.dueAt),
      },
    ]),
  );
}

interface AssessmentRow {
  externalId: string;
  instanceId: number;
  title: string | null;
  kind: string | null;
  weight: number | null;
}

async function parseAssessments(context: FileContext): Promise<WriteStep> {
  const instances = await moduleInstanceIds(context.db.sql);
  const rows = new RowsByKey<AssessmentRow>(context);
  await eachRecord(
    context,
    { required: ["ASSESS_INSTANCE_ID", "MOD_INSTANCE_ID"], optional: ["ASSESS_TYPE", "ASSESS_TYPE_RAW_NAME", "ASSESS_DETAIL", "ASSESS_WEIGHT"] },
    (get, line) => {
      const externalId = required(get("ASSESS_INSTANCE_ID"), "ASSESS_INSTANCE_ID");
      const weight = optional(get("ASSESS_WEIGHT")) === null ? null : numberField(get("ASSESS_WEIGHT"), "ASSESS_WEIGHT");
      if (weight !== null && (weight < 0 || weight > 100))
        throw new RowError(`ASSESS_WEIGHT ${shown(get("ASSESS_WEIGHT")!.trim())} is not a percentage (0-100)`);
      const row = {
        externalId,
        instanceId: moduleInstanceOf(instances, get("MOD_INSTANCE_ID")),
        title: optional(get("ASSESS_DETAIL")) ?? optional(get("ASSESS_TYPE_RAW_NAME")),
        kind: uddCode(get("ASSESS_TYPE"), "ASSESS_TYPE", ASSESS_TYPE),
        weight,
      };
      rows.add(externalId, `ASSESS_INSTANCE_ID ${shown(externalId)}`, row, line);
    },
  );
  return async (tx) => {
    const stored = await storedAssessments(tx);
    const changed: unknown[][] = [];
    const moved = new Map<number, { before: AssessmentPlace; after: AssessmentPlace }>();
    for (const row of rows.values()) {
      const old = stored.get(row.externalId);
      const next = [
        row.externalId,
        row.instanceId,
        keep(row.title, old?.title) ?? row.externalId,
        keep(row.kind, old?.kind) ?? "other",
        keep(row.weight, old?.weight),
      ];
      if (old && JSON.stringify(next) === JSON.stringify([row.externalId, old.moduleInstanceId, old.title, old.kind, old.weight])) continue;
      changed.push(next);
      if (old && old.moduleInstanceId !== row.instanceId)
        moved.set(old.id, { before: { dueDay: old.dueDay, key: old.moduleInstanceId }, after: { dueDay: old.dueDay, key: row.instanceId } });
    }
    await upsertRows(
      tx,
      { table: "Assessment", columns: { externalId: "text", moduleInstanceId: "int", title: "text", kind: "text", weight: "float" }, key: ["externalId"] },
      changed,
    );
    await moveSubmissions(tx, moved);
    return { loaded: changed.length, duplicates: rows.values().length - changed.length };
  };
}

/** Submissions of assessments whose module or due day changed move with them in EngagementDaily. */
async function moveSubmissions(
  tx: SqlExecutor,
  moved: ReadonlyMap<number, { before: AssessmentPlace; after: AssessmentPlace }>,
  except: ReadonlySet<string> = new Set(),
): Promise<void> {
  if (moved.size === 0) return;
  const deltas: RollupRow[] = [];
  for (const row of await selectIn<{ studentId: number; assessmentId: number; status: SubmissionStatus; submittedAt: string | null }>(
    tx,
    [...moved.keys()],
    (p) => `SELECT "studentId", "assessmentId", "status", "submittedAt" FROM "Submission" WHERE "assessmentId" IN (${p})`,
  )) {
    if (except.has(`${row.studentId}:${row.assessmentId}`)) continue;
    const place = moved.get(Number(row.assessmentId))!;
    const submittedDay = storedDay(row.submittedAt);
    deltas.push(
      ...submissionRollups(Number(row.studentId), row.status, submittedDay, place.before, -1),
      ...submissionRollups(Number(row.studentId), row.status, submittedDay, place.after, 1),
    );
  }
  await mergeRollups(tx, deltas, "add");
}

// =============================================================================================
// student_on_assessment_instance -> Submission, submission rollups
// =============================================================================================

interface SubmissionRow {
  studentId: number;
  assessmentId: number;
  dueDay: number | null;
  submittedDay: number | null;
  /** OUTCOME: ASSESS_AGREED_MARK, else ASSESS_ACTUAL_MARK; backtests only. */
  score: number | null;
}

function percentage(value: string | undefined, field: string): number | null {
  if (optional(value) === null) return null;
  const number = numberField(value, field);
  if (number < 0 || number > 100) throw new RowError(`${field} ${shown(value!.trim())} is not a percentage (0-100)`);
  return number;
}

/** The student's own deadline decides on time, late, missing; a later one than the assessment's is an extension. */
function submissionStatus(row: SubmissionRow, assessmentDue: number | null, today: number): SubmissionStatus {
  const due = row.dueDay ?? assessmentDue;
  if (row.submittedDay !== null) return due !== null && row.submittedDay > due ? "late" : "on_time";
  if (due !== null && due < today) return "missing";
  return due !== null && assessmentDue !== null && due > assessmentDue ? "extension" : "pending";
}

async function parseSubmissions(context: FileContext): Promise<WriteStep> {
  const students = await idsBy(context.db.sql, "Student", "studentNumber");
  const assessments = await storedAssessments(context.db.sql);
  const { today } = clock(context);
  const rows = new RowsByKey<SubmissionRow>(context);
  let reassessments = 0;
  const columns = ["ASSESS_DUE_DATE", "ASSESS_SUBMISSION_DATE", "ASSESS_AGREED_MARK", "ASSESS_ACTUAL_MARK"];
  await eachRecord(context, { required: ["STUDENT_ID", "ASSESS_INSTANCE_ID", "ASSESS_SEQ_ID"], optional: columns }, (get, line) => {
    const studentId = referenced(students, get("STUDENT_ID"), "STUDENT_ID", "student", "student.tsv");
    const assessmentText = required(get("ASSESS_INSTANCE_ID"), "ASSESS_INSTANCE_ID");
    const assessment = assessments.get(assessmentText);
    if (!assessment) throw new RowError(`ASSESS_INSTANCE_ID ${shown(assessmentText)} is not a known assessment (load assessment_instance.tsv first)`);
    const dueDay = optionalDateField(get("ASSESS_DUE_DATE"), "ASSESS_DUE_DATE");
    const submittedDay = optionalDateField(get("ASSESS_SUBMISSION_DATE"), "ASSESS_SUBMISSION_DATE");
    const score = percentage(get("ASSESS_AGREED_MARK"), "ASSESS_AGREED_MARK") ?? percentage(get("ASSESS_ACTUAL_MARK"), "ASSESS_ACTUAL_MARK");
    // One Submission per student and assessment: the first opportunity, whose deadline the
    // engagement history is about; reassessment is for exam boards, not nudges (POLICY P1).
    if (integerField(get("ASSESS_SEQ_ID"), "ASSESS_SEQ_ID", { min: 1 }) > 1) return void reassessments++;
    const row = { studentId, assessmentId: assessment.id, dueDay, submittedDay, score };
    rows.add(`${studentId}:${assessment.id}`, `STUDENT_ID ${shown(get("STUDENT_ID")!.trim())} on ASSESS_INSTANCE_ID ${shown(assessmentText)}`, row, line);
    const day = submittedDay ?? (dueDay !== null && dueDay < today ? dueDay : null);
    if (day !== null) context.sawActivity("submission", day);
  });
  if (reassessments) context.note(`${reassessments} reassessment row(s) (ASSESS_SEQ_ID above 1) read past: Nudge keeps the first opportunity`);
  const placeOf = new Map([...assessments.values()].map((a) => [a.id, { dueDay: a.dueDay, key: a.moduleInstanceId }]));
  return async (tx) => {
    const submissions = rows.values();
    const assessmentIds = [...new Set(submissions.map((row) => row.assessmentId))];
    const stored = new Map<string, { status: SubmissionStatus; submittedDay: number | null; score: number | null }>();
    for (const row of await selectIn<{ studentId: number; assessmentId: number; status: SubmissionStatus; submittedAt: string | null; score: number | null }>(
      tx,
      assessmentIds,
      (p) => `SELECT "studentId", "assessmentId", "status", "submittedAt", "score" FROM "Submission" WHERE "assessmentId" IN (${p})`,
    )) {
      stored.set(`${row.studentId}:${row.assessmentId}`, {
        status: row.status,
        submittedDay: storedDay(row.submittedAt),
        score: row.score === null ? null : Number(row.score),
      });
    }
    const dated = datedAssessments(submissions, placeOf);
    const after = (id: number) => dated.get(id)?.after ?? placeOf.get(id)!;
    const deltas: RollupRow[] = [];
    const changed: unknown[][] = [];
    const touched = new Set<string>();
    for (const row of submissions) {
      const key = `${row.studentId}:${row.assessmentId}`;
      const old = stored.get(key);
      const status = submissionStatus(row, after(row.assessmentId).dueDay, today);
      const score = keep(row.score, old?.score);
      if (old && old.status === status && old.submittedDay === row.submittedDay && old.score === score) continue;
      if (old) deltas.push(...submissionRollups(row.studentId, old.status, old.submittedDay, placeOf.get(row.assessmentId)!, -1));
      deltas.push(...submissionRollups(row.studentId, status, row.submittedDay, after(row.assessmentId), 1));
      touched.add(key);
      changed.push([row.studentId, row.assessmentId, status, row.submittedDay === null ? null : dateOfDay(row.submittedDay), score]);
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
    for (const [id, place] of dated) await tx.query(`UPDATE "Assessment" SET "dueAt" = $2 WHERE "id" = $1`, [id, dateOfDay(place.after.dueDay!)]);
    await mergeRollups(tx, deltas, "add");
    await moveSubmissions(tx, dated, touched);
    return { loaded: changed.length, duplicates: submissions.length - changed.length };
  };
}

/**
 * UDD has deadlines per student only; an assessment without a due date takes the earliest one in
 * the file (the standard deadline, later ones being extensions). Set once, so it stays stable.
 */
function datedAssessments(
  rows: readonly SubmissionRow[],
  placeOf: ReadonlyMap<number, AssessmentPlace>,
): Map<number, { before: AssessmentPlace; after: AssessmentPlace }> {
  const dated = new Map<number, { before: AssessmentPlace; after: AssessmentPlace }>();
  for (const row of rows) {
    const before = placeOf.get(row.assessmentId)!;
    if (before.dueDay !== null || row.dueDay === null) continue;
    const earlier = dated.get(row.assessmentId)?.after.dueDay;
    if (earlier === undefined || earlier === null || row.dueDay < earlier)
      dated.set(row.assessmentId, { before, after: { dueDay: row.dueDay, key: before.key } });
  }
  return dated;
}

// =============================================================================================
// module_map (and UDD 1.4's module_vle_map) -> ModuleInstance.vleSiteId
// =============================================================================================

/**
 * The VLE areas a module instance's activity happens in (UDD module_map, MODULE_MAP_DOMAIN "VLE"):
 * a Moodle course id ("7") or a course's address. xAPI statements without the Jisc courseArea
 * extension get their module from them. Several areas per instance are kept, one per line of
 * vleSiteId; a load adds mappings and removes none (UDD: what is left out is "not supplied").
 */
async function parseModuleMap(context: FileContext): Promise<WriteStep> {
  const instances = await moduleInstanceIds(context.db.sql);
  const rows = new RowsByKey<{ instanceId: number; mappedId: string }>(context);
  const legacy = context.entity === "module_vle_map";
  const otherDomains = new Map<string, number>();
  const columns = legacy
    ? { required: ["MOD_INSTANCE_ID", "VLE_MOD_ID"] }
    : { required: ["MOD_INSTANCE_ID", "MODULE_MAP_DOMAIN", "DOMAIN_MAPPED_ID"], optional: ["MODULE_MAP_ID", "PROVIDED_AT"] };
  await eachRecord(context, columns, (get, line) => {
    const domain = legacy ? "VLE" : required(get("MODULE_MAP_DOMAIN"), "MODULE_MAP_DOMAIN");
    if (domain.toUpperCase() !== "VLE") {
      otherDomains.set(domain, (otherDomains.get(domain) ?? 0) + 1);
      return;
    }
    const field = legacy ? "VLE_MOD_ID" : "DOMAIN_MAPPED_ID";
    const mappedId = required(get(field), field);
    if (/[\r\n]/.test(mappedId)) throw new RowError(`${field} ${shown(mappedId)} holds a line break`);
    const instanceId = moduleInstanceOf(instances, get("MOD_INSTANCE_ID"));
    rows.add(
      `${instanceId}\n${mappedId}`,
      `MOD_INSTANCE_ID ${shown(get("MOD_INSTANCE_ID")!.trim())} with ${field} ${shown(mappedId)}`,
      { instanceId, mappedId },
      line,
    );
  });
  if (otherDomains.size) {
    const list = [...otherDomains].map(([domain, n]) => `${domain} (${n})`).join(", ");
    const total = [...otherDomains.values()].reduce((a, b) => a + b, 0);
    context.note(`${total} mapping(s) to other systems than the VLE were not used: ${list}`);
  }
  return async (tx) => {
    const mappings = rows.values();
    const stored = new Map<number, string[]>();
    for (const row of await selectIn<{ id: number; vleSiteId: string | null }>(
      tx,
      [...new Set(mappings.map((m) => m.instanceId))],
      (p) => `SELECT "id", "vleSiteId" FROM "ModuleInstance" WHERE "id" IN (${p})`,
    )) {
      stored.set(Number(row.id), row.vleSiteId ? row.vleSiteId.split("\n") : []);
    }
    let loaded = 0;
    const changed = new Set<number>();
    for (const { instanceId, mappedId } of mappings) {
      const ids = stored.get(instanceId) ?? [];
      if (ids.includes(mappedId)) continue;
      stored.set(instanceId, [...ids, mappedId]);
      changed.add(instanceId);
      loaded++;
    }
    for (const id of changed) await tx.query(`UPDATE "ModuleInstance" SET "vleSiteId" = $2 WHERE "id" = $1`, [id, stored.get(id)!.join("\n")]);
    return { loaded, duplicates: mappings.length - loaded };
  };
}

// =============================================================================================
// The format
// =============================================================================================

/** Load order: what a file refers to loads before it. */
const ENTITIES = [
  "student",
  "course",
  "module",
  "module_instance",
  "staff",
  "student_course_membership",
  "student_on_a_module_instance",
  "staff_link",
  "event",
  "student_event",
  "assessment_instance",
  "student_on_assessment_instance",
  "module_map",
  "module_vle_map",
] as const;
type Entity = (typeof ENTITIES)[number];

/** UDD filename conventions: the API endpoint names (implementation/filename_conventions.md). */
const ENDPOINTS: Record<string, Entity> = {
  moduleinstance: "module_instance",
  studentcoursemembership: "student_course_membership",
  studentmoduleinstance: "student_on_a_module_instance",
  stafflink: "staff_link",
  studentevent: "student_event",
  assessmentinstance: "assessment_instance",
  studentassessmentinstance: "student_on_assessment_instance",
  modulemap: "module_map",
  modulevlemap: "module_vle_map",
};

const NOT_USED: Record<string, string> = {
  period: "UDD period is not loaded: Nudge has no term calendar (module dates follow the academic year)",
  course_instance: "UDD course_instance is not loaded: Nudge keeps programmes, not their yearly stages",
  student_on_course_instance: "UDD student_on_course_instance is not loaded: give YEAR_PRG on student_course_membership instead",
  course_subject: "UDD course_subject is not needed by Nudge (subject codes)",
  module_subject: "UDD module_subject is not needed by Nudge (subject codes)",
  institution: "UDD institution is not needed by Nudge (one institution per installation)",
  student_id_map: "UDD student_id_map is not loaded: feeds identify students by STUDENT_ID",
  staff_on_course_instance: "UDD staff_on_course_instance is not loaded: staff roles come from staff_link",
  staff_on_mod_instance: "UDD staff_on_mod_instance is not loaded: staff roles come from staff_link",
};
const NOT_USED_ENDPOINTS: Record<string, string> = {
  courseinstance: "course_instance",
  studentcourseinstance: "student_on_course_instance",
  coursesubject: "course_subject",
  modulesubject: "module_subject",
  studentidmap: "student_id_map",
  staffcourseinstance: "staff_on_course_instance",
  staffmoduleinstance: "staff_on_mod_instance",
};

export const UDD_NAMES: EntityNames = {
  format: "UDD",
  names: new Map<string, string>([...ENTITIES.map((entity) => [entity, entity] as const), ...Object.entries(ENDPOINTS)]),
  order: ENTITIES,
  notUsed: new Map([...Object.entries(NOT_USED), ...Object.entries(NOT_USED_ENDPOINTS).map(([alias, entity]) => [alias, NOT_USED[entity]!] as const)]),
};

const PARSERS: Record<Entity, (context: FileContext) => Promise<WriteStep>> = {
  student: parseStudents,
  course: parseCourses,
  module: parseModules,
  module_instance: parseModuleInstances,
  staff: parseStaff,
  student_course_membership: parseMemberships,
  student_on_a_module_instance: parseModuleEnrolments,
  staff_link: parseStaffLinks,
  event: parseEvents,
  student_event: parseStudentEvents,
  assessment_instance: parseAssessments,
  student_on_assessment_instance: parseSubmissions,
  module_map: parseModuleMap,
  module_vle_map: parseModuleMap,
};

export const uddFormat: FeedFormat = {
  name: "udd",
  description:
    "Jisc UDD student records: student, course, module, module_instance, memberships, events, attendance, assessments, staff, staff_link, module_map (.tsv or .csv)",
  plan: (paths) => planFiles(paths, UDD_NAMES),
  entityOf: (path) => entityOfFile(path, UDD_NAMES),
  parse: (context) => PARSERS[context.entity as Entity](context),
};
