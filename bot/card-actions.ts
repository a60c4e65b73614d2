/**
 * `Action.Execute` buttons on our cards, routed by verb to the audience they belong to. The person
 * is recognised from the invoke itself, never from the card's data: a card's payload can be
 * edited, so every id in it is checked again by the privacy layer (refusals are audited there).
 */
import type { TurnContext } from "botbuilder";
import { invitationCard, VERBS, type AdaptiveCard } from "../adaptive-cards/index.ts";
import { invitationCardData } from "../adaptive-cards/from-database.ts";
import { chooseSlot, DecisionRejected, MeetingError, TutorActionError, type ApprovalPolicy } from "../interventions/index.ts";
import type { Database } from "../prisma/index.ts";
import { AccessRefused } from "../privacy/index.ts";
import { UNKNOWN_PERSON, whoIs } from "./identify.ts";
import { answerStudentText } from "./student-replies.ts";
import { digestAction, outcomeAction } from "./tutor-handler.ts";

const STAFF_VERBS: ReadonlySet<string> = new Set([VERBS.meetingOutcome, ...Object.values(VERBS).filter((v) => v.startsWith("digest."))]);
const STUDENT_VERBS: ReadonlySet<string> = new Set([VERBS.studentReply, VERBS.meetingChoose]);

export const ALL_VERBS = [...STAFF_VERBS, ...STUDENT_VERBS];

/** The card to show in place of the pressed one, or a message (a refusal, an error, an answer). */
export async function handleCardAction(db: Database, context: TurnContext, verb: string, data: Record<string, unknown>, policy: ApprovalPolicy): Promise<AdaptiveCard | string> {
  const person = await whoIs(db, context.activity);
  try {
    if (person.kind === "unknown") return UNKNOWN_PERSON;
    if (STAFF_VERBS.has(verb)) {
      if (person.kind !== "staff") return "Sorry, that button is for staff.";
      return verb === VERBS.meetingOutcome ? await outcomeAction(db, person, data) : await digestAction(db, context, person, verb, data, policy);
    }
    if (person.kind !== "student") return "That button is for the student it was sent to.";
    if (verb === VERBS.studentReply) {
      const answer = await answerStudentText(db, context, person.studentId, String(data.text ?? ""));
      return answer ?? "Thanks, your tutor will see your reply.";
    }
    const chosen = await chooseSlot(db, { studentId: person.studentId, meetingId: Number(data.meetingId), choice: Number(data.choice), channel: "teams" });
    if (!chosen.booked) return chosen.answer;
    return invitationCard(await invitationCardData(db, chosen.meetingId));
  } catch (error) {
    if (error instanceof AccessRefused) return `Sorry, you can't do that for this student. The attempt has been recorded.`;
    if (error instanceof DecisionRejected || error instanceof TutorActionError || error instanceof MeetingError) return error.message;
    throw error;
  }
}
