/**
 * A small, hand-made world for rule tests: students whose daily engagement is written out as
 * simple functions of the day, so what each rule should flag can be worked out by hand.
 */
import type { Database } from "../../prisma/index.ts";
import { roleScopeKey } from "../../access/index.ts";

export const DAY_MS = 86_400_000;
/** Friday 20 November 2026, in autumn teaching (not the reading week). */
export const D = 20777;
export const dateOf = (day: number) => new Date(day * DAY_MS);
export const isWeekday = (day: number) => {
  const weekday = (day + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  return weekday >= 1 && weekday <= 5;
};

/** What one student did on one day; undefined fields mean nothing that day. */
export interface DayActivity {
  vle?: number;
  /** [timetabled, attended, unauthorised absences] */
  attendance?: [number, number, number];
  library?: number;
  /** [handed in, due, late, missed] */
  submission?: [number, number, number, number];
}

export interface StudentSpec {
  number: string;
  programme: string;
  year: number;
  /** Course start, day number (default: a year and two months before D). */
  startDay?: number;
  activity(day: number): DayActivity;
}

/** VLE every day, both sessions on weekdays, the library every third day, one piece of work handed in on time on D-20. */
export function healthy(vlePerDay = 20): (day: number) => DayActivity {
  return (day) => ({
    vle: vlePerDay,
    attendance: isWeekday(day) ? [2, 2, 0] : undefined,
    library: (D - day) % 3 === 0 ? 1 : undefined,
    submission: day === D - 20 ? [1, 1, 0, 0] : undefined,
  });
}

/** `base`, with some days changed. */
export function except(base: (day: number) => DayActivity, change: (day: number, usual: DayActivity) => DayActivity): (day: number) => DayActivity {
  return (day) => change(day, base(day));
}

export const FIRST_DATA_DAY = D - 120;

export interface World {
  ids: Map<string, number>;
  adminNumber: string;
  tutorId: number;
}

export async function buildWorld(db: Database, students: readonly StudentSpec[], options: { lastDataDay?: number; loadedAt?: Date } = {}): Promise<World> {
  const p = db.prisma;
  const admin = await p.staff.create({ data: { staffNumber: "A0001", displayName: "Rules Admin" } });
  await p.staffRoleAssignment.create({ data: { staffId: admin.id, role: "admin", scopeKey: roleScopeKey("admin") } });
  const tutor = await p.staff.create({ data: { staffNumber: "T0001", displayName: "Dr Tutor" } });
  await p.staffRoleAssignment.create({ data: { staffId: tutor.id, role: "personal_tutor", scopeKey: roleScopeKey("personal_tutor") } });

  const programmes = new Map<string, number>();
  for (const code of new Set(students.map((s) => s.programme)))
    programmes.set(code, (await p.programme.create({ data: { code, title: `Programme ${code}` } })).id);

  const ids = new Map<string, number>();
  for (const spec of students) {
    const student = await p.student.create({ data: { studentNumber: spec.number, givenName: spec.number } });
    ids.set(spec.number, student.id);
    const startDay = spec.startDay ?? D - 425;
    await p.programmeEnrolment.create({
      data: { studentId: student.id, programmeId: programmes.get(spec.programme)!, yearOfStudy: spec.year, startDate: dateOf(startDay) },
    });
    await p.tutorAssignment.create({ data: { studentId: student.id, staffId: tutor.id, startDate: dateOf(startDay) } });
  }

  const rows: unknown[][] = [];
  for (const spec of students) {
    const id = ids.get(spec.number)!;
    const startDay = spec.startDay ?? D - 425;
    for (let day = Math.max(FIRST_DATA_DAY, startDay); day <= D; day++) {
      const a = spec.activity(day);
      if (a.vle) rows.push([id, day, "vle", 0, a.vle, 0, 0, 0]);
      if (a.attendance) rows.push([id, day, "attendance", 0, a.attendance[1], a.attendance[0], 0, a.attendance[2]]);
      if (a.library) rows.push([id, day, "library", 0, a.library, 0, 0, 0]);
      if (a.submission) rows.push([id, day, "submission", 0, a.submission[0], a.submission[1], a.submission[2], a.submission[3]]);
    }
  }
  await db.sql.transaction((tx) =>
    tx.bulkInsert("EngagementDaily", ["studentId", "day", "source", "moduleInstanceKey", "count", "expected", "late", "missed"], rows),
  );
  const loadedAt = options.loadedAt ?? new Date((D + 1) * DAY_MS + 5 * 3_600_000);
  for (const source of ["vle", "attendance", "library", "submission"] as const) {
    await p.feedFreshness.create({ data: { feed: source, source, lastDataDay: options.lastDataDay ?? D, lastLoadedAt: loadedAt } });
  }
  return { ids, adminNumber: admin.staffNumber, tutorId: tutor.id };
}

/** The morning after D, when the scheduled run for D happens. */
export const RUN_TIME = new Date((D + 1) * DAY_MS + 6 * 3_600_000);
