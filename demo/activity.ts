/**
 * What each student did: attendance at sessions, submissions, VLE clicks and library visits,
 * and the per-day EngagementDaily rollup of all four.
 *
 * Attendance and submissions are drawn per student into reusable buffers by one function each,
 * called from both the row pass for their own table and the EngagementDaily pass: replaying the
 * student's stream gives the same marks, so the rollup always agrees with the detail rows.
 */
import type { Period } from "./calendar.ts";
import { isWeekend, ukTime } from "./calendar.ts";
import type { Cohort } from "./cohort.ts";
import type { Curriculum } from "./curriculum.ts";
import { newPropensity, propensity, type Propensity } from "./profiles.ts";
import { stream } from "./random.ts";

export const MARKS = ["present", "late", "absent", "authorised_absence"] as const;
const PRESENT = 0;
const LATE = 1;
const ABSENT = 2;
const AUTHORISED = 3;

export const SUBMISSION_STATUSES = ["pending", "on_time", "late", "missing", "exempt"] as const;
const PENDING = 0;
const ON_TIME = 1;
const SUBMITTED_LATE = 2;
const MISSING = 3;
const EXEMPT = 4;

export interface Setting {
  seed: number;
  period: Period;
  curriculum: Curriculum;
  cohort: Cohort;
}

/** One student's attendance: parallel arrays, `count` entries used. */
export interface AttendanceDraw {
  count: number;
  session: Int32Array;
  mark: Uint8Array;
  /** Epoch ms of the swipe, NaN when nobody came. */
  recordedAt: Float64Array;
}

export interface SubmissionDraw {
  count: number;
  assessment: Int32Array;
  status: Uint8Array;
  submittedDay: Int32Array;
  /** Epoch ms, NaN when nothing was submitted. */
  submittedAt: Float64Array;
  score: Float64Array;
}

function modulesPerStudent(c: Curriculum): number {
  let most = 0;
  for (const years of c.modulesOf) for (const ids of years) most = Math.max(most, ids.length);
  return most;
}

export function newAttendanceDraw(c: Curriculum): AttendanceDraw {
  const size = modulesPerStudent(c) * c.maxSessionsPerModule;
  return { count: 0, session: new Int32Array(size), mark: new Uint8Array(size), recordedAt: new Float64Array(size) };
}

export function newSubmissionDraw(c: Curriculum): SubmissionDraw {
  let most = 0;
  for (const ids of c.assessmentsOf) most = Math.max(most, ids.length);
  const size = modulesPerStudent(c) * most;
  return {
    count: 0,
    assessment: new Int32Array(size),
    status: new Uint8Array(size),
    submittedDay: new Int32Array(size),
    submittedAt: new Float64Array(size),
    score: new Float64Array(size),
  };
}

export function modulesOfStudent(s: Setting, i: number): readonly number[] {
  return s.curriculum.modulesOf[s.cohort.programme[i]!]![s.cohort.year[i]! - 1] ?? [];
}

/** Marks for every session of the student's modules while enrolled, module by module in time order. */
export function drawAttendance(s: Setting, i: number, p: Propensity, out: AttendanceDraw): AttendanceDraw {
  const random = stream(s.seed, i, "attendance");
  const sessions = s.curriculum.sessions;
  const left = s.cohort.leftDay[i]!;
  const start = s.period.startDay;
  let n = 0;
  for (const moduleId of modulesOfStudent(s, i)) {
    const end = sessions.endOfModule[moduleId]!;
    for (let e = sessions.firstOfModule[moduleId]!; e < end; e++) {
      const day = sessions.day[e]!;
      if (left >= 0 && day >= left) break;
      const engaged = p.daily[day - start]!;
      const u1 = random.float();
      const u2 = random.float();
      const u3 = random.float();
      const u4 = random.float();
      const startsAt = sessions.startsAt[e]!;
      let mark: number;
      let at = NaN;
      if (u1 < 0.02) mark = AUTHORISED;
      else if (u2 < Math.min(0.97, Math.max(0.01, 0.2 + 0.72 * engaged))) {
        if (u3 < 0.05 + 0.1 * Math.max(0, 1 - engaged)) {
          mark = LATE;
          at = startsAt + (600 + Math.floor(u4 * 1500)) * 1000; // 10 to 35 minutes in
        } else {
          mark = PRESENT;
          at = startsAt + (Math.floor(u4 * 720) - 600) * 1000; // 10 minutes early to 2 minutes in
        }
      } else mark = ABSENT;
      out.session[n] = e;
      out.mark[n] = mark;
      out.recordedAt[n] = at;
      n++;
    }
  }
  out.count = n;
  return out;
}

