/**
 * Randomised holdouts: a rule may hold back its automatic nudge from a share of the students it
 * flags, so the university can compare like with like and tell whether the rule helps (POLICY P12).
 * The draw is a hash of rule, version, academic year and student: the same on SQLite and
 * PostgreSQL, on a re-run, and in a review years later. A student keeps one arm per rule per term
 * (queries/flags.ts looks up the arm already drawn). Tutors see held-out flags like any other;
 * invitations, referrals, escalations, replies and safeguarding are never held out.
 */
import { createHash } from "node:crypto";

/** The fields of a rule document a holdout reads (validate.ts's RuleDocument has them all). */
interface RuleDocument {
  intervention: string;
  significance: string;
  holdout?: string;
}

export type HoldoutArm = "nudged" | "held_out";

export const MAX_HOLDOUT_PERCENT = 50;
export const HOLDOUT_FORMAT = `must be a percentage from 0% to ${MAX_HOLDOUT_PERCENT}%, e.g. holdout: 10%`;

const DAY_MS = 86_400_000;

/** Only a rule whose nudge goes out without a person's decision has anything to hold back. */
export function isAutomaticNudge(document: Pick<RuleDocument, "intervention" | "significance">): boolean {
  return document.intervention === "nudge" && document.significance === "nudge";
}

/** The share held out, 0 to 0.5; 0 when the rule sets none or sends no automatic nudge. */
export function holdoutShare(document: Pick<RuleDocument, "holdout" | "intervention" | "significance">): number {
  if (!isAutomaticNudge(document) || typeof document.holdout !== "string") return 0;
  const percent = Number.parseFloat(document.holdout);
  return Number.isFinite(percent) ? Math.min(Math.max(percent, 0), MAX_HOLDOUT_PERCENT) / 100 : 0;
}

export function holdoutProblem(rule: Partial<RuleDocument>): { severity: "error" | "warning"; message: string } | null {
  const percent = Number.parseFloat(rule.holdout ?? "");
  if (!/^\d{1,2}(\.\d{1,2})?%$/.test(rule.holdout ?? "") || percent > MAX_HOLDOUT_PERCENT)
    return { severity: "error", message: `${HOLDOUT_FORMAT} (more would leave too many students without the nudge)` };
  if (percent > 0 && typeof rule.intervention === "string" && !isAutomaticNudge(rule as RuleDocument))
    return {
      severity: "warning",
      message: `only automatic nudges are held out: this rule's ${rule.intervention.replace(/_/g, " ")} waits for a person and is always proposed`,
    };
  return null;
}

/** "2026/27" for any day from 1 August 2026 to 31 July 2027 (UK academic years). */
export function academicYearOf(day: number): string {
  const date = new Date(day * DAY_MS);
  const start = date.getUTCMonth() >= 7 ? date.getUTCFullYear() : date.getUTCFullYear() - 1;
  return `${start}/${String((start + 1) % 100).padStart(2, "0")}`;
}

/**
 * The term a day falls in: autumn (August to December), spring (January to March), summer (April
 * to July). Fixed months rather than the imported calendar, so a calendar edited mid-year cannot
 * move a student from one arm to the other.
 */
export function termOf(day: number): { academicYear: string; term: "autumn" | "spring" | "summer"; startDay: number } {
  const date = new Date(day * DAY_MS);
  const [year, month] = [date.getUTCFullYear(), date.getUTCMonth()];
  const [term, startMonth] = month >= 7 ? (["autumn", 7] as const) : month >= 3 ? (["summer", 3] as const) : (["spring", 0] as const);
  return { academicYear: academicYearOf(day), term, startDay: Date.UTC(year, startMonth, 1) / DAY_MS };
}

/**
 * A uniform number in [0, 1) from SHA-256 of rule, version, academic year and student: reproducible
 * by anyone with the same inputs, independent of the database, and unrelated between rules.
 */
export function holdoutDraw(ruleId: string, version: number, academicYear: string, studentId: number): number {
  const digest = createHash("sha256").update(`nudge-holdout|${ruleId}|${version}|${academicYear}|${studentId}`).digest();
  // 48 bits fit a double exactly.
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

export function armOf(draw: number, share: number): HoldoutArm {
  return draw < share ? "held_out" : "nudged";
}
