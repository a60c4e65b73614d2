/**
 * What a tutor can do about a flagged student besides approving the suggestion: dismiss the flags
 * with a verdict (kept as feedback on the rule), snooze them, or refer the student on. Each is
 * checked by the access gate (refusals audited there) and recorded in the audit log in the same
 * transaction as the change.
 */
import { say, NudgeError, DAY_MS } from "../core/index.ts";
import type { Database, Tx } from "../prisma/index.ts";
import { authorise } from "../access/index.ts";
import { writeAudit } from "../audit/index.ts";
import type { ApprovalPolicy } from "./approval-policy.ts";
import { createProposed, transition } from "./lifecycle.ts";
import { firstName } from "./message-values.ts";
import { channelOrderFor } from "./propose.ts";
import { queueApproved } from "./queue.ts";

export class TutorActionError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "tutor_action_invalid";
}

export const VERDICTS = ["useful", "not_useful", "wrong_data"] as const;
export type Verdict = (typeof VERDICTS)[number];

const NOTHING_TO_SET_ASIDE =
  "This student has no recent flag waiting any more: it may already have been dismissed or snoozed. Refresh the card to see where things stand.";

/** Flags a dismissal or snooze acts on: recent ones not already closed. */
const ACTIONABLE_FLAG_DAYS = 30;

function actionableFlags(studentId: number, now: Date) {
  return {
    studentId,
    state: { in: ["open" as const, "actioned" as const, "snoozed" as const] },
    raisedAt: { gte: new Date(now.getTime() - ACTIONABLE_FLAG_DAYS * DAY_MS) },
  };
}

/**
 * Dismisses the student's recent flags: each gets the tutor's verdict as rule feedback, and a
 * suggestion still waiting for a decision on them is rejected with the same reason.
 */
export async function dismissFlags(
  db: Database,
  request: { studentId: number; staffNumber: string; verdict: string; comment?: string },
  policy: ApprovalPolicy,
  now = new Date(),
): Promise<{ flags: number; rejected: number }> {
  if (!(VERDICTS as readonly string[]).includes(request.verdict))
    throw new TutorActionError(`verdict: "${request.verdict}" is not one of ${VERDICTS.join(", ")}`, {
      plain: "Please choose why you're dismissing this: useful, not useful, or wrong data.",
    });
  const staff = await authorise(db, request.staffNumber, "intervention.decide", { studentId: request.studentId }, policy.nudge.roles);
  const actor = { kind: "staff", staffNumber: staff.staffNumber } as const;
  const comment = request.comment?.trim() || null;
  return db.prisma.$transaction(async (tx) => {
    const flags = await tx.flag.findMany({ where: actionableFlags(request.studentId, now), select: { id: true, ruleId: true } });
    if (flags.length === 0) throw new TutorActionError("there is no recent flag on this student to dismiss", { plain: NOTHING_TO_SET_ASIDE });
    const ids = flags.map((f) => f.id);
    await tx.flag.updateMany({
      where: { id: { in: ids } },
      data: { state: "dismissed", closedAt: now, closedReason: `dismissed by ${staff.staffNumber}: ${request.verdict}` },
    });
    await tx.ruleFeedback.createMany({
      data: flags.map((f) => ({ ruleId: f.ruleId, flagId: f.id, staffId: staff.staffId, verdict: request.verdict as Verdict, comment })),
    });
    const waiting = await tx.intervention.findMany({
      where: { studentId: request.studentId, state: { in: ["proposed", "awaiting_approval"] }, kind: "nudge", flagId: { in: ids } },
      select: { id: true, state: true },
    });
    for (const w of waiting) {
      if (w.state === "proposed") await transition(tx, { interventionId: w.id, to: "awaiting_approval", actor });
      await transition(tx, {
        interventionId: w.id,
        to: "rejected",
        actor,
        changes: { decisionNote: `dismissed: ${request.verdict}` },
        details: { note: comment, verdict: request.verdict, kind: "nudge" },
      });
    }
    await writeAudit(tx, {
      actor,
      action: "flag.dismissed",
      targetType: "student",
      targetId: String(request.studentId),
      studentId: request.studentId,
      details: { flagIds: ids, verdict: request.verdict, comment, rules: [...new Set(flags.map((f) => f.ruleId))] },
    });
    return { flags: ids.length, rejected: waiting.length };
  });
}