/** One submission per assessment of the student's modules, as things stand at the end of the period. */
export function drawSubmissions(s: Setting, i: number, p: Propensity, out: SubmissionDraw): SubmissionDraw {
  const random = stream(s.seed, i, "submissions");
  const { startDay, endDay } = s.period;
  const left = s.cohort.leftDay[i]!;
  let n = 0;
  for (const moduleId of modulesOfStudent(s, i)) {
    for (const assessmentId of s.curriculum.assessmentsOf[moduleId]!) {
      const due = s.curriculum.assessments[assessmentId - 1]!.dueDay;
      // A fixed number of draws per item keeps later items independent of earlier outcomes.
      const u1 = random.float();
      const u2 = random.float();
      const u3 = random.float();
      const u4 = random.float();
      const mark = random.normal(0, 9);
      const engaged = p.daily[Math.min(due, endDay) - startDay] ?? 0;
      let status: number;
      let day = -1;
      let at = NaN;
      if (left >= 0 && due >= left) status = EXEMPT;
      else if (due > endDay) status = PENDING;
      // Engaged students almost always hand in; the chance falls away with engagement.
      else if (u1 >= Math.min(0.97, 0.03 + 1.15 * engaged)) status = MISSING;
      else if (u2 < 0.05 + 0.2 * Math.max(0, 1 - engaged)) {
        day = due + 1 + Math.floor(u3 * 7);
        // Late work not yet in by the end of the data is, as far as the data knows, missing.
        status = day > endDay || (left >= 0 && day >= left) ? MISSING : SUBMITTED_LATE;
        if (status === MISSING) day = -1;
        else at = ukTime(day, 9, Math.floor(u4 * 780)).getTime();
      } else {
        status = ON_TIME;
        day = Math.max(startDay, due - Math.floor(u3 * 4));
        // On the deadline day, before noon; earlier days, any time from 9:00 to 22:59.
        at = day === due ? ukTime(day, 8, Math.floor(u4 * 240)).getTime() : ukTime(day, 9, Math.floor(u4 * 840)).getTime();
      }
      out.assessment[n] = assessmentId;
      out.status[n] = status;
      out.submittedDay[n] = day;
      out.submittedAt[n] = at;
      // OUTCOME only: marks exist for work handed in; late work is capped at the pass mark.
      let score = NaN;
      if (status === ON_TIME || status === SUBMITTED_LATE) {
        score = Math.round(Math.min(100, Math.max(0, 45 + 22 * Math.min(engaged, 1.1) + mark)));
        if (status === SUBMITTED_LATE) score = Math.min(score, 40);
      }
      out.score[n] = score;
      n++;
    }
  }
  out.count = n;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------------------------

export const ATTENDANCE_COLUMNS = ["id", "studentId", "eventId", "mark", "method", "recordedAt"] as const;

export function* attendanceRows(s: Setting) {
  const p = newPropensity(s.period);
  const draw = newAttendanceDraw(s.curriculum);
  const sessions = s.curriculum.sessions;
  const modules = s.curriculum.modules;
  let id = 0;
  for (let i = 1; i <= s.cohort.size; i++) {
    drawAttendance(s, i, propensity(s.seed, s.cohort, s.period, i, p), draw);
    for (let k = 0; k < draw.count; k++) {
      const e = draw.session[k]!;
      const module = modules[sessions.module[e]! - 1]!;
      const at = draw.recordedAt[k]!;
      yield [
        ++id,
        i,
        e + 1,
        MARKS[draw.mark[k]!]!,
        sessions.practical[e] ? module.practicalMethod : module.lectureMethod,
        Number.isNaN(at) ? null : new Date(at),
      ];
    }
  }
}

export const SUBMISSION_COLUMNS = ["id", "studentId", "assessmentId", "status", "submittedAt", "score"] as const;

export function* submissionRows(s: Setting) {
  const p = newPropensity(s.period);
  const draw = newSubmissionDraw(s.curriculum);
  let id = 0;
  for (let i = 1; i <= s.cohort.size; i++) {
    drawSubmissions(s, i, propensity(s.seed, s.cohort, s.period, i, p), draw);
    for (let k = 0; k < draw.count; k++) {
      const at = draw.submittedAt[k]!;
      const score = draw.score[k]!;
      yield [++id, i, draw.assessment[k]!, SUBMISSION_STATUSES[draw.status[k]!]!, Number.isNaN(at) ? null : new Date(at), Number.isNaN(score) ? null : score];
    }
  }
}

export const ENGAGEMENT_COLUMNS = ["studentId", "day", "source", "count", "expected", "late", "missed"] as const;

/**
 * EngagementDaily, student by student and day by day; a source appears on a day only when it has
 * something to say (all-zero rows are skipped).
 *
 * attendance: count = sessions attended (late included), expected = sessions timetabled,
 *   late = arrived late, missed = unauthorised absences (authorised ones are not held against anyone).
 * submission: count = items handed in that day, expected = items due that day,
 *   late = of those handed in, how many were late, missed = items due that day still missing.
 */
export function* engagementRows(s: Setting) {
  const { startDay, days } = s.period;
  const p = newPropensity(s.period);
  const attendance = newAttendanceDraw(s.curriculum);
  const submissions = newSubmissionDraw(s.curriculum);
  const sessions = s.curriculum.sessions;
  const assessments = s.curriculum.assessments;
  // Per day: [count, expected, late, missed] for attendance and for submissions.
  const att = new Int32Array(days * 4);
  const sub = new Int32Array(days * 4);
  for (let i = 1; i <= s.cohort.size; i++) {
    propensity(s.seed, s.cohort, s.period, i, p);
    att.fill(0);
    sub.fill(0);
    drawAttendance(s, i, p, attendance);
    for (let k = 0; k < attendance.count; k++) {
      const t = (sessions.day[attendance.session[k]!]! - startDay) * 4;
      const mark = attendance.mark[k]!;
      att[t + 1]!++;
      if (mark === PRESENT || mark === LATE) att[t]!++;
      if (mark === LATE) att[t + 2]!++;
      if (mark === ABSENT) att[t + 3]!++;
    }
    drawSubmissions(s, i, p, submissions);
    for (let k = 0; k < submissions.count; k++) {
      const status = submissions.status[k]!;
      if (status === PENDING || status === EXEMPT) continue;
      const due = (assessments[submissions.assessment[k]! - 1]!.dueDay - startDay) * 4;
      sub[due + 1]!++;
      if (status === MISSING) sub[due + 3]!++;
      else {
        const t = (submissions.submittedDay[k]! - startDay) * 4;
        sub[t]!++;
        if (status === SUBMITTED_LATE) sub[t + 2]!++;
      }
    }
    const vle = stream(s.seed, i, "vle");
    const library = stream(s.seed, i, "library");
    for (let t = 0; t < days; t++) {
      const day = startDay + t;
      const weekend = isWeekend(day);
      const engaged = p.daily[t]!;
      // VLE: busy most days for an engaged student, quieter at weekends.
      const mean = 14 * engaged * p.vleAppetite * (weekend ? 0.45 : 1);
      const v1 = vle.float();
      const v2 = vle.float();
      const clicks = v1 < 1 - Math.exp(-mean / 4) ? Math.max(1, Math.round(mean * (0.4 + 1.2 * v2))) : 0;
      if (clicks > 0) yield [i, day, "vle", clicks, 0, 0, 0];
      const a = t * 4;
      if (att[a + 1]! > 0) yield [i, day, "attendance", att[a]!, att[a + 1]!, att[a + 2]!, att[a + 3]!];
      // Library: an occasional visit (gate entry), sometimes borrowing a book or two.
      const l1 = library.float();
      const l2 = library.float();
      const l3 = library.float();
      const visitChance = 0.16 * Math.min(engaged, 1.3) * p.libraryAppetite * (weekend ? 0.3 : 1);
      if (l1 < visitChance) yield [i, day, "library", 1 + (l2 < 0.15 ? 1 : 0) + (l3 < 0.1 ? 2 : l3 < 0.35 ? 1 : 0), 0, 0, 0];
      if (sub[a]! > 0 || sub[a + 1]! > 0) yield [i, day, "submission", sub[a]!, sub[a + 1]!, sub[a + 2]!, sub[a + 3]!];
    }
  }
}
