/**
 * Who a run may flag, and the facts cohort filters need. Students are never evaluated while
 * (POLICY P7, P8, invariant 4):
 *  - their latest analytics consent is refused or withdrawn,
 *  - processing is restricted, or the record is erased,
 *  - an extenuating circumstance covers the as-of day (no nudges about a known difficulty).
 * Enrolment is part of the metrics query itself (only students enrolled on the day are there).
 */
import { DAY_MS } from "../core/index.ts";
import { withholdingAnalytics } from "../access/index.ts";
import type { Database } from "../prisma/index.ts";
import type { RuleDocument } from "./validate.ts";

export type Exclusion = "consent" | "restricted" | "extenuating";

export interface Population {
  excluded: Map<number, Exclusion>;
  programmeCode: Map<number, string>;
  /** Percentile-cohort key → words ("COMP-BSC year 1", "CS101 2026-27"). */
  groupLabel(groupKey: string): string;
  /** Only loaded when a rule filters on them. */
  moduleCodesOf: Map<number, Set<string>>;
  tutorGroupsOf: Map<number, Set<string>>;
}

export async function excludedStudents(db: Database): Promise<Map<number, Exclusion>> {
  const excluded = new Map<number, Exclusion>();
  for (const studentId of await withholdingAnalytics(db)) excluded.set(studentId, "consent");
  const restricted = await db.prisma.student.findMany({ where: { OR: [{ restrictedAt: { not: null } }, { erasedAt: { not: null } }] }, select: { id: true } });
  for (const row of restricted) excluded.set(row.id, "restricted");
  return excluded;
}

export async function loadPopulation(db: Database, rules: readonly RuleDocument[], asOfDay: number): Promise<Population> {
  const excluded = await excludedStudents(db);
  const dayStart = new Date(asOfDay * DAY_MS);
  const dayEnd = new Date((asOfDay + 1) * DAY_MS - 1);
  const circumstances = await db.prisma.extenuatingCircumstance.findMany({
    where: { fromDate: { lte: dayEnd }, toDate: { gte: dayStart } },
    select: { studentId: true },
  });
  for (const row of circumstances) if (!excluded.has(row.studentId)) excluded.set(row.studentId, "extenuating");

  const programmes = await db.prisma.programme.findMany({ select: { id: true, code: true } });
  const programmeCode = new Map(programmes.map((p) => [p.id, p.code]));
  const instances = await db.prisma.moduleInstance.findMany({ select: { id: true, presentationCode: true, module: { select: { code: true } } } });
  const instanceLabel = new Map(instances.map((i) => [i.id, `${i.module.code} ${i.presentationCode}`]));
  const groupLabel = (key: string) => {
    const programme = /^p(\d+)y(\d+)$/.exec(key);
    if (programme) return `${programmeCode.get(Number(programme[1])) ?? `programme ${programme[1]}`} year ${programme[2]}`;
    const module = /^m(\d+)$/.exec(key);
    return module ? (instanceLabel.get(Number(module[1])) ?? `module ${module[1]}`) : key;
  };

  const moduleCodesOf = new Map<number, Set<string>>();
  if (rules.some((r) => r.cohort?.modules)) {
    const rows = await db.prisma.moduleEnrolment.findMany({
      where: {
        OR: [{ withdrawnAt: null }, { withdrawnAt: { gt: dayEnd } }],
        moduleInstance: { startDate: { lte: dayEnd }, OR: [{ endDate: null }, { endDate: { gte: dayStart } }] },
      },
      select: { studentId: true, moduleInstance: { select: { module: { select: { code: true } } } } },
    });
    for (const row of rows) addTo(moduleCodesOf, row.studentId, row.moduleInstance.module.code);
  }
  const tutorGroupsOf = new Map<number, Set<string>>();
  if (rules.some((r) => r.cohort?.tutorGroups)) {
    const rows = await db.prisma.tutorAssignment.findMany({
      where: { tutorGroupId: { not: null }, startDate: { lte: dayEnd }, OR: [{ endDate: null }, { endDate: { gt: dayStart } }] },
      select: { studentId: true, tutorGroup: { select: { code: true } } },
    });
    for (const row of rows) if (row.tutorGroup) addTo(tutorGroupsOf, row.studentId, row.tutorGroup.code);
  }
  return { excluded, programmeCode, groupLabel, moduleCodesOf, tutorGroupsOf };
}

function addTo(map: Map<number, Set<string>>, key: number, value: string): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

/** Students count as new for this many days after their course starts. */
export const NEW_STUDENT_DAYS = 28;

/** Whether a student is in the rule's cohort (fields AND together, values within a field OR). */
export function inCohort(
  cohort: RuleDocument["cohort"],
  student: { studentId: number; programmeId: number | null; yearOfStudy: number | null; startDay: number | null },
  population: Population,
  asOfDay: number,
): boolean {
  if (!cohort) return true;
  if (cohort.programmes) {
    const code = student.programmeId === null ? undefined : population.programmeCode.get(student.programmeId);
    if (!code || !cohort.programmes.includes(code)) return false;
  }
  if (cohort.years && (student.yearOfStudy === null || !cohort.years.includes(student.yearOfStudy))) return false;
  if (cohort.modules && !cohort.modules.some((m) => population.moduleCodesOf.get(student.studentId)?.has(m))) return false;
  if (cohort.tutorGroups && !cohort.tutorGroups.some((g) => population.tutorGroupsOf.get(student.studentId)?.has(g))) return false;
  if (cohort.newStudents !== undefined) {
    if (student.startDay === null) return false;
    const within = typeof cohort.newStudents === "object" ? cohort.newStudents.withinDays : NEW_STUDENT_DAYS;
    const isNew = asOfDay - student.startDay < within;
    if (cohort.newStudents === false ? isNew : !isNew) return false;
  }
  return true;
}
