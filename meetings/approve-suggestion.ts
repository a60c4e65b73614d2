/**
 * Approving a suggestion, whatever its kind: one that offers times (an invitation to talk, the
 * student's "I need help", an escalation) becomes the same offer of times as the tutor's "Invite
 * to talk" button; any other is approved and queued as it stands. The digest's Approve and Edit
 * buttons and `nudge interventions approve` all come here.
 */
import { approveIntervention, type ApprovalPolicy, type ApproveRequest, type DeliveryRules } from "../interventions/index.ts";
import type { Database } from "../prisma/index.ts";
import { inviteToTalk, offersTimes, type InviteResult } from "./meetings.ts";
import type { TutorCalendar } from "./tutor-calendar.ts";

export interface SuggestionOptions {
  /** The tutors' calendars (Microsoft Graph), for an offer of times. */
  calendar?: TutorCalendar;
  /** The outbox's rules: an offer's times start after the message can first go. */
  delivery?: DeliveryRules;
  now?: Date;
}

export interface SuggestionApproved {
  id: number;
  state: string;
  approvedAt: Date | null;
  /** For an offer of times: the meeting offered, its times and when it goes. */
  offer: Omit<InviteResult, "interventionId"> | null;
}

export async function approveSuggestion(
  db: Database,
  request: ApproveRequest,
  policy: ApprovalPolicy,
  options: SuggestionOptions = {},
): Promise<SuggestionApproved> {
  const now = options.now ?? new Date();
  const found = await db.prisma.intervention.findUnique({ where: { id: request.interventionId }, select: { kind: true, studentId: true } });
  let offer: SuggestionApproved["offer"] = null;
  if (found && offersTimes(found.kind)) {
    const { interventionId: _, ...made } = await inviteToTalk(
      db,
      {
        studentId: found.studentId,
        staffNumber: request.staffNumber,
        interventionId: request.interventionId,
        note: request.note,
        editedText: request.editedText,
      },
      policy,
      now,
      options.calendar,
      options.delivery,
    );
    offer = made;
  } else {
    await approveIntervention(db, request, policy, now);
  }
  const after = await db.prisma.intervention.findUniqueOrThrow({ where: { id: request.interventionId }, select: { state: true, approvedAt: true } });
  return { id: request.interventionId, ...after, offer };
}
