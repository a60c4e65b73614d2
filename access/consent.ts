/**
 * Consent in force for a purpose is the student's latest record for it (by recordedAt, then id).
 * Learning analytics runs unless that record refuses or withdraws it (an opt-out, POLICY P8);
 * special-category data is read only when it grants it (an opt-in). Every module asks here, so the
 * rule is written once; the SQL form, for queries over many students, is in queries.ts.
 */
import type { Database } from "../prisma/index.ts";
import { studentsWithholding } from "./queries.ts";

export type ConsentState = "granted" | "refused" | "withdrawn";
export type ConsentPurpose = "analytics" | "special_category_health" | "special_category_disability" | "special_category_ethnicity" | "special_category_other";

/** Whether a consent state in force withholds consent (no record withholds nothing). */
export function withholds(state: string | null | undefined): boolean {
  return state === "refused" || state === "withdrawn";
}

/** The state in force for a purpose: the latest record, or none. */
export async function consentInForce(db: Database, studentId: number, purpose: ConsentPurpose): Promise<ConsentState | null> {
  const latest = await db.prisma.consent.findFirst({
    where: { studentId, purpose },
    orderBy: [{ recordedAt: "desc" }, { id: "desc" }],
    select: { state: true },
  });
  return (latest?.state as ConsentState | undefined) ?? null;
}

/** Of these students (or all), those whose analytics consent in force is refused or withdrawn. */
export async function withholdingAnalytics(db: Database, studentIds?: readonly number[]): Promise<Set<number>> {
  return studentsWithholding(db, "analytics", studentIds);
}
