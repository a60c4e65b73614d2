/**
 * Flags to interventions, the state machine, approval by the right person (POLICY P2) and replies,
 * through the real rule run on a real database.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  approveIntervention,
  DEFAULT_POLICY,
  DecisionRejected,
  IllegalTransition,
  parseApprovalPolicy,
  proposeFromFlags,
  rejectIntervention,
  transition,
  ApprovalPolicyError,
} from "../../interventions/index.ts";
import { AccessRefused, roleScopeKey, staffByNumber } from "../../access/index.ts";
import { checkFiles, runRules, saveAll, setEnabled } from "../../rules/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { buildWorld, D, except, healthy, RUN_TIME } from "../rules/world.ts";
import { receiveStudentMessage } from "../../conversations/index.ts";

const REFERRAL_RULE = `
id: quiet-referral
title: Quiet for ten days (referral)
description: Ten days without VLE activity, proposed to the tutor as a referral.
condition: vle_days_since_last >= 10
significance: significant
intervention: referral
channels: [teams]
cooldownDays: 7
messages:
  teams: "Hi {{first_name}}, {{tutor_name}} would like to put you in touch with Student Support."
`;

describe("interventions", () => {
  const database = useMigratedDatabase();
  let ids: Map<string, number>;
  const db = () => database.db;

  beforeAll(async () => {
    const quiet = except(healthy(), (day, usual) => (day > D - 12 ? { ...usual, vle: undefined } : usual));
    const world = await buildWorld(db(), [
      { number: "S1", programme: "XA", year: 2, activity: quiet },
      { number: "S2", programme: "XA", year: 2, activity: healthy() },
    ]);
    ids = world.ids;
    // A second personal tutor with no tutees: must not be able to decide about S1.
    const other = await db().prisma.staff.create({ data: { staffNumber: "T0002", displayName: "Dr Other" } });
    await db().prisma.staffRoleAssignment.create({ data: { staffId: other.id, role: "personal_tutor", scopeKey: roleScopeKey("personal_tutor") } });

    const folder = mkdtempSync(join(tmpdir(), "nudge-rules-"));
    for (const file of ["calendar.yaml", "no-vle-10-days.yaml", "activity-halved.yaml"]) copyFileSync(join("rules/library", file), join(folder, file));
    writeFileSync(join(folder, "quiet-referral.yaml"), REFERRAL_RULE);
    const checked = checkFiles(folder, null);
    expect(checked.problems.filter((p) => p.severity === "error")).toEqual([]);
    const author = (await staffByNumber(db(), world.adminNumber))!;
    await saveAll(db(), { calendar: checked.calendar, rules: checked.rules }, author);
    for (const rule of ["no-vle-10-days", "activity-halved", "quiet-referral"]) await setEnabled(db(), rule, true, author);
    await runRules(db(), { asOfDay: D, trigger: "manual", now: RUN_TIME });
  });

  describe("from flags", () => {
    it("merges two nudge rules' flags into one message approved by the system, and proposes the referral for a person", async () => {
      const flags = await db().prisma.flag.findMany({ where: { studentId: ids.get("S1") }, orderBy: { ruleId: "asc" } });
      expect(flags.map((f) => f.ruleId)).toEqual(["activity-halved", "no-vle-10-days", "quiet-referral"]);

      const report = await proposeFromFlags(db(), { policy: DEFAULT_POLICY, channels: ["teams", "email"], now: RUN_TIME });
      expect(report).toEqual({ flagsConsidered: 3, interventionsCreated: 2, autoApproved: 1, awaitingApproval: 1, merged: 1 });

      const nudge = await db().prisma.intervention.findFirstOrThrow({ where: { studentId: ids.get("S1"), kind: "nudge" }, include: { deliveries: true } });
      expect(nudge.state).toBe("queued");
      expect(nudge.approvedById).toBeNull(); // the system, not a person
      expect((nudge.templateData as any).evidence.map((e: any) => e.rule.id)).toEqual(["activity-halved", "no-vle-10-days"]);
      expect(nudge.deliveries).toHaveLength(1);
      expect(nudge.body).toContain("Hi S1");

      const referral = await db().prisma.intervention.findFirstOrThrow({ where: { studentId: ids.get("S1"), kind: "referral" } });
      expect(referral).toMatchObject({ state: "awaiting_approval", proposedBy: "rule:quiet-referral@1" });
      expect(referral.body).toBe("Hi S1, Dr Tutor would like to put you in touch with Student Support.");

      const trail = await db().prisma.auditLog.findMany({ where: { targetType: "intervention", targetId: String(nudge.id) }, orderBy: { id: "asc" } });
      expect(trail.map((t) => [t.action, t.actorId])).toEqual([
        ["intervention.proposed", "rules:activity-halved"],
        ["intervention.approved", "rules:activity-halved"],
        ["intervention.queued", "rules:activity-halved"],
      ]);
      expect(await db().prisma.flag.count({ where: { studentId: ids.get("S1"), state: "actioned" } })).toBe(3);
    });

    it("creates nothing new when run again (invariant 2)", async () => {
      const before = await db().prisma.intervention.count();
      await runRules(db(), { asOfDay: D, trigger: "manual", now: RUN_TIME, force: true });
      const report = await proposeFromFlags(db(), { policy: DEFAULT_POLICY, channels: ["teams", "email"], now: RUN_TIME });
      expect(report.interventionsCreated).toBe(0);
      expect(await db().prisma.intervention.count()).toBe(before);
    });
  });

  describe("the state machine", () => {
    it("refuses an illegal move and leaves state and audit untouched", async () => {
      const nudge = await db().prisma.intervention.findFirstOrThrow({ where: { kind: "nudge" } });
      const audits = await db().prisma.auditLog.count();
      await expect(
        db().prisma.$transaction((tx) => transition(tx, { interventionId: nudge.id, to: "awaiting_approval", actor: { kind: "system", component: "test" } })),
      ).rejects.toThrow(IllegalTransition);
      await expect(
        db().prisma.$transaction((tx) => transition(tx, { interventionId: nudge.id, to: "delivered", actor: { kind: "system", component: "test" } })),
      ).rejects.toThrow(/cannot go from queued to delivered/);
      expect((await db().prisma.intervention.findUniqueOrThrow({ where: { id: nudge.id } })).state).toBe("queued");
      expect(await db().prisma.auditLog.count()).toBe(audits);
    });
  });

  describe("approval (POLICY P2)", () => {
    it("refuses another tutor, who is not the student's, and audits the refusal", async () => {
      const referral = await db().prisma.intervention.findFirstOrThrow({ where: { kind: "referral" } });
      await expect(approveIntervention(db(), { interventionId: referral.id, staffNumber: "T0002" }, DEFAULT_POLICY)).rejects.toThrow(AccessRefused);
      await expect(approveIntervention(db(), { interventionId: referral.id, staffNumber: "A0001" }, DEFAULT_POLICY)).rejects.toThrow(AccessRefused);
      const refusals = await db().prisma.auditLog.findMany({ where: { action: "access.refused", studentId: referral.studentId } });
      expect(refusals.map((r) => r.actorId).sort()).toEqual(["A0001", "T0002"]);
      expect((await db().prisma.intervention.findUniqueOrThrow({ where: { id: referral.id } })).state).toBe("awaiting_approval");
    });

    it("refuses a policy that leaves out the tutor's role", async () => {
      const referral = await db().prisma.intervention.findFirstOrThrow({ where: { kind: "referral" } });
      const strict = parseApprovalPolicy("referral:\n  roles: [programme_leader]\n");
      await expect(approveIntervention(db(), { interventionId: referral.id, staffNumber: "T0001" }, strict)).rejects.toThrow(
        /only programme leader may do this/,
      );
    });

    it("lets the student's tutor approve with an edit: who, when, the edit and the original are kept, and it is queued", async () => {
      const referral = await db().prisma.intervention.findFirstOrThrow({ where: { kind: "referral" } });
      const at = new Date("2026-11-21T09:15:00Z");
      await approveIntervention(
        db(),
        {
          interventionId: referral.id,
          staffNumber: "T0001",
          editedText: "Hi S1, I'd like to introduce you to Student Support. Is that OK?",
          note: "spoke to programme team",
        },
        DEFAULT_POLICY,
        at,
      );
      const after = await db().prisma.intervention.findUniqueOrThrow({ where: { id: referral.id }, include: { deliveries: true, approvedBy: true } });
      expect(after).toMatchObject({
        state: "queued",
        approvedAt: at,
        decisionNote: "spoke to programme team",
        body: "Hi S1, I'd like to introduce you to Student Support. Is that OK?",
      });
      expect(after.approvedBy?.staffNumber).toBe("T0001");
      expect(after.originalBody).toBe("Hi S1, Dr Tutor would like to put you in touch with Student Support.");
      expect((after.templateData as any).texts.teams).toBe(after.body);
      expect(after.deliveries.map((d) => d.channel)).toEqual(["teams"]);
      const approved = await db().prisma.auditLog.findFirstOrThrow({ where: { action: "intervention.approved", targetId: String(referral.id) } });
      expect(approved).toMatchObject({ actorKind: "staff", actorId: "T0001" });
      expect(approved.details).toMatchObject({ edited: true, from: "awaiting_approval" });
      // Decided once: a second decision is refused with the reason.
      await expect(rejectIntervention(db(), { interventionId: referral.id, staffNumber: "T0001", note: "changed my mind" }, DEFAULT_POLICY)).rejects.toThrow(
        /is queued: it can no longer be rejected/,
      );
    });

    it("refuses an edit an SMS could not carry, naming the field", async () => {
      const student = ids.get("S2")!;
      const proposal = await db().prisma.intervention.create({
        data: { studentId: student, kind: "staff_message", state: "awaiting_approval", body: "Hello", channelOrder: ["sms"], proposedBy: "staff:T0001" },
      });
      await expect(
        approveIntervention(db(), { interventionId: proposal.id, staffNumber: "T0001", editedText: "ł".repeat(200) }, DEFAULT_POLICY),
      ).rejects.toThrow(/^text: as an SMS it needs \d segments/);
      await expect(approveIntervention(db(), { interventionId: proposal.id, staffNumber: "T0001", editedText: "   " }, DEFAULT_POLICY)).rejects.toThrow(
        DecisionRejected,
      );
      await rejectIntervention(db(), { interventionId: proposal.id, staffNumber: "T0001", note: "not needed" }, DEFAULT_POLICY);
      expect((await db().prisma.intervention.findUniqueOrThrow({ where: { id: proposal.id } })).state).toBe("rejected");
    });
  });

  describe("the approval policy file", () => {
    it("refuses system approval of anything but a nudge, naming the line", () => {
      expect(() => parseApprovalPolicy("nudge:\n  roles: [personal_tutor]\nreferral:\n  system: true\n  roles: [personal_tutor]\n", "policy.yaml")).toThrow(
        /^policy\.yaml:4: referral\.system: only a nudge may be approved by the system/,
      );
    });
    it("refuses a role that may not decide, and unknown kinds", () => {
      expect(() => parseApprovalPolicy("escalation:\n  roles: [student_centre]\n", "p.yaml")).toThrow(
        /p\.yaml:2: escalation\.roles\[0\]: "student_centre" may not decide/,
      );
      expect(() => parseApprovalPolicy("expulsion:\n  roles: [admin]\n", "p.yaml")).toThrow(ApprovalPolicyError);
    });
    it("keeps the default for kinds a file leaves out", () => {
      const policy = parseApprovalPolicy("escalation:\n  roles: [level_tutor]\n");
      expect(policy.escalation.roles).toEqual(["level_tutor"]);
      expect(policy.nudge).toEqual(DEFAULT_POLICY.nudge);
    });
  });

  describe("replies", () => {
    const s1 = () => ids.get("S1")!;

    it("answers 'why' with the evidence of the message in plain words, and records the answer as sent", async () => {
      const nudge = await db().prisma.intervention.findFirstOrThrow({ where: { studentId: s1(), kind: "nudge" } });
      // As the outbox would after sending it: the student answers what reached them, not the queued referral.
      await db().prisma.intervention.update({ where: { id: nudge.id }, data: { state: "sent", channel: "sms" } });
      const outcome = await receiveStudentMessage(
        db(),
        { studentId: s1(), channel: "sms", text: "why did I get this?", providerMessageId: "SM-why-1" },
        { answerInline: true, now: RUN_TIME },
      );
      expect(outcome).toMatchObject({ duplicate: false, classification: "why", interventionId: nudge.id });
      // Plain words, said once, within two segments, with neither figures nor dates by SMS (POLICY P13).
      expect(outcome.answer).toBe(
        "We sent it because we haven't seen much of you on the VLE recently. It's an automatic check, not a judgement. Reply HELP to talk to your tutor.",
      );
      const answer = await db().prisma.intervention.findFirstOrThrow({ where: { studentId: s1(), kind: "reply" }, include: { deliveries: true } });
      expect(answer).toMatchObject({ state: "sent", channel: "sms", body: outcome.answer });
      expect(answer.deliveries[0]).toMatchObject({ state: "sent", providerStatus: "inline" });
    });

    it("records a replayed message once", async () => {
      const again = await receiveStudentMessage(
        db(),
        { studentId: s1(), channel: "sms", text: "why did I get this?", providerMessageId: "SM-why-1" },
        { answerInline: true, now: RUN_TIME },
      );
      expect(again.duplicate).toBe(true);
      expect(await db().prisma.reply.count({ where: { providerMessageId: "SM-why-1" } })).toBe(1);
    });

    it("turns 'I need help' into an invitation to talk awaiting the tutor, once", async () => {
      const first = await receiveStudentMessage(
        db(),
        { studentId: s1(), channel: "teams", text: "I need help", providerMessageId: "teams-1" },
        { answerInline: true, now: RUN_TIME },
      );
      expect(first.classification).toBe("needs_help");
      expect(first.answer).toContain("We've asked Dr Tutor to get in touch");
      const invitation = await db().prisma.intervention.findUniqueOrThrow({ where: { id: first.proposedInvitationId! } });
      expect(invitation).toMatchObject({ kind: "invitation_to_talk", state: "awaiting_approval", proposedBy: "student" });
      const second = await receiveStudentMessage(
        db(),
        { studentId: s1(), channel: "teams", text: "please can I talk to my tutor", providerMessageId: "teams-2" },
        { answerInline: true, now: RUN_TIME },
      );
      expect(second.proposedInvitationId).toBe(first.proposedInvitationId);
      expect(await db().prisma.intervention.count({ where: { studentId: s1(), kind: "invitation_to_talk" } })).toBe(1);
    });

    it("pauses for the time asked, and opens a subject access request", async () => {
      const pause = await receiveStudentMessage(db(), { studentId: s1(), channel: "teams", text: "pause for 2 weeks" }, { answerInline: true, now: RUN_TIME });
      expect(pause.classification).toBe("pause");
      const student = await db().prisma.student.findUniqueOrThrow({ where: { id: s1() } });
      expect(student.pausedUntil?.getTime()).toBe(RUN_TIME.getTime() + 14 * 86_400_000);
      const data = await receiveStudentMessage(
        db(),
        { studentId: s1(), channel: "email", text: "What data do you hold about me?" },
        { answerInline: false, now: RUN_TIME },
      );
      expect(data.classification).toBe("data_copy");
      const request = await db().prisma.dataRequest.findFirstOrThrow({ where: { studentId: s1() } });
      expect(request).toMatchObject({ kind: "access", channel: "email", state: "received" });
      expect(data.answer).toContain(`DR-${request.id}`);
      // By email the answer goes through the outbox.
      const queued = await db().prisma.intervention.findFirstOrThrow({
        where: { studentId: s1(), kind: "reply", channel: null },
        include: { deliveries: true },
      });
      expect(queued.state).toBe("queued");
      expect(queued.deliveries.map((d) => [d.channel, d.state])).toEqual([["email", "pending"]]);
    });

    it("opts out of the channel on 'stop', audited with the student as actor", async () => {
      const stop = await receiveStudentMessage(
        db(),
        { studentId: s1(), channel: "teams", text: "stop sending me these" },
        { answerInline: true, now: RUN_TIME },
      );
      expect(stop.classification).toBe("stop");
      const student = await db().prisma.student.findUniqueOrThrow({ where: { id: s1() } });
      expect(student.teamsOptOutAt).not.toBeNull();
      expect(student.smsOptOutAt).toBeNull();
      const audit = await db().prisma.auditLog.findFirstOrThrow({ where: { action: "channel.opt_out", studentId: s1() } });
      expect(audit).toMatchObject({ actorKind: "student", actorId: "S1", targetId: "teams" });
    });
  });
});
