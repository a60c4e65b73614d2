/**
 * Programmes, modules, one presentation per module, its weekly timetable and its assessments.
 *
 * The curriculum is small (hundreds of modules, a few thousand sessions), so it is built once in
 * memory and every later pass looks sessions and due dates up by index. Module ids double as
 * module instance ids (one presentation each), and ids are positions in these arrays plus one.
 */
import { HOUR_MS } from "../core/index.ts";
import { academicYearLabel, academicYearStart, dayDate, isoDay, ukTime, weekday, type Period } from "./calendar.ts";
import { programmesFor, type ProgrammeSpec } from "./catalogue.ts";
import { stream } from "./random.ts";

export interface ModuleInfo {
  id: number;
  code: string;
  title: string;
  programme: number;
  year: number;
  lectureMethod: string;
  practicalMethod: string;
}

export interface AssessmentInfo {
  id: number;
  module: number;
  title: string;
  kind: string;
  weight: number;
  dueDay: number;
  dueAt: Date;
}

/** Timetabled sessions in columns: index i is the session with id i + 1. */
export interface Sessions {
  count: number;
  module: Int32Array;
  day: Int32Array;
  startsAt: Float64Array;
  endsAt: Float64Array;
  practical: Uint8Array;
  /** Per module id: [first, end) indexes of its sessions, in time order. */
  firstOfModule: Int32Array;
  endOfModule: Int32Array;
}

export interface Curriculum {
  programmes: readonly ProgrammeSpec[];
  modules: readonly ModuleInfo[];
  /** [programme index][year - 1] → module ids. */
  modulesOf: readonly (readonly number[])[][];
  presentation: string;
  sessions: Sessions;
  assessments: readonly AssessmentInfo[];
  /** Per module id: ids of its assessments. */
  assessmentsOf: readonly (readonly number[])[];
  /** Most sessions any one module has (sizes per-student buffers). */
  maxSessionsPerModule: number;
}

/** Two-hour teaching blocks a timetabled session starts in (UK local time). */
const BLOCK_HOURS = [9, 11, 14, 16];

export function buildCurriculum(seed: number, students: number, period: Period): Curriculum {
  const programmes = programmesFor(students);
  const presentation = academicYearLabel(academicYearStart(period.startDay));
  const modules: ModuleInfo[] = [];
  const modulesOf: number[][][] = [];
  const slots: { lecture: [number, number]; practical: [number, number] }[] = [];

  programmes.forEach((programme, p) => {
    const years: number[][] = [];
    for (let year = 1; year <= programme.lengthYears; year++) {
      const ids: number[] = [];
      const random = stream(seed, p * 10 + year, "timetable");
      // 5 days x 4 blocks; each module takes two blocks on different days, none shared within a
      // programme-year, so a student's four modules never clash.
      const free = new Set<number>();
      for (let d = 0; d < 5; d++) for (let b = 0; b < BLOCK_HOURS.length; b++) free.add(d * 10 + b);
      const take = (avoidDay: number): [number, number] => {
        const options = [...free].filter((slot) => Math.floor(slot / 10) !== avoidDay);
        const slot = random.pick(options);
        free.delete(slot);
        return [Math.floor(slot / 10), BLOCK_HOURS[slot % 10] as number];
      };
      (programme.modules[year - 1] ?? []).forEach((title, m) => {
        const id = modules.length + 1;
        const lecture = take(-1);
        const practical = take(lecture[0]);
        slots.push({ lecture, practical });
        modules.push({
          id,
          code: `${programme.prefix}${year}${String(m + 1).padStart(3, "0")}`,
          title,
          programme: p,
          year,
          lectureMethod: random.chance(0.7) ? "card swipe" : "QR code",
          practicalMethod: programme.practical === "lab" ? "card swipe" : "register",
        });
        ids.push(id);
      });
      years.push(ids);
    }
    modulesOf.push(years);
  });

  const sessions = buildSessions(modules, slots, programmes, period);
  const { assessments, assessmentsOf } = buildAssessments(seed, modules, period);
  let maxSessionsPerModule = 0;
  for (let m = 0; m < modules.length; m++) {
    maxSessionsPerModule = Math.max(maxSessionsPerModule, (sessions.endOfModule[m + 1] ?? 0) - (sessions.firstOfModule[m + 1] ?? 0));
  }
  return { programmes, modules, modulesOf, presentation, sessions, assessments, assessmentsOf, maxSessionsPerModule };
}

