/**
 * A world for differencing over periods and sources: each student's last library day and last VLE
 * day are written out, so who had no activity over any period can be worked out from this table
 * alone (`inactiveIn`), without the code under test. NOW is the morning after D: "the last N
 * days" are D-N+1 to D.
 *
 * First-years in Computing reproduce the probe: no library activity in the last 5/6, 11/12 and
 * 15/16 days were 17/16, 15/14 and 13/12, one student apart each time; and 13 with no library
 * activity in 14 days against 10 with no activity at all (3 apart).
 */
import type { Database } from "../../prisma/index.ts";
import { roleScopeKey } from "../../access/index.ts";
import { buildWorld, D, FIRST_DATA_DAY, type StudentSpec } from "../rules/world.ts";

export { D };

export interface Recency {
  number: string;
  cohort: CohortKey;
  /** Days before D of the one library visit (null: none in the data). */
  library: number | null;
  /** VLE every day up to this many days before D (null: none in the data). */
  vle: number | null;
}

export type CohortKey = "COMP1" | "COMP2" | "HIST1";
const PLACES: Record<CohortKey, { programme: string; year: number }> = {
  COMP1: { programme: "COMP-BSC", year: 1 },
  COMP2: { programme: "COMP-BSC", year: 2 },
  HIST1: { programme: "HIST-BA", year: 1 },
};

function students(): Recency[] {
  const out: Recency[] = [];
  const add = (cohort: CohortKey, library: number | null, vle: number | null, count = 1) => {
    for (let i = 0; i < count; i++) out.push({ number: `S${String(out.length + 1).padStart(7, "0")}`, cohort, library, vle });
  };
  // COMP1: 10 silent (nothing at all), 2 with the VLE but no library, then one last in the library
  // 15, 12, 11, 6 and 5 days before D, and 5 who use it every few days.
  add("COMP1", null, null, 10);
  add("COMP1", null, 0, 2);
  for (const days of [15, 12, 11, 6, 5]) add("COMP1", days, 0);
  add("COMP1", 0, 0, 5);
  // COMP2: a cohort near the threshold.
  add("COMP2", null, null, 5);
  for (const days of [3, 9, 20]) add("COMP2", days, 0);
  // HIST1: small groups everywhere.
  add("HIST1", null, null, 2);
  for (const days of [2, 8, 13]) add("HIST1", days, 4);
  add("HIST1", 30, 0);
  return out;
}

export const RECENCY: readonly Recency[] = students();

/** Whether the student had no activity from `source` on any day from `from` to `to` (day numbers). */
export function inactiveIn(student: Recency, source: "library" | "vle" | "any", from: number, to: number): boolean {
  const library = student.library !== null && from <= D - student.library && D - student.library <= to;
  // VLE every day from the first day of data to D - vle.
  const vle = student.vle !== null && from <= D - student.vle && to >= FIRST_DATA_DAY;
  if (source === "library") return !library;
  if (source === "vle") return !vle;
  return !library && !vle;
}

export async function buildRecencyWorld(db: Database): Promise<{ ids: Map<string, number>; centre: string }> {
  const specs: StudentSpec[] = RECENCY.map((s) => ({
    number: s.number,
    ...PLACES[s.cohort],
    activity: (day: number) => ({
      vle: s.vle !== null && day <= D - s.vle ? 10 : undefined,
      library: s.library !== null && day === D - s.library ? 1 : undefined,
    }),
  }));
  const world = await buildWorld(db, specs);
  await db.prisma.programme.update({ where: { code: "COMP-BSC" }, data: { title: "BSc Computing", lengthYears: 3 } });
  await db.prisma.programme.update({ where: { code: "HIST-BA" }, data: { title: "BA History", lengthYears: 3 } });
  const staff = await db.prisma.staff.create({ data: { staffNumber: "C0001", displayName: "Student Centre" } });
  await db.prisma.staffRoleAssignment.create({ data: { staffId: staff.id, role: "student_centre", scopeKey: roleScopeKey("student_centre", {}) } });
  return { ids: world.ids, centre: "C0001" };
}
