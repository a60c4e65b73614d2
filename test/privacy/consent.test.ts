/**
 * Consent recorded by the student in their own words, and by staff through the real CLI: each
 * change is a new record with its source, audited, and a withdrawal stops everything at once
 * (open flags closed, unsent messages cancelled, the digest shows only that they opted out).
 */
import { describe, expect, it, beforeAll } from "vitest";
import { DEFAULT_POLICY, proposeFromFlags } from "../../interventions/index.ts";
import { tutorDigest } from "../../digest/index.ts";
import { receiveStudentMessage } from "../../conversations/index.ts";
import { consentInForce } from "../../access/index.ts";
import { staffByNumber } from "../../access/index.ts";
import { checkFiles, runRules, saveAll, setEnabled } from "../../rules/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { runNudge } from "../helpers/processes.ts";
import { buildWorld, D, except, healthy } from "../rules/world.ts";

describe("consent", () => {
  const database = useMigratedDatabase();
  const db = () => database.db;
  const ids = new Map<string, number>();
  const cli = (args: string[]) => runNudge(args, { DATABASE_URL: database.url, LOG_LEVEL: "silent" });

  beforeAll(async () => {
    const quiet = except(healthy(), (day, usual) => (day > D - 12 ? { ...usual, vle: undefined } : usual));
    const world = await buildWorld(db(), [
      { number: "S1", programme: "XA", year: 1, activity: quiet },
      { number: "S2", programme: "XA", year: 1, activity: quiet },
      { number: "H1", programme: "XA", year: 1, activity: healthy() },
    ]);
    for (const [number, id] of world.ids) ids.set(number, id);
    for (const n of ["S1", "S2"])
      await db().prisma.student.update({ where: { id: ids.get(n)! }, data: { mobile: `+4477009001${n.slice(1)}0`, channelOrder: ["sms"] } });
    const checked = checkFiles("rules/library", null);
    const author = (await staffByNumber(db(), world.adminNumber))!;
    await saveAll(db(), { calendar: checked.calendar, rules: checked.rules }, author);
    await setEnabled(db(), "no-vle-10-days", true, author);
    await runRules(db(), { asOfDay: D, trigger: "manual", now: new Date() });
    expect(await proposeFromFlags(db(), { policy: DEFAULT_POLICY, channels: ["sms"], now: new Date() })).toMatchObject({ interventionsCreated: 2 });
  });

  it("a student's 'withdraw my consent' is recorded as theirs and stops what was about to be sent", async () => {
    const studentId = ids.get("S1")!;
    const nudge = await db().prisma.intervention.findFirstOrThrow({ where: { studentId, kind: "nudge" }, include: { deliveries: true } });
    expect(nudge.state).toBe("queued");
    const outcome = await receiveStudentMessage(db(), { studentId, channel: "sms", text: "Please withdraw my consent" }, { answerInline: true });
    expect(outcome.answer).toMatch(/no longer use your engagement data/);
    expect(await consentInForce(db(), studentId, "analytics")).toBe("withdrawn");
    expect(await db().prisma.consent.findFirstOrThrow({ where: { studentId } })).toMatchObject({ state: "withdrawn", source: "sms", recordedById: null });
    expect(await db().prisma.intervention.findUniqueOrThrow({ where: { id: nudge.id } })).toMatchObject({ state: "cancelled" });
    expect(await db().prisma.delivery.count({ where: { interventionId: nudge.id, state: "pending" } })).toBe(0);
    // The answer itself was sent in the exchange, not cancelled.
    expect(await db().prisma.intervention.count({ where: { studentId, kind: "reply", state: "sent" } })).toBe(1);
    expect(await db().prisma.auditLog.findFirstOrThrow({ where: { action: "consent.withdrawn", studentId } })).toMatchObject({
      actorKind: "student",
      actorId: "S1",
    });
  });

  it("the tutor's digest shows only that the student opted out", async () => {
    const { entries } = await tutorDigest(db(), "T0001", { studentIds: [ids.get("S1")!, ids.get("S2")!] });
    const [s1, s2] = entries;
    expect(s1).toMatchObject({ evidence: expect.stringMatching(/^Opted out of learning analytics/), weeks: [] });
    expect(s2!.evidence).toMatch(/No VLE activity/);
    expect(s2!.weeks).toHaveLength(6);
  });

  it("'opt in' records consent again, with the history kept", async () => {
    const studentId = ids.get("S1")!;
    const outcome = await receiveStudentMessage(db(), { studentId, channel: "sms", text: "opt in" }, { answerInline: true });
    expect(outcome.answer).toMatch(/use your engagement data again/);
    expect((await db().prisma.consent.findMany({ where: { studentId }, orderBy: { id: "asc" } })).map((c) => c.state)).toEqual(["withdrawn", "granted"]);
  });

  it("staff record consent on a student's behalf through the CLI, within their role; bad input names the field", async () => {
    const refused = await cli(["student", "consent", "S2", "--purpose", "analytics", "--state", "withdrawn", "--as", "T0001"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/T0001 may not consent.record/);
    expect(await db().prisma.auditLog.count({ where: { actorId: "T0001", action: "access.refused", studentId: ids.get("S2")! } })).toBe(1);

    const bad = await cli(["student", "consent", "S2", "--purpose", "marketing", "--state", "withdrawn", "--as", "A0001"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/purpose: "marketing" is not one of analytics/);

    const recorded = await cli([
      "student",
      "consent",
      "S2",
      "--purpose",
      "analytics",
      "--state",
      "refused",
      "--source",
      "form",
      "--note",
      "paper form 2026-11-29",
      "--as",
      "A0001",
      "--json",
    ]);
    expect(recorded.code, recorded.stderr).toBe(0);
    expect(JSON.parse(recorded.stdout)).toMatchObject({ purpose: "analytics", state: "refused", previous: null, interventionsCancelled: 1 });
    const admin = await db().prisma.staff.findUniqueOrThrow({ where: { staffNumber: "A0001" } });
    expect(await db().prisma.consent.findFirstOrThrow({ where: { studentId: ids.get("S2")! } })).toMatchObject({
      state: "refused",
      source: "form",
      recordedById: admin.id,
      note: "paper form 2026-11-29",
    });
    expect(await db().prisma.intervention.findFirstOrThrow({ where: { studentId: ids.get("S2")!, kind: "nudge" } })).toMatchObject({ state: "cancelled" });
  });

  it("restriction of processing stops everything until it is lifted, through the CLI, by admins only", async () => {
    const studentId = ids.get("H1")!;
    const flag = await db().prisma.flag.create({
      data: { studentId, ruleId: "no-vle-10-days", ruleVersion: 1, periodKey: "restrict-test", day: D, evidence: {} },
    });
    const refused = await cli(["student", "restrict", "H1", "--as", "T0001"]);
    expect(refused.code).not.toBe(0);
    expect(await db().prisma.student.findUniqueOrThrow({ where: { id: studentId } })).toMatchObject({ restrictedAt: null });

    const restricted = await cli(["student", "restrict", "H1", "--note", "contests attendance data", "--as", "A0001", "--json"]);
    expect(restricted.code, restricted.stderr).toBe(0);
    expect(JSON.parse(restricted.stdout)).toMatchObject({ restricted: true, changed: true, flagsClosed: 1 });
    expect((await db().prisma.student.findUniqueOrThrow({ where: { id: studentId } })).restrictedAt).not.toBeNull();
    expect(await db().prisma.flag.findUniqueOrThrow({ where: { id: flag.id } })).toMatchObject({ state: "closed", closedReason: "processing restricted" });
    expect(await db().prisma.dataRequest.findFirstOrThrow({ where: { studentId, kind: "restriction" } })).toMatchObject({
      state: "completed",
      note: "contests attendance data",
    });

    const again = await cli(["student", "restrict", "H1", "--as", "A0001"]);
    expect(again.stdout).toMatch(/already restricted; nothing changed/);
    const lifted = await cli(["student", "restrict", "H1", "--lift", "--as", "A0001"]);
    expect(lifted.stdout).toMatch(/H1: processing no longer restricted/);
    expect(await db().prisma.student.findUniqueOrThrow({ where: { id: studentId } })).toMatchObject({ restrictedAt: null });
    expect(await db().prisma.auditLog.count({ where: { studentId, action: { in: ["student.restrict", "student.restriction_lifted"] } } })).toBe(2);
  });
});