function buildSessions(
  modules: readonly ModuleInfo[],
  slots: readonly { lecture: [number, number]; practical: [number, number] }[],
  programmes: readonly ProgrammeSpec[],
  period: Period,
): Sessions {
  // Weeks start on the Monday on or before the first day; sessions outside the period are skipped.
  const firstMonday = period.startDay - weekday(period.startDay);
  const weeks = Math.ceil((period.endDay - firstMonday + 1) / 7);
  const capacity = modules.length * weeks * 2;
  const s: Sessions = {
    count: 0,
    module: new Int32Array(capacity),
    day: new Int32Array(capacity),
    startsAt: new Float64Array(capacity),
    endsAt: new Float64Array(capacity),
    practical: new Uint8Array(capacity),
    firstOfModule: new Int32Array(modules.length + 1),
    endOfModule: new Int32Array(modules.length + 1),
  };
  modules.forEach((module, m) => {
    const slot = slots[m]!;
    const lab = programmes[module.programme]!.practical === "lab";
    // Lecture first when both fall on a day; otherwise in day order.
    const weekly = [
      { weekday: slot.lecture[0], hour: slot.lecture[1], hours: 1, practical: 0 },
      { weekday: slot.practical[0], hour: slot.practical[1], hours: lab ? 2 : 1, practical: 1 },
    ].sort((a, b) => a.weekday - b.weekday || a.hour - b.hour);
    s.firstOfModule[module.id] = s.count;
    for (let w = 0; w < weeks; w++) {
      for (const session of weekly) {
        const day = firstMonday + w * 7 + session.weekday;
        if (day < period.startDay || day > period.endDay) continue;
        const i = s.count++;
        const start = ukTime(day, session.hour);
        s.module[i] = module.id;
        s.day[i] = day;
        s.startsAt[i] = start.getTime();
        s.endsAt[i] = start.getTime() + session.hours * HOUR_MS;
        s.practical[i] = session.practical;
      }
    }
    s.endOfModule[module.id] = s.count;
  });
  return s;
}

function buildAssessments(seed: number, modules: readonly ModuleInfo[], period: Period) {
  const assessments: AssessmentInfo[] = [];
  const assessmentsOf: number[][] = [[]];
  const span = period.endDay - period.startDay;
  for (const module of modules) {
    const random = stream(seed, module.id, "assessments");
    const quiz = random.chance(0.3);
    const project = /Project|Dissertation/.test(module.title);
    // Due roughly mid-period and near its end, so both fall inside the data when it is long enough.
    const plans = [
      {
        fraction: 0.4 + 0.15 * random.float(),
        title: project ? "Project proposal" : quiz ? "Online quiz" : "Coursework 1",
        kind: quiz && !project ? "quiz" : "coursework",
        weight: quiz && !project ? 0.2 : 0.4,
      },
      {
        fraction: 0.8 + 0.15 * random.float(),
        title: project ? "Interim report" : random.chance(0.5) ? "Coursework 2" : "Essay",
        kind: "coursework",
        weight: 0,
      },
    ];
    plans[1]!.weight = Math.round((1 - plans[0]!.weight) * 100) / 100;
    const ids: number[] = [];
    for (const plan of plans) {
      let dueDay = period.startDay + Math.round(plan.fraction * span);
      // Deadlines fall on weekdays: a weekend deadline moves back to Friday, or on to Monday when
      // Friday is before the period (a Monday after the period makes the work "pending").
      const wd = weekday(dueDay);
      if (wd >= 5) dueDay = dueDay - (wd - 4) >= period.startDay ? dueDay - (wd - 4) : dueDay + (7 - wd);
      const id = assessments.length + 1;
      assessments.push({ id, module: module.id, title: plan.title, kind: plan.kind, weight: plan.weight, dueDay, dueAt: ukTime(dueDay, 12) });
      ids.push(id);
    }
    assessmentsOf.push(ids);
  }
  return { assessments, assessmentsOf };
}

// ---------------------------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------------------------

export const PROGRAMME_COLUMNS = ["id", "code", "title", "school", "level", "lengthYears"] as const;

export function* programmeRows(c: Curriculum) {
  for (let p = 0; p < c.programmes.length; p++) {
    const programme = c.programmes[p]!;
    yield [p + 1, programme.code, programme.title, programme.school, "UG", programme.lengthYears];
  }
}

export const MODULE_COLUMNS = ["id", "code", "title", "credits"] as const;

export function* moduleRows(c: Curriculum) {
  for (const module of c.modules) yield [module.id, module.code, module.title, 30];
}

export const MODULE_INSTANCE_COLUMNS = ["id", "moduleId", "presentationCode", "startDate", "endDate", "vleSiteId"] as const;

/** Presentations run from the first day of data to four weeks after the last: teaching goes on. */
export function* moduleInstanceRows(c: Curriculum, period: Period) {
  for (const module of c.modules) {
    yield [module.id, module.id, c.presentation, dayDate(period.startDay), dayDate(period.endDay + 28), `vle-${module.code.toLowerCase()}-${c.presentation}`];
  }
}

export const TIMETABLE_EVENT_COLUMNS = ["id", "externalId", "moduleInstanceId", "kind", "startsAt", "endsAt"] as const;

export function* timetableEventRows(c: Curriculum) {
  const s = c.sessions;
  for (let i = 0; i < s.count; i++) {
    const module = c.modules[s.module[i]! - 1]!;
    const kind = s.practical[i] ? c.programmes[module.programme]!.practical : "lecture";
    yield [
      i + 1,
      `${module.code}-${c.presentation}-${isoDay(s.day[i]!).replaceAll("-", "")}-${kind.slice(0, 3).toUpperCase()}`,
      module.id,
      kind,
      new Date(s.startsAt[i]!),
      new Date(s.endsAt[i]!),
    ];
  }
}

export const ASSESSMENT_COLUMNS = ["id", "externalId", "moduleInstanceId", "title", "kind", "dueAt", "weight"] as const;

export function* assessmentRows(c: Curriculum) {
  for (const a of c.assessments) {
    const module = c.modules[a.module - 1]!;
    const number = a.id - (c.assessmentsOf[a.module]![0] ?? a.id) + 1;
    yield [a.id, `${module.code}-${c.presentation}-A${number}`, a.module, a.title, a.kind, a.dueAt, a.weight];
  }
}
