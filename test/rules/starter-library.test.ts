/**
 * Every starter rule on constructed data: each flags exactly the students it should. The world is
 * written so the expectation for each student can be worked out by hand (see the notes beside
 * them); boundary students sit one step on the wrong side of each threshold.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../prisma/index.ts";
import { checkFiles, hasErrors, runRules, saveAll, setEnabled } from "../../rules/index.ts";
import { staffByNumber } from "../../access/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { buildWorld, D, dateOf, type DayActivity, except, healthy, isWeekday, RUN_TIME, type StudentSpec, type World } from "./world.ts";

const noVleAfter = (last: number) => except(healthy(), (day, usual) => (day > last ? { ...usual, vle: undefined } : usual));
const absentFrom = (first: number, base = healthy()) =>
  except(base, (day, usual) => (day >= first && isWeekday(day) ? { ...usual, attendance: [2, 0, 2] } : usual));
/** Weekdays of the last 21 days attended once of twice, except the last `full` weekdays. */
const halfAttendance = (full: number) => {
  const weekdays = [...Array(21).keys()].map((i) => D - 20 + i).filter(isWeekday);
  const fullDays = new Set(weekdays.slice(weekdays.length - full));
  return except(healthy(), (day, usual) => (weekdays.includes(day) && !fullDays.has(day) ? { ...usual, attendance: [2, 1, 1] } : usual));
};

