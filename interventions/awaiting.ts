/**
 * What waits for a member of staff's decision, as the CLI lists it (the digest card is the Teams
 * view of the same thing): only proposals the gate lets them decide, each read audited.
 */
import { authorise, decide, staffByNumber } from "../access/index.ts";
import { writeAudit } from "../audit/index.ts";
import type { Database } from "../prisma/index.ts";
import type { ApprovableKind, ApprovalPolicy } from "./approval-policy.ts";
import { approveIntervention, type ApproveRequest } from "./approve.ts";

const MAX_LISTED = 200;
/** Proposals looked at, oldest first, before the gate filters them. */
const MAX_READ = 5000;

export interface AwaitingDecision {
  id: number;
  kind: string;
  student: string;
  proposedBy: string;
  proposedAt: Date;
  text: string;
}

export async function awaitingDecision(db: Database, staffNumber: string, policy: ApprovalPolicy, now = new Date()): Promise<AwaitingDecision[]> {
  const staff = await staffByNumber(db, staffNumber);
  // Someone unknown is refused (and audited) by the gate, as with every other command.
  if (!staff) await authorise(db, staffNumber, "intervention.decide");
  const waiting = await db.prisma.intervention.findMany({
    where: { state: "awaiting_approval" },
    orderBy: { createdAt: "asc" },
    take: MAX_READ,
    select: { id: true, kind: true, studentId: true, body: true, proposedBy: true, createdAt: true, student: { select: { studentNumber: true } } },
  });
  const mine: AwaitingDecision[] = [];
  for (const item of waiting) {
    if (mine.length >= MAX_LISTED || !staff) break;
    const decision = await decide(
      db,
      { kind: "staff", staffId: staff.staffId },
      "intervention.decide",
      { studentId: item.studentId },
      now,
      policy[item.kind as ApprovableKind]?.roles,
    );
    if (!decision.allowed) continue;
    await writeAudit(db.prisma, {
      actor: { kind: "staff", staffNumber: staff.staffNumber },
      action: "intervention.view",
      targetType: "intervention",
      targetId: String(item.id),
      studentId: item.studentId,
    });
    mine.push({ id: item.id, kind: item.kind, student: item.student.studentNumber, proposedBy: item.proposedBy, proposedAt: item.createdAt, text: item.body });
  }
  return mine;
}

/** Approve, and say where the intervention now stands (queued, or held by a send-time check). */
export async function approveAndReport(
  db: Database,
  request: ApproveRequest,
  policy: ApprovalPolicy,
): Promise<{ id: number; state: string; approvedAt: Date | null }> {
  await approveIntervention(db, request, policy);
  const after = await db.prisma.intervention.findUniqueOrThrow({ where: { id: request.interventionId }, select: { state: true, approvedAt: true } });
  return { id: request.interventionId, ...after };
}
