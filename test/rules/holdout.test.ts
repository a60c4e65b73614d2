/**
 * Randomised holdouts through the real rules run on a real database (SQLite, and PostgreSQL with
 * NUDGE_TEST_DB=postgresql): arms are the documented hash of rule, version, academic year and
 * student, recomputed here independently, so both databases give the same arms; held-out students
 * get no automatic nudge, their flag stays open on the tutor's digest, and each is audited.
 */
import { createHash } from "node:crypto";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { staffByNumber } from "../../access/index.ts";
import { ruleEffect } from "../../analytics/index.ts";
import { tutorDigest, studentsForDigest } from "../../digest/index.ts";
import { DEFAULT_POLICY, proposeFromFlags } from "../../interventions/index.ts";
import { checkFiles, runRules, saveAll, setEnabled, validateRule } from "../../rules/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { buildWorld, D, except, healthy, RUN_TIME } from "./world.ts";

const RULE = `
id: quiet-half-held-out
title: Quiet for ten days, half held out
description: Ten days without VLE activity; half the students flagged do not get the nudge.
condition: vle_days_since_last >= 10
significance: nudge
intervention: nudge
channels: [teams]
holdout: 50%
cooldownDays: 14
messages:
  teams: "Hi {{first_name}}, we noticed you have not been on the VLE for a while. Reply 'help' if you would like support."
`;

const STUDENTS = 40;
const numbers = Array.from({ length: STUDENTS }, (_, i) => `H${String(i + 1).padStart(2, "0")}`);

/** The documented draw, written out again: SHA-256 of the inputs, first 48 bits over 2^48. */
function expectedDraw(studentId: number): number {
  // D is 20 November 2026: academic year 2026/27; the rule's first version.
  const digest = createHash("sha256").update(`nudge-holdout|quiet-half-held-out|1|2026/27|${studentId}`).digest("hex");
  return Number.parseInt(digest.slice(0, 12), 16) / 2 ** 48;
}