const STUDENTS: StudentSpec[] = [
  // A cohort of 14 for percentiles: 12 with steady, slightly different activity, and two low ones.
  ...[...Array(12).keys()].map((i) => ({ number: `H${String(i).padStart(2, "0")}`, programme: "COMP", year: 2, activity: healthy(20 + i) })),
  // Least active both weeks: percentile 0 and 0.
  { number: "P1", programme: "COMP", year: 2, activity: healthy(5) },
  // Least active but one last week (7.7th percentile), the week before above three others (23rd).
  { number: "P2", programme: "COMP", year: 2, activity: except(healthy(22), (day, usual) => (day > D - 7 ? { ...usual, vle: 6 } : usual)) },
  // Everyone below is alone in their cohort: no percentile (null), no cohort-silence check.
  // Last VLE on D-10: 10 days; 14-day activity 80 against 560 over 28 days: change 0.29.
  { number: "A", programme: "XA", year: 2, activity: noVleAfter(D - 10) },
  // Last VLE on D-9: 9 days (not 10); change 0.36.
  { number: "A9", programme: "XA9", year: 2, activity: noVleAfter(D - 9) },
  // No VLE after D-21, absent from every session after D-14, no library after D-15:
  // 21 days without VLE, 14 without anything, attendance 10/30 over 21 days, 20 absences in a row.
  {
    number: "B",
    programme: "XB",
    year: 2,
    activity: except(absentFrom(D - 13, noVleAfter(D - 21)), (day, usual) => (day > D - 14 ? { ...usual, library: undefined } : usual)),
  },
  // Nothing at all recorded after D-22: 22 days without VLE or anything else. B28 after D-28: 28 days,
  // past the three-week window (flagged when the silence reached 21 days, not every week after).
  { number: "B21", programme: "XB21", year: 2, activity: except(healthy(), (day, usual) => (day > D - 22 ? {} : usual)) },
  { number: "B28", programme: "XB28", year: 2, activity: except(healthy(), (day, usual) => (day > D - 28 ? {} : usual)) },
  // Attended 17 of 30 sessions in 21 days (0.57); C2 attended 18 (0.6, not below).
  { number: "C", programme: "XC", year: 2, activity: halfAttendance(2) },
  { number: "C2", programme: "XC2", year: 2, activity: halfAttendance(3) },
  // Absent from the last 4 sessions (Thursday and Friday); E3 from the last 3.
  { number: "E", programme: "XE", year: 2, activity: absentFrom(D - 1) },
  {
    number: "E3",
    programme: "XE3",
    year: 2,
    activity: except(absentFrom(D - 1), (day, usual) => (day === D ? { ...usual, attendance: [1, 0, 1] } : usual)),
  },
  // A submission due on D-5 is missing; F2's was due on D-8, outside the 7 days; F3 also missed one
  // due on D-60, so D-5's is not their first missed in 120 days (they were told at the first).
  { number: "F", programme: "XF", year: 2, activity: except(healthy(), (day, usual) => (day === D - 5 ? { ...usual, submission: [0, 1, 0, 1] } : usual)) },
  { number: "F2", programme: "XF2", year: 2, activity: except(healthy(), (day, usual) => (day === D - 8 ? { ...usual, submission: [0, 1, 0, 1] } : usual)) },
  {
    number: "F3",
    programme: "XF3",
    year: 2,
    activity: except(healthy(), (day, usual) => (day === D - 5 || day === D - 60 ? { ...usual, submission: [0, 1, 0, 1] } : usual)),
  },
  // In 28 days one piece handed in late (D-10) and one missed (D-12), with 1 VLE event a day (14 in
  // 14 days); G1 the same with 2 a day (28, not under 20).
  ...(
    [
      ["G", 1],
      ["G1", 2],
    ] as const
  ).map(([number, perDay]) => ({
    number,
    programme: `X${number}`,
    year: 2,
    activity: except(
      healthy(perDay),
      (day, usual): DayActivity => (day === D - 10 ? { ...usual, submission: [1, 0, 1, 0] } : day === D - 12 ? { ...usual, submission: [0, 1, 0, 1] } : usual),
    ),
  })),
  // Started on D-9 and has done nothing on the VLE since (first week and last 14 days empty; 9 days,
  // under no-vle-10-days); H2 once, on D-8.
  {
    number: "H",
    programme: "XH",
    year: 1,
    startDay: D - 9,
    activity: except(healthy(), (_, usual) => ({ ...usual, vle: undefined })),
  },
  {
    number: "H2",
    programme: "XH2",
    year: 1,
    startDay: D - 9,
    activity: except(healthy(), (day, usual) => ({ ...usual, vle: day === D - 8 ? 1 : undefined })),
  },
  // First-years 60 days in: L never used the library, L2 last on D-41 (41 days, not 42); L3 is a second-year.
  { number: "L", programme: "XL", year: 1, startDay: D - 60, activity: except(healthy(), (_, usual) => ({ ...usual, library: undefined })) },
  {
    number: "L2",
    programme: "XL2",
    year: 1,
    startDay: D - 60,
    activity: except(healthy(), (day, usual) => ({ ...usual, library: day === D - 41 ? 1 : undefined })),
  },
  { number: "L3", programme: "XL3", year: 2, activity: except(healthy(), (_, usual) => ({ ...usual, library: undefined })) },
  // Nothing at all recorded after D-14: no sessions timetabled either, so attendance rates are undefined.
  { number: "N", programme: "XN", year: 2, activity: except(healthy(), (day, usual) => (day > D - 14 ? {} : usual)) },
  // Last 14 days: VLE on alternate days (7 events), one of two sessions on alternate weekdays (5 of 20).
  {
    number: "K",
    programme: "XK",
    year: 2,
    activity: except(healthy(), (day, usual) => {
      if (day <= D - 14) return usual;
      const even = (D - day) % 2 === 0;
      return { ...usual, vle: even ? 1 : undefined, attendance: isWeekday(day) ? (even ? [2, 1, 1] : [2, 0, 2]) : undefined };
    }),
  },
  // Like A, but consent withdrawn / processing restricted / extenuating circumstances / withdrawn.
  { number: "W", programme: "XW", year: 2, activity: noVleAfter(D - 12) },
  { number: "R", programme: "XR", year: 2, activity: noVleAfter(D - 12) },
  { number: "X", programme: "XX", year: 2, activity: noVleAfter(D - 12) },
  { number: "Q", programme: "XQ", year: 2, activity: noVleAfter(D - 12) },
  // A cohort of six whose VLE data stops on D-12 for all of them: a missing feed, not six disengaged students.
  ...[1, 2, 3, 4, 5, 6].map((i) => ({ number: `S${i}`, programme: "SILENT", year: 2, activity: noVleAfter(D - 12) })),
];

/** Worked out by hand from the notes above. */
const EXPECTED: Record<string, string[]> = {
  "no-vle-10-days": ["A", "B", "B21", "B28", "N"],
  "no-vle-21-days": ["B21"],
  "attendance-below-60": ["B", "C", "K"],
  "consecutive-absences": ["B", "E"],
  "missed-submission": ["F"],
  "repeated-late-submissions": ["G"],
  "activity-halved": ["A", "A9", "B", "B21", "B28", "K", "N"],
  "bottom-decile-two-weeks": ["P1"],
  "new-student-not-active-week-1": ["H"],
  "no-engagement-14-days": ["B", "B21", "B28", "N"],
  "library-not-used-first-years": ["L"],
  "low-attendance-and-vle": ["B", "K"],
};

async function flaggedByRule(db: Database): Promise<Record<string, string[]>> {
  const flags = await db.prisma.flag.findMany({ include: { student: true } });
  const out: Record<string, string[]> = {};
  for (const f of flags) (out[f.ruleId] ??= []).push(f.student.studentNumber);
  for (const list of Object.values(out)) list.sort();
  return out;
}

