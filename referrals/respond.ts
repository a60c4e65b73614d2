/**
 * What the team does with a case: acknowledge it (who and when, so the referrer knows it is in
 * hand), then record an outcome with a note and close it (closing an unacknowledged case
 * acknowledges it too). Only someone the case was sent to may act on it: a member of staff pressing
 * the card's buttons, or whoever reads the mailbox a signed link was sent to. Every step and every
 * refusal is audited.
 */
import { NudgeError, type LinkRecipient } from "../core/index.ts";
import { writeAudit } from "../audit/index.ts";
import { staffByNumber } from "../access/index.ts";
import type { Database } from "../prisma/index.ts";
import { CASE_OUTCOMES, caseCard, caseFacts, type CaseOutcome } from "./case-content.ts";
import { readCaseLink } from "./case-links.ts";

export class CaseError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "case_invalid";
}

/** Who acts: staff recognised by the bot, or the recipient a signed link names. */
export type CaseActor = { kind: "staff"; staffNumber: string } | { kind: "link"; recipient: LinkRecipient };
export type CaseResponse = { kind: "acknowledge" } | { kind: "close"; outcome: string; note?: string };

export interface CaseState {
  caseId: number;
  studentId: number;
  state: "open" | "acknowledged" | "closed";
  acknowledgedBy: string | null;
  acknowledgedAt: Date | null;
  /** Nothing changed: it had been done already. */
  already: boolean;
}

const GONE = "That referral no longer exists: it may have been removed with the student's data.";
const NOT_YOURS = "this case was not sent to them";

function actorName(by: CaseActor): string {
  if (by.kind === "staff") return by.staffNumber;
  return by.recipient.kind === "staff" ? by.recipient.staffNumber : by.recipient.address;
}

/** Whether the case's notices went to this person or mailbox: the right to act on it. */
async function wasSentTo(db: Database, kase: { studentId: number; createdAt: Date }, by: CaseActor): Promise<boolean> {
  const recipient: LinkRecipient = by.kind === "staff" ? { kind: "staff", staffNumber: by.staffNumber } : by.recipient;
  const where = { kind: "referral_case" as const, studentId: kase.studentId, createdAt: { gte: kase.createdAt } };
  if (recipient.kind === "email") return (await db.prisma.staffMessage.count({ where: { ...where, address: recipient.address } })) > 0;
  const staff = await staffByNumber(db, recipient.staffNumber);
  return staff !== null && (await db.prisma.staffMessage.count({ where: { ...where, staffId: staff.staffId } })) > 0;
}

async function caseFor(db: Database, caseId: number, by: CaseActor, verb: string) {
  const kase = Number.isSafeInteger(caseId)
    ? await db.prisma.referralCase.findUnique({
        where: { id: caseId },
        select: { id: true, studentId: true, state: true, createdAt: true, acknowledgedAt: true, acknowledgedBy: true },
      })
    : null;
  if (!kase) throw new CaseError(GONE, { kind: "not_found", plain: GONE });
  if (!(await wasSentTo(db, kase, by))) {
    await writeAudit(db.prisma, {
      actor: by.kind === "staff" ? { kind: "staff", staffNumber: by.staffNumber } : { kind: "system", component: `referral-link:${actorName(by)}` },
      action: "access.refused",
      targetType: "referral_case",
      targetId: String(caseId),
      studentId: kase.studentId,
      details: { verb, reason: "the case was not sent to them" },
    });
    throw new CaseError(NOT_YOURS, { kind: "refused" });
  }
  return kase;
}

const auditActor = (by: CaseActor) =>
  by.kind === "staff" || by.recipient.kind === "staff"
    ? ({ kind: "staff", staffNumber: actorName(by) } as const)
    : ({ kind: "system", component: `referral-link:${actorName(by)}` } as const);

export async function acknowledgeCase(db: Database, caseId: number, by: CaseActor, now = new Date()): Promise<CaseState> {
  const kase = await caseFor(db, caseId, by, "acknowledge");
  const name = actorName(by);
  if (kase.state !== "open")
    return { caseId, studentId: kase.studentId, state: kase.state, acknowledgedBy: kase.acknowledgedBy, acknowledgedAt: kase.acknowledgedAt, already: true };
  return db.prisma.$transaction(async (tx) => {
    const { count } = await tx.referralCase.updateMany({
      where: { id: caseId, state: "open" },
      data: { state: "acknowledged", acknowledgedAt: now, acknowledgedBy: name },
    });
    const current = await tx.referralCase.findUniqueOrThrow({ where: { id: caseId }, select: { state: true, acknowledgedAt: true, acknowledgedBy: true } });
    if (count === 1)
      await writeAudit(tx, {
        actor: auditActor(by),
        action: "referral.case_acknowledged",
        targetType: "referral_case",
        targetId: String(caseId),
        studentId: kase.studentId,
        details: { via: by.kind === "link" ? "email link" : "Teams" },
      });
    return { caseId, studentId: kase.studentId, ...current, already: count === 0 };
  });
}

