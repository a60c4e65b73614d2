/** The SQL access/ owns: consent in force, for queries over many students. */
import type { Database } from "../prisma/index.ts";

/**
 * SQL that is true when the student in `student` (a table alias) withholds consent for `purpose`:
 * their latest record for it refuses or withdraws it. Embedded by queries that must leave those
 * students out (rules, analytics), so they agree with `withholds`.
 */
export function consentWithheldSql(student: string, purpose = "analytics"): string {
  return `EXISTS (SELECT 1 FROM "Consent" k WHERE k."studentId" = ${student}."id" AND ${withheldRecord("k", purpose)})`;
}

/**
 * SQL that is true when the student in `student` has granted consent for `purpose` in force: their
 * latest record for it grants it (special-category data is used only then, POLICY P8).
 */
export function consentGrantedSql(student: string, purpose: string): string {
  return `EXISTS (SELECT 1 FROM "Consent" k WHERE k."studentId" = ${student}."id" AND k."purpose" = '${purpose}' AND k."state" = 'granted'
         AND NOT EXISTS (SELECT 1 FROM "Consent" l WHERE l."studentId" = k."studentId" AND l."purpose" = k."purpose"
                           AND (l."recordedAt" > k."recordedAt" OR (l."recordedAt" = k."recordedAt" AND l."id" > k."id"))))`;
}

/** The record `k` is a refusal or withdrawal for `purpose` with no later record after it. */
function withheldRecord(k: string, purpose: string): string {
  return `${k}."purpose" = '${purpose}' AND ${k}."state" IN ('refused', 'withdrawn')
         AND NOT EXISTS (SELECT 1 FROM "Consent" l WHERE l."studentId" = ${k}."studentId" AND l."purpose" = ${k}."purpose"
                           AND (l."recordedAt" > ${k}."recordedAt" OR (l."recordedAt" = ${k}."recordedAt" AND l."id" > ${k}."id")))`;
}

/** Read from the consent records (few), not the students (many). */
export async function studentsWithholding(db: Database, purpose: string, studentIds?: readonly number[]): Promise<Set<number>> {
  if (studentIds && studentIds.length === 0) return new Set();
  const only = studentIds ? ` AND c."studentId" IN (${studentIds.map((id) => Number(id)).join(", ")})` : "";
  const rows = await db.sql.query<{ studentId: number }>(`SELECT c."studentId" FROM "Consent" c WHERE ${withheldRecord("c", purpose)}${only}`);
  return new Set(rows.map((r) => Number(r.studentId)));
}
