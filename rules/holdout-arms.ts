/**
 * The arm of each new flag in a rules run: the arm the student already has for the rule this term,
 * else a fresh draw (holdout.ts). Held-out flags are audited one by one, with the draw, so a student
 * or a reviewer can see why no nudge came; each run's split per rule is audited once.
 */
import { writeAudit, writeAudits, type AuditEntry } from "../audit/index.ts";
import type { Database } from "../prisma/index.ts";
import type { RuleOutcome } from "./evaluate.ts";
import { armOf, holdoutDraw, holdoutShare, isAutomaticNudge, termOf, type HoldoutArm } from "./holdout.ts";
import type { StoredRule } from "./store.ts";

export async function holdoutArms(
  db: Database,
  rules: readonly StoredRule[],
  outcomes: readonly RuleOutcome[],
  asOfDay: number,
): Promise<(outcome: RuleOutcome, studentId: number) => { arm: HoldoutArm; draw: number } | null> {
  const term = termOf(asOfDay);
  const automatic = new Map(rules.filter((r) => isAutomaticNudge(r.rule.document)).map((r) => [r.rule.document.id, r.rule.document]));
  const flagged = outcomes.filter((o) => automatic.has(o.id) && o.flagged.length > 0);
  const earlier = flagged.length
    ? await db.prisma.flag.findMany({
        where: { ruleId: { in: flagged.map((o) => o.id) }, day: { gte: term.startDay, lt: asOfDay }, arm: { not: null } },
        select: { ruleId: true, studentId: true, arm: true, armDraw: true },
        orderBy: { day: "asc" },
      })
    : [];
  const kept = new Map<string, { arm: HoldoutArm; draw: number }>();
  for (const row of earlier) {
    const key = `${row.ruleId}|${row.studentId}`;
    if (!kept.has(key) && row.arm) kept.set(key, { arm: row.arm, draw: row.armDraw ?? Number.NaN });
  }
  return (outcome, studentId) => {
    const document = automatic.get(outcome.id);
    if (!document) return null;
    const previous = kept.get(`${outcome.id}|${studentId}`);
    if (previous) return previous;
    const draw = holdoutDraw(outcome.id, outcome.version, term.academicYear, studentId);
    return { arm: armOf(draw, holdoutShare(document)), draw };
  };
}

/** One audit entry per held-out flag of the run (the student's record shows it), and the split per rule. */
export async function auditHeldOut(db: Database, runId: number, rules: readonly StoredRule[], asOfDay: number): Promise<void> {
  const rows = await db.prisma.flag.findMany({
    where: { runId, arm: { not: null } },
    select: { id: true, studentId: true, ruleId: true, ruleVersion: true, arm: true, armDraw: true },
    orderBy: { id: "asc" },
  });
  if (rows.length === 0) return;
  const term = termOf(asOfDay);
  const shares = new Map(rules.map((r) => [r.rule.document.id, r.rule.document.holdout ?? "0%"]));
  const split = new Map<string, { nudged: number; heldOut: number }>();
  for (const row of rows) {
    const counts = split.get(row.ruleId) ?? { nudged: 0, heldOut: 0 };
    if (row.arm === "held_out") counts.heldOut++;
    else counts.nudged++;
    split.set(row.ruleId, counts);
  }
  await db.prisma.$transaction(async (tx) => {
    await writeAudits(
      tx,
      rows
        .filter((r) => r.arm === "held_out")
        .map(
          (row): AuditEntry => ({
            actor: { kind: "system", component: "rules" },
            action: "flag.held_out",
            targetType: "flag",
            targetId: String(row.id),
            studentId: row.studentId,
            details: {
              rule: row.ruleId,
              version: row.ruleVersion,
              academicYear: term.academicYear,
              term: term.term,
              holdout: shares.get(row.ruleId),
              draw: row.armDraw,
              meaning: "the automatic nudge is not sent; the flag is shown to the tutor as usual",
            },
          }),
        ),
    );
    await writeAudit(tx, {
      actor: { kind: "system", component: "rules" },
      action: "rules.holdout",
      targetType: "rule_run",
      targetId: String(runId),
      details: { academicYear: term.academicYear, term: term.term, rules: Object.fromEntries(split) },
    });
  });
}