export async function closeCase(db: Database, caseId: number, by: CaseActor, outcome: string, note?: string, now = new Date()): Promise<CaseState> {
  if (!CASE_OUTCOMES.some((o) => o.value === outcome))
    throw new CaseError(`outcome: "${outcome.slice(0, 40)}" is not one of ${CASE_OUTCOMES.map((o) => o.value).join(", ")}`, {
      plain: "Please choose an outcome before closing the referral.",
    });
  const text = note?.trim() || null;
  if (text && text.length > 500) throw new CaseError("outcome note over 500 characters", { plain: "Please keep the note to 500 characters or fewer." });
  const kase = await caseFor(db, caseId, by, "close");
  const name = actorName(by);
  if (kase.state === "closed")
    return { caseId, studentId: kase.studentId, state: "closed", acknowledgedBy: kase.acknowledgedBy, acknowledgedAt: kase.acknowledgedAt, already: true };
  return db.prisma.$transaction(async (tx) => {
    const { count } = await tx.referralCase.updateMany({
      where: { id: caseId, state: { not: "closed" } },
      data: {
        state: "closed",
        outcome: outcome as CaseOutcome,
        outcomeNote: text,
        closedAt: now,
        // Closing takes the case on, if nobody had yet.
        ...(kase.acknowledgedAt ? {} : { acknowledgedAt: now, acknowledgedBy: name }),
      },
    });
    const current = await tx.referralCase.findUniqueOrThrow({ where: { id: caseId }, select: { state: true, acknowledgedAt: true, acknowledgedBy: true } });
    if (count === 1)
      await writeAudit(tx, {
        actor: auditActor(by),
        action: "referral.case_closed",
        targetType: "referral_case",
        targetId: String(caseId),
        studentId: kase.studentId,
        details: { outcome, note: text !== null, via: by.kind === "link" ? "email link" : "Teams" },
      });
    return { caseId, studentId: kase.studentId, ...current, already: count === 0 };
  });
}

/** A button on the case card: the card as it now stands. */
export async function respondToCase(
  db: Database,
  caseId: number,
  staffNumber: string,
  response: CaseResponse,
  timezone: string,
  now = new Date(),
): Promise<object> {
  const by = { kind: "staff", staffNumber } as const;
  if (response.kind === "close") await closeCase(db, caseId, by, response.outcome, response.note, now);
  else await acknowledgeCase(db, caseId, by, now);
  return caseCard(await caseFacts(db.prisma, caseId, timezone));
}

export interface LinkedCase {
  caseId: number;
  recipient: LinkRecipient;
  kind: "referral" | "escalation";
  team: string;
  referrer: string;
  studentName: string;
  studentNumber: string;
  createdAt: Date;
  state: "open" | "acknowledged" | "closed";
  acknowledged: string | null;
  closed: string | null;
}

/** The case a link names, if the link is genuine and the case still exists. */
export async function caseOfLink(db: Database, secret: string, token: string | undefined, timezone: string): Promise<LinkedCase | null> {
  const link = readCaseLink(secret, token);
  if (!link) return null;
  const exists = await db.prisma.referralCase.count({ where: { id: link.caseId } });
  if (!exists) return null;
  const facts = await caseFacts(db.prisma, link.caseId, timezone);
  return {
    caseId: facts.caseId,
    recipient: link.recipient,
    kind: facts.kind,
    team: facts.team,
    referrer: facts.referrer,
    studentName: facts.student.name,
    studentNumber: facts.student.number,
    createdAt: facts.createdAt,
    state: facts.state,
    acknowledged: facts.acknowledged,
    closed: facts.closed,
  };
}

/** A button on the link's page, done as whoever the email went to. */
export async function respondByLink(
  db: Database,
  linked: Pick<LinkedCase, "caseId" | "recipient">,
  response: CaseResponse,
  now = new Date(),
): Promise<CaseState> {
  const by = { kind: "link", recipient: linked.recipient } as const;
  return response.kind === "close" ? closeCase(db, linked.caseId, by, response.outcome, response.note, now) : acknowledgeCase(db, linked.caseId, by, now);
}
