/**
 * A student's message, from any channel: recorded against their latest open intervention,
 * classified, and acted on — "needs help" proposes an invitation to talk for the tutor to approve,
 * "stop" opts out of that channel, "pause" pauses everything for a while, "why" is answered with the
 * evidence in plain words, "what data do you hold" opens a subject access request. The answer is an
 * intervention of its own (kind `reply`), so every message the student receives is recorded.
 */
import { setChannelOptOut } from "../channels/opt-outs.ts";
import type { ChannelName } from "../channels/types.ts";
import type { Database } from "../prisma/index.ts";
import type { ReplyClass } from "../generated/sqlite/enums.ts";
import { recordConsent, writeAudit } from "../privacy/index.ts";
import type { FlagEvidence } from "../rules/flags.ts";
import { isUniqueViolation } from "../scheduler/leases.ts";
import { createProposed, transition, type Tx } from "./lifecycle.ts";
import { answerSlotReply } from "./meetings.ts";
import { dayInWords, explainEvidence, firstName } from "./message-values.ts";
import type { TemplateData } from "./propose.ts";
import { queueApproved } from "./queue.ts";
import { classifyReply, consentChangeOf } from "./reply-classifier.ts";
import { personalTutorName } from "./tutors.ts";

export interface StudentMessage {
  studentId: number;
  channel: ChannelName;
  text: string;
  /** Twilio MessageSid, email Message-ID, Teams activity id: a replayed webhook is recorded once. */
  providerMessageId?: string;
  receivedAt?: Date;
}

export interface ReplyOutcome {
  duplicate: boolean;
  replyId?: number;
  classification?: ReplyClass;
  /** The intervention the reply was recorded against, if one was open. */
  interventionId?: number;
  /** What to say back, on the channel the student used. */
  answer?: string;
  /** An invitation to talk proposed for the tutor ("needs help"). */
  proposedInvitationId?: number;
  /** A slot number answering an invitation to talk: the meeting, and whether it is booked. */
  meeting?: { meetingId: number; booked: boolean };
}

export interface ReplyOptions {
  /**
   * True where the answer goes back in the same exchange (the TwiML of the SMS webhook, the bot's
   * turn in Teams): it is recorded as sent. False (email): it is queued in the outbox.
   */
  answerInline: boolean;
  now?: Date;
}

/** Replies within this many days of a message count as answering it. */
const OPEN_WINDOW_DAYS = 30;
const SUBJECT_ACCESS_DAYS = 30;

const ACTOR_SYSTEM = { kind: "system", component: "replies" } as const;

/** What the student is answering: the latest message that reached them, else the latest on its way. */
async function latestOpenIntervention(db: Database, studentId: number, now: Date) {
  const recent = { studentId, kind: { not: "reply" as const }, createdAt: { gt: new Date(now.getTime() - OPEN_WINDOW_DAYS * 86_400_000) } };
  const select = { id: true, templateData: true } as const;
  return (
    (await db.prisma.intervention.findFirst({ where: { ...recent, state: { in: ["sent", "delivered"] } }, orderBy: [{ updatedAt: "desc" }, { id: "desc" }], select })) ??
    (await db.prisma.intervention.findFirst({ where: { ...recent, state: "queued" }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], select }))
  );
}


/** Records and sends (inline or through the outbox) the answer, as an intervention of kind `reply`. */
async function answerStudent(tx: Tx, studentId: number, channel: ChannelName, answer: string, inline: boolean, now: Date): Promise<void> {
  const texts: TemplateData["texts"] = channel === "email" ? { email: { subject: "Your message to Nudge", body: answer } } : { [channel]: answer };
  const { id } = await createProposed(tx, { studentId, kind: "reply", channelOrder: [channel], body: answer, subject: texts.email?.subject ?? null, templateData: { texts, evidence: [], flagIds: [] } as object, proposedBy: "student" }, ACTOR_SYSTEM);
  await transition(tx, { interventionId: id, to: "approved", actor: ACTOR_SYSTEM, changes: { approvedAt: now }, details: { policy: "an answer to the student's own message" } });
  if (!inline) return queueApproved(tx, id, ACTOR_SYSTEM, now);
  await tx.delivery.create({ data: { interventionId: id, channel, dueAt: now, state: "sent", attempts: 1, sentAt: now, providerStatus: "inline" } });
  await transition(tx, { interventionId: id, to: "queued", actor: ACTOR_SYSTEM, details: { channel } });
  await transition(tx, { interventionId: id, to: "sent", actor: ACTOR_SYSTEM, changes: { channel }, details: { channel, inline: true } });
}