describe("randomised holdout", () => {
  const database = useMigratedDatabase();
  const db = () => database.db;
  let ids: Map<string, number>;

  beforeAll(async () => {
    const quiet = except(healthy(), (day, usual) => (day > D - 12 ? { ...usual, vle: undefined } : usual));
    // Active classmates too: a whole cohort gone quiet reads as a missing feed, and nobody is flagged.
    const world = await buildWorld(db(), [
      ...numbers.map((number) => ({ number, programme: "XA", year: 2, activity: quiet })),
      // Enough of them that the quiet ones are under the volume guard's share of a cohort.
      ...Array.from({ length: 7 * STUDENTS }, (_, i) => ({ number: `A${i + 1}`, programme: "XA", year: 2, activity: healthy() })),
    ]);
    ids = world.ids;
    const folder = mkdtempSync(join(tmpdir(), "nudge-holdout-"));
    copyFileSync(join("rules/library", "calendar.yaml"), join(folder, "calendar.yaml"));
    writeFileSync(join(folder, "quiet-half-held-out.yaml"), RULE);
    const checked = checkFiles(folder, null);
    expect(checked.problems.filter((p) => p.severity === "error")).toEqual([]);
    const author = (await staffByNumber(db(), world.adminNumber))!;
    await saveAll(db(), { calendar: checked.calendar, rules: checked.rules }, author);
    await setEnabled(db(), "quiet-half-held-out", true, author);
    await runRules(db(), { asOfDay: D, trigger: "manual", now: RUN_TIME });
  });

  it("records on every flag the arm the documented draw gives, the same on either database", async () => {
    const flags = await db().prisma.flag.findMany({ orderBy: { studentId: "asc" } });
    expect(flags).toHaveLength(STUDENTS);
    for (const flag of flags) {
      const draw = expectedDraw(flag.studentId);
      expect(flag.armDraw).toBeCloseTo(draw, 12);
      expect(flag.arm).toBe(draw < 0.5 ? "held_out" : "nudged");
    }
    const heldOut = flags.filter((f) => f.arm === "held_out").map((f) => f.studentId);
    // Pinned: students 1..40 on a fresh database, so SQLite and PostgreSQL must both give exactly these.
    expect(heldOut).toEqual(Array.from({ length: STUDENTS }, (_, i) => i + 1).filter((id) => expectedDraw(id) < 0.5));
    expect(heldOut.length).toBeGreaterThan(10);
    expect(heldOut.length).toBeLessThan(30);
  });

  it("a forced re-run for the same day changes no arm and adds no flag", async () => {
    const before = await db().prisma.flag.findMany({ orderBy: { id: "asc" }, select: { id: true, arm: true, armDraw: true } });
    await runRules(db(), { asOfDay: D, trigger: "manual", now: RUN_TIME, force: true });
    const after = await db().prisma.flag.findMany({ orderBy: { id: "asc" }, select: { id: true, arm: true, armDraw: true } });
    expect(after).toEqual(before);
  });

  it("sends no automatic nudge to a held-out student, while the tutor's digest still shows their flag", async () => {
    const report = await proposeFromFlags(db(), { policy: DEFAULT_POLICY, channels: ["teams"], now: RUN_TIME });
    const flags = await db().prisma.flag.findMany({ select: { studentId: true, arm: true, state: true } });
    const heldOut = flags.filter((f) => f.arm === "held_out").map((f) => f.studentId);
    const nudged = flags.filter((f) => f.arm === "nudged").map((f) => f.studentId);
    expect(report.interventionsCreated).toBe(nudged.length);

    const interventions = await db().prisma.intervention.findMany({ select: { studentId: true, kind: true, state: true } });
    expect(interventions.map((i) => i.studentId).sort((a, b) => a - b)).toEqual([...nudged].sort((a, b) => a - b));
    expect(interventions.every((i) => i.kind === "nudge" && i.state === "queued")).toBe(true);
    expect(flags.filter((f) => f.arm === "held_out").every((f) => f.state === "open")).toBe(true);

    // A second propose still leaves them alone.
    const again = await proposeFromFlags(db(), { policy: DEFAULT_POLICY, channels: ["teams"], now: RUN_TIME });
    expect(again.interventionsCreated).toBe(0);

    const listed = await studentsForDigest(db(), "T0001", null, RUN_TIME);
    for (const id of heldOut) expect(listed.ids).toContain(id);
    const { entries } = await tutorDigest(db(), "T0001", { studentIds: heldOut.slice(0, 3), now: RUN_TIME });
    expect(entries).toHaveLength(3);
    for (const entry of entries) {
      expect(entry.evidence).toMatch(/VLE/);
      expect(entry.proposal).toBeNull();
    }
  });

  it("audits each held-out flag with its draw, and the run's split", async () => {
    const audits = await db().prisma.auditLog.findMany({ where: { action: "flag.held_out" }, orderBy: { id: "asc" } });
    const flags = await db().prisma.flag.findMany({ where: { arm: "held_out" }, orderBy: { id: "asc" } });
    expect(audits.map((a) => a.studentId)).toEqual(flags.map((f) => f.studentId));
    expect((audits[0]!.details as Record<string, unknown>).holdout).toBe("50%");
    expect((audits[0]!.details as Record<string, unknown>).academicYear).toBe("2026/27");
    const split = await db().prisma.auditLog.findFirstOrThrow({ where: { action: "rules.holdout" }, orderBy: { id: "asc" } });
    expect((split.details as any).rules["quiet-half-held-out"]).toEqual({ nudged: STUDENTS - flags.length, heldOut: flags.length });
    expect(ids.size).toBe(8 * STUDENTS);
  });

  it("compares the arms on what followed: VLE active days after the flag, per arm, from the database's own rows", async () => {
    const flags = await db().prisma.flag.findMany({ select: { studentId: true, arm: true } });
    // A week after D: nudged students active on 3 days, held-out ones on 1, nobody else changes.
    const rows: unknown[][] = [];
    for (const f of flags) for (const day of f.arm === "nudged" ? [D + 1, D + 3, D + 5] : [D + 2]) rows.push([f.studentId, day, "vle", 0, 4, 0, 0, 0]);
    rows.push([ids.get("A1")!, D + 7, "vle", 0, 4, 0, 0, 0]);
    await db().sql.transaction((tx) =>
      tx.bulkInsert("EngagementDaily", ["studentId", "day", "source", "moduleInstanceKey", "count", "expected", "late", "missed"], rows),
    );
    const effect = await ruleEffect(db(), "quiet-half-held-out");
    const heldOut = flags.filter((f) => f.arm === "held_out").length;
    expect(effect).toMatchObject({ rule: "quiet-half-held-out", holdout: "50%", dataUntil: "2026-11-27", nudged: STUDENTS - heldOut, heldOut });
    const week = effect.outcomes.find((o) => o.outcome === "vle_active_days_7")!;
    expect(week.estimate).toMatchObject({ nudged: STUDENTS - heldOut, heldOut, meanNudged: 3, meanHeldOut: 1 });
    // The 14- and 28-day windows have not ended yet: nobody counts.
    expect(effect.headline.students).toBe(0);
    expect(effect.headline.sentence).toBe("Not enough students yet to tell: 0 nudged and 0 held out; an estimate needs at least 20 students in each arm.");
    await expect(ruleEffect(db(), "no-such-rule")).rejects.toThrow("There is no rule called no-such-rule.");
  });

  it("refuses a holdout over 50% or not a percentage, naming the field", () => {
    const base = { ...parseRule(), holdout: "60%" };
    const over = validateRule(base, { calendar: null });
    expect(over.problems.map((p) => [p.field, p.message])).toEqual([
      ["holdout", "must be a percentage from 0% to 50%, e.g. holdout: 10% (more would leave too many students without the nudge)"],
    ]);
    const number = validateRule({ ...parseRule(), holdout: 10 }, { calendar: null });
    expect(number.problems.map((p) => [p.field, p.message])).toContainEqual(["holdout", "must be a percentage from 0% to 50%, e.g. holdout: 10%"]);
    const referral = validateRule({ ...parseRule(), significance: "significant", intervention: "referral" }, { calendar: null });
    expect(referral.problems).toEqual([
      expect.objectContaining({ severity: "warning", field: "holdout", message: expect.stringContaining("only automatic nudges are held out") }),
    ]);
  });
});

function parseRule(): Record<string, unknown> {
  return {
    id: "quiet-half-held-out",
    title: "Quiet for ten days, half held out",
    description: "Ten days without VLE activity; half held out.",
    condition: "vle_days_since_last >= 10",
    significance: "nudge",
    intervention: "nudge",
    channels: ["teams"],
    holdout: "50%",
    cooldownDays: 14,
    messages: { teams: "Hi {{first_name}}, reply 'help' if you would like support." },
  };
}
