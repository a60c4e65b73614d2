/**
 * One invitation to talk waiting per student: a rule that proposes one while another is waiting
 * (from a rule, or the student's own "I need help") joins it instead. The waiting invitation keeps
 * every flag and its evidence, so approving it answers them all, and the join is audited.
 */
import { writeAudit } from "../audit/index.ts";
import type { FlagEvidence } from "../rules/index.ts";
import type { InterventionActor, Tx } from "./lifecycle.ts";

/** What a proposal's template data holds about its flags (propose.ts's TemplateData, in part). */
interface FlagsOf {
  flagIds?: number[];
  evidence?: FlagEvidence[];
}

const WAITING = ["proposed", "awaiting_approval"] as const;

/** The student's invitation to talk waiting for a decision (the oldest, which the others join), or null. */
export async function waitingInvitation(tx: Tx, studentId: number, except?: number): Promise<{ id: number; templateData: unknown } | null> {
  return tx.intervention.findFirst({
    where: { studentId, kind: "invitation_to_talk", state: { in: [...WAITING] }, ...(except === undefined ? {} : { id: { not: except } }) },
    orderBy: { id: "asc" },
    select: { id: true, templateData: true },
  });
}

/** Adds flags (and their evidence) to a waiting invitation; the flags are actioned by it. */
export async function joinInvitation(
  tx: Tx,
  into: { id: number; templateData: unknown },
  joining: { flagIds: number[]; evidence: FlagEvidence[]; proposedBy: string; studentId: number },
  actor: InterventionActor,
): Promise<void> {
  const data = (into.templateData ?? {}) as FlagsOf;
  const flagIds = [...new Set([...(data.flagIds ?? []), ...joining.flagIds])];
  const evidence = [...(data.evidence ?? []), ...joining.evidence];
  await tx.intervention.update({ where: { id: into.id }, data: { templateData: { ...data, flagIds, evidence } as object } });
  if (joining.flagIds.length)
    await tx.flag.updateMany({
      where: { id: { in: joining.flagIds }, state: "open" },
      data: { state: "actioned", closedReason: `joined the invitation to talk ${into.id}` },
    });
  await writeAudit(tx, {
    actor,
    action: "intervention.merged",
    targetType: "intervention",
    targetId: String(into.id),
    studentId: joining.studentId,
    details: { kind: "invitation_to_talk", flags: joining.flagIds, proposedBy: joining.proposedBy },
  });
}