/** Puts the student's recent flags aside for `days`; they come back on the digest when it ends. */
export async function snoozeFlags(
  db: Database,
  request: { studentId: number; staffNumber: string; days: number },
  policy: ApprovalPolicy,
  now = new Date(),
): Promise<{ flags: number; until: Date }> {
  if (!Number.isInteger(request.days) || request.days < 1 || request.days > 60)
    throw new TutorActionError(`days: snooze for 1 to 60 days, not ${request.days}`, { plain: "Please choose how long to snooze for: 1 to 60 days." });
  const staff = await authorise(db, request.staffNumber, "intervention.decide", { studentId: request.studentId }, policy.nudge.roles);
  const until = new Date(now.getTime() + request.days * DAY_MS);
  return db.prisma.$transaction(async (tx) => {
    const flags = await tx.flag.findMany({ where: { ...actionableFlags(request.studentId, now), state: { in: ["open", "actioned"] } }, select: { id: true } });
    if (flags.length === 0) throw new TutorActionError("there is no recent flag on this student to snooze", { plain: NOTHING_TO_SET_ASIDE });
    await tx.flag.updateMany({ where: { id: { in: flags.map((f) => f.id) } }, data: { state: "snoozed", snoozedUntil: until } });
    await writeAudit(tx, {
      actor: { kind: "staff", staffNumber: staff.staffNumber },
      action: "flag.snoozed",
      targetType: "student",
      targetId: String(request.studentId),
      studentId: request.studentId,
      details: { flagIds: flags.map((f) => f.id), days: request.days, until: until.toISOString() },
    });
    return { flags: flags.length, until };
  });
}

/**
 * Refers the student to a team: a referral, decided by the referring tutor (their role must be one
 * the approval policy names for referrals), handed to the team (`handOff.open`, in the same
 * transaction) and a short message to the student saying who will be in touch. The tutor's note
 * stays with staff.
 */
export async function referStudent(
  db: Database,
  request: { studentId: number; staffNumber: string; note?: string },
  policy: ApprovalPolicy,
  handOff: { team: string; open(tx: Tx, referral: { interventionId: number; staffId: number }): Promise<unknown> },
  now = new Date(),
): Promise<{ interventionId: number }> {
  const staff = await authorise(db, request.staffNumber, "intervention.decide", { studentId: request.studentId }, policy.referral.roles);
  const actor = { kind: "staff", staffNumber: staff.staffNumber } as const;
  const student = await db.prisma.student.findUniqueOrThrow({
    where: { id: request.studentId },
    select: { givenName: true, preferredName: true, channelOrder: true, preferredChannel: true },
  });
  const open = await db.prisma.intervention.findFirst({
    where: { studentId: request.studentId, kind: "referral", state: { in: ["proposed", "awaiting_approval", "approved", "queued"] } },
    select: { id: true },
  });
  if (open)
    throw new TutorActionError(`a referral for this student is already under way (intervention ${open.id})`, {
      kind: "conflict",
      plain: "A referral for this student is already under way, so I haven't made another.",
    });
  const body = say("referral", { student: firstName(student), tutor: staff.displayName, team: handOff.team });
  const subject = say("referral_subject");
  const texts = { teams: body, sms: body, email: { subject, body } };
  const order = channelOrderFor(student, ["teams", "email", "sms"], texts, ["teams", "email", "sms"]);
  return db.prisma.$transaction(async (tx) => {
    const { id } = await createProposed(
      tx,
      {
        studentId: request.studentId,
        kind: "referral",
        channelOrder: order,
        body,
        subject,
        templateData: { texts, evidence: [], flagIds: [] },
        proposedBy: `staff:${staff.staffNumber}`,
      },
      actor,
    );
    await transition(tx, { interventionId: id, to: "awaiting_approval", actor });
    await transition(tx, {
      interventionId: id,
      to: "approved",
      actor,
      changes: { approvedById: staff.staffId, approvedAt: now, decisionNote: request.note?.trim() || null },
      details: { kind: "referral", note: request.note?.trim() || null },
    });
    await handOff.open(tx, { interventionId: id, staffId: staff.staffId });
    await queueApproved(tx, id, actor, now);
    return { interventionId: id };
  });
}
