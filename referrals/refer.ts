/**
 * Handing a student to the team that takes referrals or escalations. A tutor's Refer opens a case
 * with the referral, or, when no destination is set up (or none of its staff is on the records),
 * changes nothing and says so: the student is never told someone will be in touch when nobody has
 * been asked. An approved escalation becomes a case for the escalation team the same way.
 */
import { NudgeError } from "../core/index.ts";
import { authorise } from "../access/index.ts";
import { referStudent, type ApprovalPolicy } from "../interventions/index.ts";
import type { Database } from "../prisma/index.ts";
import { openCase, reachableDestination } from "./open-case.ts";
import type { ReferralSettings } from "./settings.ts";

export class ReferralNotSetUp extends NudgeError {
  static override kind = "conflict" as const;
  static override code = "referrals_not_set_up";
}

const NOT_SET_UP =
  "Referrals aren't set up yet, so I haven't referred this student and they haven't been told anything. Please ask your Nudge administrator to say where referrals go (NUDGE_REFERRAL_DESTINATIONS); in the meantime, contact the Student Centre yourself.";

/** The tutor's Refer: a referral, its case, the team told, and the student told who will be in touch. */
export async function referToTeam(
  db: Database,
  request: { studentId: number; staffNumber: string; note?: string },
  policy: ApprovalPolicy,
  settings: ReferralSettings,
  now = new Date(),
): Promise<{ interventionId: number; caseId: number; team: string }> {
  // Asked first, so someone who may not refer learns nothing about how referrals are set up.
  await authorise(db, request.staffNumber, "intervention.decide", { studentId: request.studentId }, policy.referral.roles);
  const destination = await reachableDestination(db.prisma, settings, "referral");
  if (!destination) throw new ReferralNotSetUp(NOT_SET_UP, { plain: NOT_SET_UP });
  let caseId = 0;
  const note = request.note?.trim() || null;
  const { interventionId } = await referStudent(
    db,
    request,
    policy,
    {
      team: destination.team,
      async open(tx, referral) {
        ({ caseId } = await openCase(
          tx,
          {
            ...referral,
            studentId: request.studentId,
            kind: "referral",
            note,
            referredById: referral.staffId,
            actor: { kind: "staff", staffNumber: request.staffNumber },
          },
          destination,
          settings,
          now,
        ));
      },
    },
    now,
  );
  return { interventionId, caseId, team: destination.team };
}

/**
 * After an escalation is approved: its case for the escalation team, if one is set up and the
 * escalation has none yet. Anything else (another kind, nothing set up) is left as it is.
 */
export async function escalationCase(
  db: Database,
  interventionId: number,
  staffNumber: string,
  settings: ReferralSettings,
  now = new Date(),
): Promise<{ caseId: number } | null> {
  const intervention = Number.isSafeInteger(interventionId)
    ? await db.prisma.intervention.findUnique({
        where: { id: interventionId },
        select: { id: true, kind: true, studentId: true, state: true, approvedById: true, decisionNote: true, referralCase: { select: { id: true } } },
      })
    : null;
  if (intervention?.kind !== "escalation" || intervention.referralCase || !["approved", "queued", "sent", "delivered"].includes(intervention.state))
    return null;
  const destination = await reachableDestination(db.prisma, settings, "escalation");
  if (!destination) return null;
  return db.prisma.$transaction(async (tx) =>
    openCase(
      tx,
      {
        interventionId: intervention.id,
        studentId: intervention.studentId,
        kind: "escalation",
        note: intervention.decisionNote,
        referredById: intervention.approvedById,
        actor: { kind: "staff", staffNumber },
      },
      destination,
      settings,
      now,
    ),
  );
}
