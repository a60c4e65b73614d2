/**
 * `Action.Execute` buttons on our cards, routed by verb to the audience they belong to. The person
 * is recognised from the invoke itself, never from the card's data: a card's payload can be
 * edited, so every id in it is checked again by the privacy layer (refusals are audited there).
 */
import type { TurnContext } from "botbuilder";
import { invitationCard, VERBS, type AdaptiveCard } from "../adaptive-cards/index.ts";
import { invitationCardData, studentTeamsCard } from "../meetings/index.ts";
import type { ConversationSettings } from "../conversations/index.ts";
import { say } from "../core/index.ts";
import { chooseSlot, MeetingError, type TutorCalendar } from "../meetings/index.ts";
import { DecisionRejected, TutorActionError, type ApprovalPolicy } from "../interventions/index.ts";
import type { Database } from "../prisma/index.ts";
import { AccessRefused, type CapabilityName } from "../access/index.ts";
import { writeAudit } from "../audit/index.ts";
import { UNKNOWN_PERSON, whoIs } from "./identify.ts";
import { answerStudentText } from "./student-replies.ts";
import { questionCard } from "./centre-handler.ts";
import { digestAction, outcomeAction } from "./tutor-handler.ts";
import { ruleChangeAction } from "./admin-handler.ts";
import { safeguardingAction } from "./safeguarding-actions.ts";
import { ConcernError } from "../safeguarding/index.ts";

const STAFF_VERBS: ReadonlySet<string> = new Set([VERBS.meetingOutcome, VERBS.analyticsAsk, VERBS.rulesConfirm, VERBS.rulesCancel, VERBS.safeguardingAcknowledge, VERBS.safeguardingCircumstances, ...Object.values(VERBS).filter((v) => v.startsWith("digest."))]);
const STUDENT_VERBS: ReadonlySet<string> = new Set([VERBS.studentReply, VERBS.meetingChoose]);

export const ALL_VERBS = [...STAFF_VERBS, ...STUDENT_VERBS];

/** What a staff button would do, for the audit entry when someone else presses it. */
function capabilityOf(verb: string): CapabilityName {
  if (verb === VERBS.meetingOutcome) return "student.contact";
  if (verb === VERBS.analyticsAsk) return "analytics.ask";
  if (verb === VERBS.rulesConfirm || verb === VERBS.rulesCancel) return "rules.edit";
  if (verb === VERBS.digestPage || verb === VERBS.digestRefresh) return "student.read";
  if (verb === VERBS.safeguardingAcknowledge || verb === VERBS.safeguardingCircumstances) return "safeguarding.respond";
  return "intervention.decide";
}

/** The card to show in place of the pressed one, or a message (a refusal, an error, an answer). */
export interface CardActionDeps {
  policy: ApprovalPolicy;
  calendar?: TutorCalendar;
  conversations: ConversationSettings;
}

export async function handleCardAction(db: Database, context: TurnContext, verb: string, data: Record<string, unknown>, deps: CardActionDeps): Promise<AdaptiveCard | string> {
  const { policy, calendar } = deps;
  const person = await whoIs(db, context.activity);
  try {
    if (person.kind === "unknown") return UNKNOWN_PERSON;
    if (STAFF_VERBS.has(verb)) {
      if (person.kind !== "staff") {
        // A student's client never shows a staff card: the invoke was made up, so it leaves a trace.
        const { studentNumber } = await db.prisma.student.findUniqueOrThrow({ where: { id: person.studentId }, select: { studentNumber: true } });
        await writeAudit(db.prisma, { actor: { kind: "student", studentNumber }, action: "access.refused", targetType: "card", targetId: verb, details: { capability: capabilityOf(verb), reason: "a staff button pressed by a student", via: "bot" } });
        return say("staff_button_refused");
      }
      if (verb === VERBS.analyticsAsk) return await questionCard(db, person, String(data.text ?? ""));
      // rules.edit is asked again here (authorise audits a refusal): the card's payload can be edited.
      if (verb === VERBS.rulesConfirm || verb === VERBS.rulesCancel) return await ruleChangeAction(db, person, verb === VERBS.rulesConfirm, data);
      if (verb === VERBS.safeguardingAcknowledge || verb === VERBS.safeguardingCircumstances) return await safeguardingAction(db, person, verb, data, deps.conversations.safeguarding.timezone);
      return verb === VERBS.meetingOutcome ? await outcomeAction(db, person, data) : await digestAction(db, context, person, verb, data, policy, calendar);
    }
    if (person.kind !== "student") return "That button is for the student it was sent to.";
    if (verb === VERBS.studentReply) {
      // Answered in the chat like a typed reply (an explanation is too long for a card's notice);
      // the card stays as it was.
      const outcome = await answerStudentText(db, context, person.studentId, String(data.text ?? ""), deps.conversations);
      if (!outcome.duplicate) await context.sendActivity(outcome.answer ?? say("quick_reply_received"));
      return (await cardOfOwnMessage(db, person.studentId, Number(data.interventionId))) ?? "Sent.";
    }
    const chosen = await chooseSlot(db, { studentId: person.studentId, meetingId: Number(data.meetingId), choice: Number(data.choice), channel: "teams" });
    if (!chosen.booked) return chosen.answer;
    return invitationCard(await invitationCardData(db, chosen.meetingId));
  } catch (error) {
    if (error instanceof AccessRefused) return `Sorry, you can't do that for this student. The attempt has been recorded.`;
    if (error instanceof DecisionRejected || error instanceof TutorActionError || error instanceof MeetingError || error instanceof ConcernError) return error.message;
    throw error;
  }
}

/** The card a student's message was sent as, if the id is one of their own messages. */
async function cardOfOwnMessage(db: Database, studentId: number, interventionId: number): Promise<AdaptiveCard | null> {
  if (!Number.isSafeInteger(interventionId)) return null;
  const intervention = await db.prisma.intervention.findUnique({ where: { id: interventionId }, select: { id: true, studentId: true, kind: true, templateData: true, body: true } });
  if (!intervention || intervention.studentId !== studentId) return null;
  const text = (intervention.templateData as { texts?: { teams?: string } } | null)?.texts?.teams ?? intervention.body;
  return studentTeamsCard(db, intervention, text);
}