describe("the starter library on constructed data", () => {
  const database = useMigratedDatabase();
  let world: World;

  beforeAll(async () => {
    world = await buildWorld(database.db, STUDENTS);
    const id = (n: string) => world.ids.get(n)!;
    await database.db.prisma.consent.createMany({
      data: [
        { studentId: id("W"), purpose: "analytics", state: "granted", source: "sis", recordedAt: dateOf(D - 300) },
        { studentId: id("W"), purpose: "analytics", state: "withdrawn", source: "teams", recordedAt: dateOf(D - 3) },
        { studentId: id("A"), purpose: "analytics", state: "granted", source: "sis", recordedAt: dateOf(D - 300) },
      ],
    });
    await database.db.prisma.student.update({ where: { id: id("R") }, data: { restrictedAt: dateOf(D - 2) } });
    await database.db.prisma.student.update({ where: { id: id("Q") }, data: { enrolmentStatus: "withdrawn" } });
    await database.db.prisma.extenuatingCircumstance.create({ data: { studentId: id("X"), fromDate: dateOf(D - 7), toDate: dateOf(D + 7) } });

    const checked = checkFiles("rules/library", null);
    expect(checked.problems).toEqual([]);
    const author = (await staffByNumber(database.db, world.adminNumber))!;
    await saveAll(database.db, { calendar: checked.calendar, rules: checked.rules }, author);
    for (const { rule } of checked.rules) await setEnabled(database.db, rule.document.id, true, author);
  });

  it("ships 12 valid rules and a calendar", () => {
    const checked = checkFiles("rules/library", null);
    expect(hasErrors(checked.problems)).toBe(false);
    expect(checked.rules.map((r) => r.rule.document.id).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it("flags exactly the students each rule should", async () => {
    const report = await runRules(database.db, { asOfDay: D, trigger: "manual", now: RUN_TIME });
    expect(await flaggedByRule(database.db)).toEqual(EXPECTED);
    const expectedTotal = Object.values(EXPECTED).reduce((n, list) => n + list.length, 0);
    expect(report.flagsWritten).toBe(expectedTotal);
    expect(Object.fromEntries(report.rules.map((r) => [r.id, r.flagsWritten]))).toEqual(
      Object.fromEntries(Object.entries(EXPECTED).map(([id, list]) => [id, list.length])),
    );
    expect(report.skipped).toEqual([]);
  });

  it("leaves alone students without consent, restricted, with extenuating circumstances or no longer enrolled, and says so", async () => {
    const [run] = await database.db.prisma.ruleRun.findMany({ orderBy: { id: "asc" }, take: 1 });
    const summary = run!.summary as { excluded: Record<string, number>; studentsEvaluated: number };
    expect(summary.excluded).toEqual({ consent: 1, restricted: 1, extenuating: 1 });
    // Q is withdrawn: not among the students evaluated at all.
    expect(summary.studentsEvaluated).toBe(STUDENTS.length - 1);
  });

  it("skips a cohort whose feed has gone silent, and reports it instead of flagging six students", async () => {
    const [run] = await database.db.prisma.ruleRun.findMany({ orderBy: { id: "asc" }, take: 1 });
    const rules = (run!.summary as { rules: { id: string; skippedCohorts: { cohort: string; students: number; reason: string }[] }[] }).rules;
    const noVle = rules.find((r) => r.id === "no-vle-10-days")!;
    expect(noVle.skippedCohorts).toEqual([{ cohort: "SILENT year 2", students: 6, reason: "no vle data for anyone in it since 2026-11-08" }]);
    // Rules that do not read the VLE still evaluate them.
    expect(rules.find((r) => r.id === "attendance-below-60")!.skippedCohorts).toEqual([]);
  });

  it("writes evidence a tutor and the student can read: metric values, units, sources and their freshness", async () => {
    const flag = await database.db.prisma.flag.findFirstOrThrow({ where: { ruleId: "no-vle-10-days", student: { studentNumber: "A" } } });
    expect(flag.periodKey).toBe("2026-11-20");
    expect(flag.day).toBe(D);
    expect(flag.evidence).toEqual({
      asOf: "2026-11-20",
      rule: { id: "no-vle-10-days", version: 1, title: "No VLE activity for 10 days", condition: "vle_days_since_last >= 10" },
      metrics: {
        vle_days_since_last: {
          value: 10,
          unit: "days",
          window: "looks back up to 180 days",
          description: "Days since the student's last VLE activity (or since their course started, if there has been none).",
        },
      },
      sources: { vle: { lastDataDay: "2026-11-20", lastLoadedAt: "2026-11-21T05:00:00.000Z" } },
      cohort: "XA year 2",
      lastVleDate: "2026-11-10",
    });
  });
});
