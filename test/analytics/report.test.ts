/**
 * `nudge report effectiveness` (POLICY P12) on real databases: the use and equality sections on a
 * small hand-built cohort, every figure worked out by hand below (small groups hidden as the
 * centre questions hide them); the effect of a rule on a hand-built holdout with a known effect;
 * the HTML's charts; and, through the real CLI, the refusal and the bad dates.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { grantRole } from "../../access/index.ts";
import { effectivenessReport, renderReportHtml, type EffectivenessReport } from "../../analytics/index.ts";
import type { Database } from "../../prisma/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { runNudge } from "../helpers/processes.ts";

const DAY = 86_400_000;
const dayOf = (iso: string) => Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY);
const FROM = dayOf("2026-10-01");
const TO = dayOf("2026-11-27");
const NOW = new Date("2026-11-30T09:00:00Z");
const IN_PERIOD = new Date("2026-10-12T10:00:00Z");
const ADMIN = "E900001";
const CENTRE = "E900002";
const SYSTEM = { kind: "system", component: "test" } as const;

async function staff(db: Database): Promise<void> {
  await grantRole(db, { staffNumber: ADMIN, role: "admin", displayName: "Ada Admin" }, SYSTEM);
  await grantRole(db, { staffNumber: CENTRE, role: "student_centre", displayName: "Cal Centre" }, SYSTEM);
}

interface Group {
  programme: number;
  year: number;
  students: number;
  flagged: number;
  nudged: number;
  replied: number;
  disability?: string;
  disabilityConsent?: boolean;
  ethnicity?: string;
  ethnicityConsent?: boolean;
}

/**
 * The cohort, by programme and year:
 *   Computing year 1:  7 students, disability "51" (consented); 5 flagged, 5 nudged, 1 replied
 *   Computing year 2:  3 students, disability "51" (consented); 2 flagged
 *   History year 1:   20 students, nothing consented (one has disability "51" without consent); 5 flagged, 5 nudged
 *   History year 2:    3 students, disability "95" and ethnicity "10", both consented; none flagged
 */
async function buildCohort(db: Database): Promise<void> {
  const p = db.prisma;
  const cs = (await p.programme.create({ data: { code: "CS", title: "Computing" } })).id;
  const hi = (await p.programme.create({ data: { code: "HI", title: "History" } })).id;
  const groups: Group[] = [
    { programme: cs, year: 1, students: 7, flagged: 5, nudged: 5, replied: 1, disability: "51", disabilityConsent: true },
    { programme: cs, year: 2, students: 3, flagged: 2, nudged: 0, replied: 0, disability: "51", disabilityConsent: true },
    { programme: hi, year: 1, students: 20, flagged: 5, nudged: 5, replied: 0 },
    {
      programme: hi,
      year: 2,
      students: 3,
      flagged: 0,
      nudged: 0,
      replied: 0,
      disability: "95",
      disabilityConsent: true,
      ethnicity: "10",
      ethnicityConsent: true,
    },
  ];
  await p.rule.create({ data: { id: "quiet", title: "Quiet week" } });
  await p.ruleVersion.create({ data: { ruleId: "quiet", version: 1, document: { id: "quiet", holdout: "0%" } } });
  let n = 0;
  for (const g of groups) {
    for (let i = 0; i < g.students; i++) {
      n++;
      const withoutConsent = g.programme === hi && g.year === 1 && i === 0;
      const student = await p.student.create({
        data: { studentNumber: `S${1000 + n}`, disability: withoutConsent ? "51" : (g.disability ?? null), ethnicity: g.ethnicity ?? null },
      });
      await p.programmeEnrolment.create({
        data: { studentId: student.id, programmeId: g.programme, yearOfStudy: g.year, startDate: new Date("2026-09-21T00:00:00Z") },
      });
      for (const [purpose, yes] of [
        ["special_category_disability", g.disabilityConsent],
        ["special_category_ethnicity", g.ethnicityConsent],
      ] as const)
        if (yes)
          await p.consent.create({ data: { studentId: student.id, purpose, state: "granted", source: "sis", recordedAt: new Date("2026-09-21T09:00:00Z") } });
      if (i < g.flagged)
        await p.flag.create({
          data: {
            studentId: student.id,
            ruleId: "quiet",
            ruleVersion: 1,
            periodKey: "2026-10-11",
            day: dayOf("2026-10-11"),
            evidence: {},
            raisedAt: IN_PERIOD,
          },
        });
      if (i < g.nudged) {
        const nudge = await p.intervention.create({ data: { studentId: student.id, kind: "nudge", state: "sent", body: "Hello", proposedBy: "rule:quiet" } });
        await p.delivery.create({ data: { interventionId: nudge.id, channel: "email", state: "sent", dueAt: IN_PERIOD, sentAt: IN_PERIOD } });
        if (i < g.replied)
          await p.reply.create({
            data: { studentId: student.id, interventionId: nudge.id, channel: "email", text: "Thanks", classification: "thanks", receivedAt: IN_PERIOD },
          });
      }
    }
  }
  // A flag and a nudge outside the period are not counted.
  const late = await p.student.findFirstOrThrow({ where: { studentNumber: "S1030" } });
  await p.flag.create({
    data: {
      studentId: late.id,
      ruleId: "quiet",
      ruleVersion: 1,
      periodKey: "2026-11-29",
      day: dayOf("2026-11-29"),
      evidence: {},
      raisedAt: new Date("2026-11-29T07:00:00Z"),
    },
  });
}

