/**
 * The whole demo as a plan (curriculum, cohort, staff: small, in memory) and an ordered list of
 * tables whose rows are generated lazily from it. The writer streams these into the database and
 * the fingerprint worker replays the same list, so both see exactly the same rows in the same order.
 */
import { HOUR_MS } from "../core/index.ts";
import { ATTENDANCE_COLUMNS, attendanceRows, ENGAGEMENT_COLUMNS, engagementRows, SUBMISSION_COLUMNS, submissionRows, type Setting } from "./activity.ts";
import { DAY_MS, type Period } from "./calendar.ts";
import { planCohort } from "./cohort.ts";
import {
  ASSESSMENT_COLUMNS,
  assessmentRows,
  buildCurriculum,
  MODULE_COLUMNS,
  MODULE_INSTANCE_COLUMNS,
  moduleInstanceRows,
  moduleRows,
  PROGRAMME_COLUMNS,
  programmeRows,
  TIMETABLE_EVENT_COLUMNS,
  timetableEventRows,
} from "./curriculum.ts";
import {
  CONSENT_COLUMNS,
  consentRows,
  MODULE_ENROLMENT_COLUMNS,
  moduleEnrolmentRows,
  PROGRAMME_ENROLMENT_COLUMNS,
  programmeEnrolmentRows,
  STUDENT_COLUMNS,
  studentRows,
} from "./people.ts";
import {
  planStaff,
  STAFF_COLUMNS,
  STAFF_ROLE_COLUMNS,
  staffRoleRows,
  staffRows,
  TUTOR_ASSIGNMENT_COLUMNS,
  TUTOR_GROUP_COLUMNS,
  tutorAssignmentRows,
  tutorGroupRows,
  type StaffMember,
} from "./staff.ts";
import type { CountKey } from "./types.ts";

/** What determines every row: nothing else (no clock, no database) may influence them. */
export interface PlanInput {
  seed: number;
  students: number;
  startDay: number;
  endDay: number;
}

export interface Plan extends Setting {
  staff: StaffMember[];
  /** Deterministic stand-in for "now": the morning after the last day, when the feeds were loaded. */
  loadedAt: Date;
}

export function buildPlan(input: PlanInput): Plan {
  const period: Period = { startDay: input.startDay, endDay: input.endDay, days: input.endDay - input.startDay + 1 };
  const curriculum = buildCurriculum(input.seed, input.students, period);
  const cohort = planCohort(input.seed, input.students, curriculum, period);
  const setting: Setting = { seed: input.seed, period, curriculum, cohort };
  return { ...setting, staff: planStaff(setting), loadedAt: new Date((period.endDay + 1) * DAY_MS + 6 * HOUR_MS) };
}

export interface TableSpec {
  table: string;
  columns: readonly string[];
  count: CountKey;
  /** Millions of rows at full size: worth loading without secondary indexes. */
  large?: boolean;
  rows(): Iterable<readonly unknown[]>;
}

/** The feeds a real deployment loads, all fresh as of the morning after the last day. */
const FEEDS = ["vle", "attendance", "library", "submission"] as const;
const FEED_COLUMNS = ["feed", "source", "lastDataDay", "lastLoadedAt", "expectedEveryHours", "lastBatchId"] as const;

/** Every table, parents before children (foreign keys are checked as rows arrive). */
export function demoTables(plan: Plan): TableSpec[] {
  const { curriculum, period, staff, loadedAt } = plan;
  return [
    { table: "Programme", columns: PROGRAMME_COLUMNS, count: "programmes", rows: () => programmeRows(curriculum) },
    { table: "Module", columns: MODULE_COLUMNS, count: "modules", rows: () => moduleRows(curriculum) },
    { table: "ModuleInstance", columns: MODULE_INSTANCE_COLUMNS, count: "moduleInstances", rows: () => moduleInstanceRows(curriculum, period) },
    { table: "Staff", columns: STAFF_COLUMNS, count: "staff", rows: () => staffRows(plan, staff, loadedAt) },
    { table: "StaffRoleAssignment", columns: STAFF_ROLE_COLUMNS, count: "staffRoles", rows: () => staffRoleRows(staff, loadedAt) },
    { table: "Student", columns: STUDENT_COLUMNS, count: "students", rows: () => studentRows(plan, loadedAt) },
    { table: "ProgrammeEnrolment", columns: PROGRAMME_ENROLMENT_COLUMNS, count: "programmeEnrolments", rows: () => programmeEnrolmentRows(plan) },
    { table: "ModuleEnrolment", columns: MODULE_ENROLMENT_COLUMNS, count: "moduleEnrolments", rows: () => moduleEnrolmentRows(plan) },
    { table: "TutorGroup", columns: TUTOR_GROUP_COLUMNS, count: "tutorGroups", rows: () => tutorGroupRows(plan, staff) },
    { table: "TutorAssignment", columns: TUTOR_ASSIGNMENT_COLUMNS, count: "tutorAssignments", rows: () => tutorAssignmentRows(plan, staff) },
    { table: "TimetableEvent", columns: TIMETABLE_EVENT_COLUMNS, count: "timetableEvents", rows: () => timetableEventRows(curriculum) },
    { table: "Attendance", columns: ATTENDANCE_COLUMNS, count: "attendance", large: true, rows: () => attendanceRows(plan) },
    { table: "Assessment", columns: ASSESSMENT_COLUMNS, count: "assessments", rows: () => assessmentRows(curriculum) },
    { table: "Submission", columns: SUBMISSION_COLUMNS, count: "submissions", large: true, rows: () => submissionRows(plan) },
    { table: "EngagementDaily", columns: ENGAGEMENT_COLUMNS, count: "engagementDays", large: true, rows: () => engagementRows(plan) },
    { table: "Consent", columns: CONSENT_COLUMNS, count: "consents", rows: () => consentRows(plan) },
    {
      table: "FeedFreshness",
      columns: FEED_COLUMNS,
      count: "feeds",
      rows: () => FEEDS.map((feed) => [feed, feed, period.endDay, loadedAt, 48, null]),
    },
  ];
}