export async function receiveStudentMessage(db: Database, message: StudentMessage, options: ReplyOptions): Promise<ReplyOutcome> {
  const now = options.now ?? new Date();
  if (message.providerMessageId) {
    const seen = await db.prisma.reply.findUnique({ where: { providerMessageId: message.providerMessageId }, select: { id: true } });
    if (seen) return { duplicate: true, replyId: seen.id };
  }
  const student = await db.prisma.student.findUniqueOrThrow({ where: { id: message.studentId }, select: { studentNumber: true, givenName: true, preferredName: true } });
  const open = await latestOpenIntervention(db, message.studentId, now);
  // "2" to an invitation to talk books that slot (or says why not); recorded like any other reply.
  const slotChoice = await answerSlotReply(db, message, now);
  // "withdraw my consent", "opt out of analytics": recorded as the student's own choice (below).
  const consentChange = slotChoice ? null : consentChangeOf(message.text);
  const { classification, pauseDays } = slotChoice || consentChange ? { classification: "other" as const, pauseDays: undefined } : classifyReply(message.text);
  const tutor = await personalTutorName(db, message.studentId, now);
  const tutorWords = tutor ?? "your personal tutor";
  const actor = { kind: "student", studentNumber: student.studentNumber } as const;

  let outcome: ReplyOutcome;
  try {
    outcome = await db.prisma.$transaction(async (tx) => {
      const reply = await tx.reply.create({
        data: {
          studentId: message.studentId,
          interventionId: open?.id ?? null,
          channel: message.channel,
          text: message.text.slice(0, 4000),
          classification,
          providerMessageId: message.providerMessageId ?? null,
          receivedAt: message.receivedAt ?? now,
        },
      });
      await writeAudit(tx, { actor, action: "reply.received", targetType: "reply", targetId: String(reply.id), studentId: message.studentId, details: { channel: message.channel, classification, interventionId: open?.id ?? null } });
      const result: ReplyOutcome = { duplicate: false, replyId: reply.id, classification, interventionId: open?.id };
      if (slotChoice) result.meeting = { meetingId: slotChoice.meetingId, booked: slotChoice.booked };

      switch (classification) {
        case "needs_help": {
          const pending = await tx.intervention.findFirst({ where: { studentId: message.studentId, kind: "invitation_to_talk", state: { in: ["proposed", "awaiting_approval"] } }, select: { id: true } });
          if (pending) {
            result.proposedInvitationId = pending.id;
          } else {
            const body = `Hi ${firstName(student)}, it's ${tutor ?? "your personal tutor"}. Thanks for letting us know you'd like some help. Could we have a short chat? Pick a time that suits you.`;
            const channels = [message.channel, ...(["teams", "email", "sms"] as const).filter((c) => c !== message.channel)];
            const { id } = await createProposed(
              tx,
              { studentId: message.studentId, kind: "invitation_to_talk", channelOrder: channels, body, subject: "A chat with your personal tutor", templateData: { texts: { teams: body, sms: body, email: { subject: "A chat with your personal tutor", body } }, evidence: [], flagIds: [] }, proposedBy: "student", dedupeKey: `invitation_to_talk:${message.studentId}:reply:${reply.id}` },
              actor,
              { replyId: reply.id },
            );
            await transition(tx, { interventionId: id, to: "awaiting_approval", actor, details: { because: "the student asked for help" } });
            result.proposedInvitationId = id;
          }
          result.answer = `Thank you for telling us. We've asked ${tutorWords} to get in touch to arrange a chat. If you need help urgently, please contact the Student Centre.`;
          break;
        }
        case "pause": {
          const until = new Date(now.getTime() + pauseDays! * 86_400_000);
          await tx.student.update({ where: { id: message.studentId }, data: { pausedUntil: until } });
          await writeAudit(tx, { actor, action: "student.pause", targetType: "student", targetId: student.studentNumber, studentId: message.studentId, details: { days: pauseDays, until: until.toISOString() } });
          result.answer = `OK, no more messages from Nudge until ${dayInWords(until.toISOString().slice(0, 10), true)}. Your personal tutor can still contact you directly.`;
          break;
        }
        case "why": {
          const evidence = ((open?.templateData as Partial<TemplateData> | null)?.evidence ?? []) as FlagEvidence[];
          result.answer = explainEvidence(evidence, { withFigures: message.channel === "teams" });
          break;
        }
        case "data_request": {
          const request = await tx.dataRequest.create({ data: { studentId: message.studentId, kind: "access", channel: message.channel, dueBy: new Date(now.getTime() + SUBJECT_ACCESS_DAYS * 86_400_000) } });
          await writeAudit(tx, { actor, action: "data_request.received", targetType: "data_request", targetId: String(request.id), studentId: message.studentId, details: { kind: "access", channel: message.channel } });
          result.answer = `We've recorded your request for a copy of the data we hold about you (reference DR-${request.id}). You'll receive it within one month.`;
          break;
        }
        case "stop":
          // Inline only (the SMS or Teams exchange): no further email after an email opt-out.
          if (options.answerInline) result.answer = `OK, you won't get any more messages from Nudge by ${message.channel === "sms" ? "text" : message.channel === "teams" ? "Teams" : "email"}. Your personal tutor can still contact you directly.`;
          break;
        case "thanks":
          // No chatter by text or email; in Teams a short acknowledgement closes the exchange.
          if (message.channel === "teams") result.answer = "You're welcome. Reply \"help\" any time if you'd like a chat.";
          break;
        case "other":
          result.answer = slotChoice
            ? slotChoice.answer
            : consentChange === "withdrawn"
              ? "Done: Nudge will no longer use your engagement data, and it won't send you any more messages. Nothing changes about your studies, and your personal tutor can still contact you directly. To opt back in, reply \"opt in\"."
              : consentChange === "granted"
                ? "Thank you: Nudge will use your engagement data again to check in when things might be getting hard. Reply \"withdraw consent\" at any time to stop."
                : `Thanks for your reply. ${tutor ? `${tutor}, your personal tutor,` : "Your personal tutor"} will see it.`;
          break;
      }
      if (result.answer) await answerStudent(tx, message.studentId, message.channel, result.answer, options.answerInline, now);
      return result;
    });
  } catch (error) {
    if (message.providerMessageId && isUniqueViolation(error)) return { duplicate: true };
    throw error;
  }
  if (consentChange) await recordConsent(db, { studentId: message.studentId, purpose: "analytics", state: consentChange, source: message.channel }, undefined, now);
  if (classification === "stop") await setChannelOptOut(db.prisma, { studentId: message.studentId, channel: message.channel, optedOut: true, source: `${message.channel}-reply` });
  return outcome;
}