describe("the effectiveness report: use and equality, small groups hidden", () => {
  const database = useMigratedDatabase();
  let report: EffectivenessReport;
  beforeAll(async () => {
    await staff(database.db);
    await buildCohort(database.db);
    report = await effectivenessReport(database.db, ADMIN, { from: FROM, to: TO, now: NOW });
  }, 120_000);

  it("counts use by programme and by year, a cell of 1 to 4 as 'fewer than 5' and a sum over one as a range", () => {
    const row = (rows: EffectivenessReport["use"]["byYear"], label: string) => rows.find((r) => r.label === label)!.figures;
    // Computing: flagged 5 + 2 (hidden) = 6–9; nudged 5 + 0; replied 1 (hidden) + 0.
    expect(row(report.use.byProgramme, "Computing (CS)")).toMatchObject({ flagged: { from: 6, to: 9 }, nudged: 5, replied: "fewer than 5", invitations: 0 });
    expect(row(report.use.byProgramme, "History (HI)")).toMatchObject({ flagged: 5, nudged: 5, replied: 0 });
    expect(row(report.use.byYear, "Year 1")).toMatchObject({ flagged: 10, nudged: 10, replied: "fewer than 5" });
    expect(row(report.use.byYear, "Year 2")).toMatchObject({ flagged: "fewer than 5", nudged: 0, replied: 0 });
    // 5 + 2 + 5 + 0, one hidden: 11–14; the flag on 29 November is outside the period.
    expect(report.use.total.figures).toMatchObject({ flagged: { from: 11, to: 14 }, nudged: 10, replied: "fewer than 5" });
    expect(report.use.months.map((m) => [m.month, m.flagged, m.nudged])).toEqual([
      ["Oct 2026", { from: 11, to: 14 }, 10],
      ["Nov 2026", 0, 0],
    ]);
  });

  it("reports flag and nudge rates by disability and ethnicity from consented values only, with ratios to the largest group", () => {
    const disability = report.equality.fields.find((f) => f.field === "disability")!;
    const group = (name: string) => disability.groups.find((g) => g.group.startsWith(name))!;
    // Largest group: the 20 History first-years, none consented (one has a disability recorded, not used).
    expect(disability.reference).toBe("Not known, not given, or no consent to use it");
    expect(group("Not known")).toMatchObject({ students: 20, flagged: 5, nudged: 5, flagRate: 25, nudgeRate: 25, flagRatio: null });
    // Computing's 10 students: 7 flagged (70%), 5 nudged (50%).
    // Flag ratio 0.7 / 0.25 = 2.8, SE of ln = sqrt(1/7 - 1/10 + 1/5 - 1/20) = 0.43915, 2.8 x exp(±1.95996 x 0.43915) = 1.184 to 6.622.
    // Nudge ratio 0.5 / 0.25 = 2.0, SE of ln = sqrt(1/5 - 1/10 + 1/5 - 1/20) = 0.5, 2 x exp(±0.97998) = 0.751 to 5.329.
    const declared = group("Disability declared");
    expect(declared).toMatchObject({ students: 10, flagged: 7, nudged: 5, flagRate: 70, nudgeRate: 50 });
    expect(declared.flagRatio!.value).toBeCloseTo(2.8, 10);
    expect(declared.flagRatio!.interval[0]).toBeCloseTo(1.184, 2);
    expect(declared.flagRatio!.interval[1]).toBeCloseTo(6.622, 2);
    expect(declared.nudgeRatio!.value).toBeCloseTo(2.0, 10);
    expect(declared.nudgeRatio!.interval[0]).toBeCloseTo(0.751, 2);
    expect(declared.nudgeRatio!.interval[1]).toBeCloseTo(5.329, 2);
    // The 3 History second-years: a group under 5, hidden with its rates, no ratio.
    expect(group("No known disability")).toMatchObject({ students: "fewer than 5", flagRate: "fewer than 5", flagRatio: null, nudgeRatio: null });

    const ethnicity = report.equality.fields.find((f) => f.field === "ethnicity")!;
    const white = ethnicity.groups.find((g) => g.group === "White")!;
    expect(white).toMatchObject({ students: "fewer than 5", flagged: 0, flagRate: "fewer than 5", flagRatio: null });
    // Everyone else: Computing's 10 and History's 20 first-years (the 3 are in their own cell), 7 + 5 flagged.
    const rest = ethnicity.groups.find((g) => g.group.startsWith("Not known"))!;
    expect(rest).toMatchObject({ students: 30, flagged: 12, flagRate: 40, nudgeRate: 33.3, flagRatio: null });
    expect(ethnicity.reference).toBe("Not known, not given, or no consent to use it");
    expect(report.equality.notLoaded).toEqual([]);
  });

  it("audits the report with its period, and refuses a role without the right (audited too)", async () => {
    await expect(effectivenessReport(database.db, CENTRE, { from: FROM, to: TO, now: NOW })).rejects.toThrow(
      "Sorry, you can't produce this report: it needs the admin role. The attempt has been recorded.",
    );
    const entries = await database.db.prisma.auditLog.findMany({ where: { action: { in: ["analytics.report", "access.refused"] } }, orderBy: { id: "asc" } });
    const summary = entries.map((e) => [
      e.action,
      e.actorId,
      (e.details as { outcome?: string; capability?: string }).outcome ?? (e.details as { capability?: string }).capability,
    ]);
    expect(summary).toEqual([
      ["analytics.report", ADMIN, "produced"],
      ["access.refused", CENTRE, "analytics.report"],
      ["analytics.report", CENTRE, "refused"],
    ]);
    expect((entries[0]!.details as { period: unknown }).period).toEqual({ from: "2026-10-01", to: "2026-11-27" });
    expect(entries.every((e) => e.studentId === null)).toBe(true);
  });

  it("refuses, through the CLI, a member of staff without the right and dates that are not dates or out of order", async () => {
    const nudge = (...args: string[]) => runNudge(["report", "effectiveness", ...args], { DATABASE_URL: database.url, LOG_LEVEL: "silent" });
    const refused = await nudge("--from", "2026-10-01", "--to", "2026-11-27", "--as", CENTRE);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe("nudge: Sorry, you can't produce this report: it needs the admin role. The attempt has been recorded.\n");
    expect(refused.stdout).toBe("");
    const badDate = await nudge("--from", "2026-02-30", "--to", "2026-11-27", "--as", ADMIN);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toContain("option '--from <date>' argument '2026-02-30' is invalid. must be a date as YYYY-MM-DD");
    const backwards = await nudge("--from", "2026-11-27", "--to", "2026-10-01", "--as", ADMIN);
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toBe("nudge: The period starts after it ends: --from 2026-11-27 is later than --to 2026-10-01.\n");
    const dir = mkdtempSync(join(tmpdir(), "nudge-report-"));
    try {
      const out = join(dir, "report.json");
      const written = await nudge("--from", "2026-10-01", "--to", "2026-11-27", "--as", ADMIN, "--format", "json", "--out", out);
      expect(written.code).toBe(0);
      const json = JSON.parse(readFileSync(out, "utf8")) as EffectivenessReport;
      expect(json.period).toEqual({ from: "2026-10-01", to: "2026-11-27" });
      expect(json.use.total.figures.nudged).toBe(10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

describe("the effectiveness report: a rule with a known effect", () => {
  const database = useMigratedDatabase();
  let report: EffectivenessReport;
  /**
   * Rule "boost", holdout 33%: 60 students nudged and 30 held out, all flagged on 5 October. In the
   * 14 days after, nudged students were active on 4 or 6 days (half each: mean 5), held-out ones
   * on 1 or 3 (mean 2); everyone was active on 2 days of the 28 before. True effect: 3 days.
   */
  beforeAll(async () => {
    const db = database.db;
    await staff(db);
    await db.prisma.rule.create({ data: { id: "boost", title: "No VLE activity for a week" } });
    await db.prisma.ruleVersion.create({ data: { ruleId: "boost", version: 1, document: { id: "boost", holdout: "33%" } } });
    const flagDay = dayOf("2026-10-05");
    const rows: { studentId: number; day: number; source: "vle"; count: number }[] = [];
    for (let i = 0; i < 90; i++) {
      const student = await db.prisma.student.create({ data: { studentNumber: `B${i}` } });
      const nudged = i < 60;
      await db.prisma.flag.create({
        data: {
          studentId: student.id,
          ruleId: "boost",
          ruleVersion: 1,
          periodKey: "2026-10-05",
          day: flagDay,
          evidence: {},
          arm: nudged ? "nudged" : "held_out",
          raisedAt: IN_PERIOD,
        },
      });
      const after = nudged ? (i % 2 ? 4 : 6) : i % 2 ? 1 : 3;
      for (let d = 1; d <= after; d++) rows.push({ studentId: student.id, day: flagDay + d, source: "vle", count: 3 });
      for (const d of [-10, -20]) rows.push({ studentId: student.id, day: flagDay + d, source: "vle", count: 3 });
    }
    rows.push({ studentId: rows[0]!.studentId, day: dayOf("2026-11-27"), source: "vle", count: 1 });
    await db.prisma.engagementDaily.createMany({ data: rows });
    report = await effectivenessReport(db, ADMIN, { from: FROM, to: TO, now: NOW });
  }, 120_000);

  it("finds the effect: a difference of 3 days, its 95% interval excluding zero", () => {
    const [rule] = report.effectiveness.rules;
    expect(rule).toMatchObject({ rule: "boost", holdout: "33%", nudged: 60, heldOut: 30 });
    expect(rule!.estimate.enough).toBe(true);
    expect(rule!.estimate.significant).toBe(true);
    expect(rule!.estimate.difference).toBeCloseTo(3, 10);
    // Welch: SE = sqrt((60/59)/60 + (30/29)/30) = 0.22679, df = 57.7, t = 2.002: 3 ± 0.454.
    expect(rule!.estimate.interval![0]).toBeCloseTo(2.546, 2);
    expect(rule!.estimate.interval![1]).toBeCloseTo(3.454, 2);
    expect(rule!.sentence).toMatch(/^Nudged students had 3 more VLE active days in the 14 days after than held-out students \(95% interval 2\.5\d to 3\.4\d\)/);
    expect(report.effectiveness.pooled.estimate.difference).toBeCloseTo(3, 10);
  });

  it("draws the forest plot and the use bars as inline SVG in the HTML, with no external asset", () => {
    const html = renderReportHtml(report);
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain(`aria-label="Effect of each rule&#39;s nudge. No VLE activity for a week: +3; All rules together: +3"`);
    expect(html).toContain(">+3 (2.55 to 3.45)</text>");
    expect(html).toContain(`aria-label="Use by month.`);
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
  });
});
