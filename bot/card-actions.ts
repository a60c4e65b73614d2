/**
 * `Action.Execute` buttons on our cards, routed by verb to the audience they belong to. The person
 * is recognised from the invoke itself, never from the card's data: a card's payload can be
 * edited, so every id in it is checked again by the privacy layer (refusals are audited there).
 */
import type { TurnContext } from "botbuilder";
import { VERBS, type AdaptiveCard } from "../adaptive-cards/index.ts";
import type { CapabilityName } from "../access/index.ts";
import type { App } from "../app/index.ts";
import type { ConversationSettings } from "../conversations/index.ts";
import { say, staffSentenceFor, type ChannelName } from "../core/index.ts";
import type { ApprovalPolicy, DeliveryRules } from "../interventions/index.ts";
import type { TutorCalendar } from "../meetings/index.ts";
import type { ReferralSettings } from "../referrals/index.ts";
import { heldChangeAsk, ruleChangeAction } from "./admin-handler.ts";
import { questionCard } from "./centre-handler.ts";
import { referralAction } from "./referral-actions.ts";
import { safeguardingAction } from "./safeguarding-actions.ts";
import { refreshIds } from "./staff-person.ts";
import { answerStudentText } from "./student-replies.ts";

const STAFF_VERBS: ReadonlySet<string> = new Set([
  VERBS.meetingOutcome,
  VERBS.analyticsAsk,
  VERBS.rulesConfirm,
  VERBS.rulesCancel,
  VERBS.rulesHeld,
  VERBS.safeguardingAcknowledge,
  VERBS.safeguardingCircumstances,
  VERBS.referralAcknowledge,
  VERBS.referralClose,
  ...Object.values(VERBS).filter((v) => v.startsWith("digest.")),
]);
const STUDENT_VERBS: ReadonlySet<string> = new Set([VERBS.studentReply, VERBS.meetingChoose]);

export const ALL_VERBS = [...STAFF_VERBS, ...STUDENT_VERBS];

/** What a staff button would do, for the audit entry when someone else presses it. */
function capabilityOf(verb: string): CapabilityName {
  if (verb === VERBS.meetingOutcome) return "student.contact";
  if (verb === VERBS.analyticsAsk) return "analytics.ask";
  if (verb === VERBS.rulesConfirm || verb === VERBS.rulesCancel || verb === VERBS.rulesHeld) return "rules.edit";
  if (verb === VERBS.digestPage || verb === VERBS.digestRefresh) return "student.read";
  if (verb === VERBS.safeguardingAcknowledge || verb === VERBS.safeguardingCircumstances) return "safeguarding.respond";
  return "intervention.decide";
}

/** The card to show in place of the pressed one, or a message (a refusal, an error, an answer). */
export interface CardActionDeps {
  policy: ApprovalPolicy;
  calendar?: TutorCalendar;
  conversations: ConversationSettings;
  /** Where referrals and escalations go (the digest's Refer, an approved escalation). */
  referrals?: ReferralSettings;
  /** The outbox's rules: an invitation's times start after it can first reach the student. */
  delivery?: DeliveryRules;
  /** The channels switched on: released held nudges are proposed on them. Unset: Teams. */
  channels?: readonly ChannelName[];
}

export async function handleCardAction(
  nudge: App,
  context: TurnContext,
  verb: string,
  data: Record<string, unknown>,
  deps: CardActionDeps,
): Promise<AdaptiveCard | string> {
  const { policy, calendar } = deps;
  const person = await nudge.access.whoIs(context.activity.from?.aadObjectId);
  try {
    if (person.kind === "unknown") return say("unknown_person");
    if (STAFF_VERBS.has(verb)) {
      if (person.kind !== "staff") {
        // A student's client never shows a staff card: the invoke was made up, so it leaves a trace.
        await nudge.audit.record({
          actor: { kind: "student", studentNumber: person.studentNumber },
          action: "access.refused",
          targetType: "card",
          targetId: verb,
          details: { capability: capabilityOf(verb), reason: "a staff button pressed by a student", via: "bot" },
        });
        return say("staff_button_refused");
      }
      if (verb === VERBS.analyticsAsk) return await questionCard(nudge, person, String(data.text ?? ""));
      // rules.edit is asked again here (authorise audits a refusal): the card's payload can be edited.
      if (verb === VERBS.rulesConfirm || verb === VERBS.rulesCancel)
        return await ruleChangeAction(nudge, person, verb === VERBS.rulesConfirm, data, { policy, channels: deps.channels ?? ["teams"] });
      if (verb === VERBS.rulesHeld) return await heldChangeAsk(nudge, person, data);
      if (verb === VERBS.safeguardingAcknowledge || verb === VERBS.safeguardingCircumstances)
        return await safeguardingAction(nudge, person, verb, data, deps.conversations.safeguarding.timezone);
      if (verb === VERBS.referralAcknowledge || verb === VERBS.referralClose)
        return await referralAction(nudge, person, verb, data, deps.conversations.safeguarding.timezone);
      if (verb === VERBS.meetingOutcome)
        return await nudge.meetings.outcomeAndCard({
          meetingId: Number(data.meetingId),
          staffNumber: person.staffNumber,
          outcome: String(data.outcome),
          note: typeof data.note === "string" ? data.note : undefined,
        });
      return await nudge.digest.digestAction(person, verb, data, {
        policy,
        calendar,
        refreshUserIds: refreshIds(context),
        referrals: deps.referrals,
        delivery: deps.delivery,
      });
    }
    if (person.kind !== "student") return "That button is for the student it was sent to.";
    if (verb === VERBS.studentReply) {
      // Answered in the chat like a typed reply (an explanation is too long for a card's notice);
      // the card stays as it was.
      const outcome = await answerStudentText(nudge, context, person.studentId, String(data.text ?? ""), deps.conversations);
      if (!outcome.duplicate) await context.sendActivity(outcome.answer ?? say("quick_reply_received"));
      return (await nudge.meetings.cardOfOwnMessage(person.studentId, Number(data.interventionId))) ?? "Sent.";
    }
    return await nudge.meetings.chooseSlotCard({ studentId: person.studentId, meetingId: Number(data.meetingId), choice: Number(data.choice) });
  } catch (error) {
    // Refusals, bad input and conflicts are said plainly; anything else is the bot's apology (logged).
    const sentence = staffSentenceFor(error);
    if (sentence === null) throw error;
    return sentence;
  }
}
