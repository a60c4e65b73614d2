/**
 * A student's message, from any channel, understood and answered. Safety comes first: the message
 * is screened for crisis and distress before anything else reads it, and such a message raises a
 * concern (people are alerted in the same transaction as it is recorded) and is answered with
 * support, never thanked, opted out or paused. Otherwise it is classified (classify.ts) and acted
 * on; each intent's action is below. The answer is an intervention of its own (kind `reply`), so
 * every message the student receives is recorded.
 */
import { consentInForce, withholds } from "../access/index.ts";
import type { ChannelName } from "../core/index.ts";
import { setChannelOptOut } from "../contacts/index.ts";

import { noticeCard } from "../adaptive-cards/index.ts";
import { say, DAY_MS } from "../core/index.ts";
import { nextWorkingInstant, relativeDayInWords } from "../core/index.ts";
import { dateLabel } from "../core/index.ts";
import type { Intent } from "./intents.ts";
import { createProposed, personalTutorName, transition, type TemplateData } from "../interventions/index.ts";
import { answerSlotReply } from "../meetings/index.ts";
import { queueApproved } from "../interventions/index.ts";
import { fullName, firstName } from "../interventions/index.ts";
import { PRIORITY, queueStaffNotice } from "../notices/index.ts";
import { isUniqueViolation, type Database, type Tx } from "../prisma/index.ts";
import { recordConsent } from "../privacy/index.ts";
import { writeAudit } from "../audit/index.ts";
import { personalTutors, raiseConcern, type SafeguardingLevel } from "../safeguarding/index.ts";
import { defaultConversationSettings, type ConversationSettings } from "./settings.ts";
import type { FlagEvidence } from "../rules/index.ts";
import { classifyMessage, type Classification } from "./classify.ts";
import type { IntentModel } from "./intent-model.ts";
import { myDataCardFor } from "./my-data.ts";
import { privacyAnswer } from "./privacy-answer.ts";
import { explainWhy } from "./why.ts";

export interface StudentMessage {
  studentId: number;
  channel: ChannelName;
  text: string;
  /** Twilio MessageSid, email Message-ID, Teams activity id: a replayed webhook is recorded once. */
  providerMessageId?: string;
  /**
   * False when the sender is not proven to be the student (an email From their address that
   * answers none of ours and that the mail system does not vouch for): a request that would change
   * something (stop, pause, consent, data requests) is then held for a person to confirm. Teams
   * and SMS are proven by the platform's signature. Default true.
   */
  verified?: boolean;
  receivedAt?: Date;
}

export interface ReplyOutcome {
  duplicate: boolean;
  replyId?: number;
  classification?: Intent;
  safeguarding?: SafeguardingLevel;
  /** The intervention the reply was recorded against, if one was open. */
  interventionId?: number;
  /** What to say back, on the channel the student used. */
  answer?: string;
  /** Teams: a card to show with (or instead of) the answer ("my data"). */
  card?: object;
  /** An invitation to talk proposed for the tutor ("needs help"). */
  proposedInvitationId?: number;
  /** A slot number answering an invitation to talk: the meeting, and whether it is booked. */
  meeting?: { meetingId: number; booked: boolean };
  /** A crisis or distress message: the concern raised for it. */
  concernId?: number;
}

export interface ReplyOptions {
  /**
   * True where the answer goes back in the same exchange (the TwiML of the SMS webhook, the bot's
   * turn in Teams): it is recorded as sent. False (email): it is queued in the outbox.
   */
  answerInline: boolean;
  now?: Date;
  settings?: ConversationSettings;
  /** The intent model; default: the one trained from the repository's corpus. */
  model?: IntentModel;
}

/** Requests that change something about the student, in words for "asked us to …". */
const ACTIONS = new Map<Intent, string>([
  ["stop", "stop sending you messages"],
  ["pause", "pause your messages"],
  ["resume", "start your messages again"],
  ["consent_withdraw", "stop using your engagement data"],
  ["data_copy", "send you a copy of your data"],
  ["erasure", "erase your data"],
]);

/** Replies within this many days of a message count as answering it. */
const OPEN_WINDOW_DAYS = 30;
/** "help" on its own asks for a chat when a message that offered one arrived this recently. */
export const HELP_INVITED_DAYS = 14;
/** Requests about one's data: a month to answer (UK GDPR), and a second request within it joins the first. */
const DATA_REQUEST_DAYS = 30;

const ACTOR_SYSTEM = { kind: "system", component: "replies" } as const;
const CHANNEL_WORDS: Record<ChannelName, string> = { teams: "in Teams", sms: "by text", email: "by email" };
const BARE_HELP = /^\s*(?:help|help me|help please|please help|help pls|help plis|info|helpwch fi|help plz)\s*[.!?]*\s*$/i;

/** What the student is answering: the latest message that reached them, else the latest on its way. */
async function latestOpenIntervention(db: Database, studentId: number, now: Date) {
  const recent = { studentId, kind: { not: "reply" as const }, createdAt: { gt: new Date(now.getTime() - OPEN_WINDOW_DAYS * DAY_MS) } };
  const select = { id: true, templateData: true, createdAt: true } as const;
  return (
    (await db.prisma.intervention.findFirst({
      where: { ...recent, state: { in: ["sent", "delivered"] } },
      orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
      select,
    })) ?? (await db.prisma.intervention.findFirst({ where: { ...recent, state: "queued" }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], select }))
  );
}

/** Whether a message that offered help reached the student recently ("reply HELP and we'll be in touch"). */
export async function helpInvitedRecently(db: Database, studentId: number, now: Date): Promise<boolean> {
  const since = new Date(now.getTime() - HELP_INVITED_DAYS * DAY_MS);
  const sent = await db.prisma.intervention.count({
    where: { studentId, kind: { not: "reply" }, state: { in: ["sent", "delivered"] }, updatedAt: { gt: since } },
  });
  return sent > 0;
}

/** Records and sends (inline or through the outbox) the answer, as an intervention of kind `reply`. */
async function answerStudent(tx: Tx, studentId: number, channel: ChannelName, answer: string, inline: boolean, now: Date): Promise<void> {
  const texts: TemplateData["texts"] = channel === "email" ? { email: { subject: say("reply_email_subject"), body: answer } } : { [channel]: answer };
  const { id } = await createProposed(
    tx,
    {
      studentId,
      kind: "reply",
      channelOrder: [channel],
      body: answer,
      subject: texts.email?.subject ?? null,
      templateData: { texts, evidence: [], flagIds: [] } as object,
      proposedBy: "student",
    },
    ACTOR_SYSTEM,
  );
  await transition(tx, {
    interventionId: id,
    to: "approved",
    actor: ACTOR_SYSTEM,
    changes: { approvedAt: now },
    details: { policy: "an answer to the student's own message" },
  });
  if (!inline) return queueApproved(tx, id, ACTOR_SYSTEM, now);
  await tx.delivery.create({ data: { interventionId: id, channel, dueAt: now, state: "sent", attempts: 1, sentAt: now, providerStatus: "inline" } });
  await transition(tx, { interventionId: id, to: "queued", actor: ACTOR_SYSTEM, details: { channel } });
  await transition(tx, { interventionId: id, to: "sent", actor: ACTOR_SYSTEM, changes: { channel }, details: { channel, inline: true } });
}

/** The help list a student sees for "help" when nothing offered them a chat recently. */
export function helpList(channel: ChannelName): string {
  return channel === "sms" ? say("sms_service_info") : say("teams_help");
}

/** The student's state before acting on "resume": what there is to undo. */
async function resumable(db: Database, studentId: number, channel: ChannelName, now: Date) {
  const student = await db.prisma.student.findUniqueOrThrow({
    where: { id: studentId },
    select: { teamsOptOutAt: true, smsOptOutAt: true, emailOptOutAt: true, pausedUntil: true },
  });
  const consent = await consentInForce(db, studentId, "analytics");
  const optedOut = { teams: student.teamsOptOutAt, sms: student.smsOptOutAt, email: student.emailOptOutAt }[channel] !== null;
  return {
    optedOut,
    paused: student.pausedUntil !== null && student.pausedUntil > now,
    consentWithdrawn: withholds(consent),
  };
}

interface Context {
  db: Database;
  message: StudentMessage;
  settings: ConversationSettings;
  now: Date;
  inline: boolean;
  student: { studentNumber: string; givenName: string | null; preferredName: string | null; familyName: string | null };
  tutor: string | null;
  /** When a person reads a message that waits for working hours, in words ("today", "on Monday 14 December"). */
  whenRead: string;
  dueAt: Date;
}

/** Tells the personal tutor about a message waiting for them, in working hours: Teams, else email. */
async function tellTutor(tx: Tx, ctx: Context, title: string, intro: string): Promise<number> {
  const tutors = await personalTutors(tx, ctx.message.studentId, ctx.now);
  const name = fullName(ctx.student) || ctx.student.studentNumber;
  const text = `${intro}\n\n"${ctx.message.text.slice(0, 1500)}"\n\n(${name}, ${ctx.student.studentNumber}, ${CHANNEL_WORDS[ctx.message.channel]}.) Ask me for "student ${ctx.student.studentNumber}" in Teams to see their record, or wait for your digest.`;
  for (const tutor of tutors) {
    await queueStaffNotice(
      tx,
      { staffId: tutor.staffId },
      {
        kind: "student_request",
        priority: PRIORITY.soon,
        studentId: ctx.message.studentId,
        subject: `${title}: ${name}`,
        text,
        card: noticeCard({ title: `${title}: ${name}`, text }),
        route: "teams-then-email",
        dueAt: ctx.dueAt,
      },
    );
  }
  return tutors.length;
}

async function crisisOrDistress(tx: Tx, ctx: Context, replyId: number, classification: Classification): Promise<{ answer: string; concernId: number }> {
  const crisis = classification.safeguarding === "crisis";
  const sms = ctx.message.channel === "sms";
  const s = ctx.settings.safeguarding;
  const bereavement = classification.reasons.includes("bereavement");
  const toldStaff = crisis
    ? "Crisis lines (999, Samaritans 116 123, Shout 85258), and that someone from the university will contact them as soon as they can."
    : `${bereavement ? "Condolences" : "A kind acknowledgement"}, that their tutor will see the message ${ctx.whenRead}, and how to reach wellbeing support and Samaritans.`;
  const raised = await raiseConcern(
    tx,
    {
      studentId: ctx.message.studentId,
      replyId,
      level: crisis ? "crisis" : "distress",
      reasons: classification.reasons,
      text: ctx.message.text.slice(0, 4000),
      channel: ctx.message.channel,
      receivedAt: ctx.message.receivedAt ?? ctx.now,
      told: toldStaff,
    },
    s,
    ctx.now,
  );
  const when = relativeDayInWords(raised.dueAt, ctx.now, s.timezone);
  if (crisis) {
    const lines = [...s.crisisLines, ...(s.wellbeingContact ? [s.wellbeingContact] : []), ...(s.securityContact ? [s.securityContact] : [])]
      .map((l) => `- ${l}`)
      .join("\n");
    const who = raised.told === "tutor" ? say("who_tutor") : say("who_safeguarding");
    const answer = sms
      ? say("crisis_answer_sms", { who_short: raised.told === "tutor" ? say("who_tutor_short") : say("who_safeguarding_short") })
      : say("crisis_answer", { lines, who });
    return { answer, concernId: raised.concernId };
  }
  const tutorWho = raised.told === "tutor" ? (ctx.tutor ? `${ctx.tutor}, your personal tutor,` : "Your personal tutor") : "The university's wellbeing team";
  if (sms) {
    const answer = say(bereavement ? "distress_answer_sms_bereavement" : "distress_answer_sms", {
      tutor_short: raised.told === "tutor" ? (ctx.tutor ?? "Your personal tutor") : "The wellbeing team",
      when,
    });
    return { answer, concernId: raised.concernId };
  }
  const answer = say(bereavement ? "distress_answer_bereavement" : "distress_answer", {
    tutor_sentence: say("tutor_will_see", { tutor: tutorWho, when }),
    wellbeing_sentence: s.wellbeingContact ? say("wellbeing_with_contact", { wellbeing: s.wellbeingContact }) : say("wellbeing_without_contact"),
  });
  return { answer, concernId: raised.concernId };
}

async function openOrJoinRequest(tx: Tx, ctx: Context, kind: "access" | "erasure"): Promise<string> {
  const since = new Date(ctx.now.getTime() - DATA_REQUEST_DAYS * DAY_MS);
  const open = await tx.dataRequest.findFirst({
    where: { studentId: ctx.message.studentId, kind, state: { in: ["received", "in_progress"] }, requestedAt: { gte: since } },
    orderBy: { requestedAt: "desc" },
  });
  const tz = ctx.settings.safeguarding.timezone;
  const actor = { kind: "student", studentNumber: ctx.student.studentNumber } as const;
  const privacyContact = ctx.settings.privacy.privacyContact;
  if (open) {
    await writeAudit(tx, {
      actor,
      action: "data_request.repeated",
      targetType: "data_request",
      targetId: String(open.id),
      studentId: ctx.message.studentId,
      details: { kind, channel: ctx.message.channel },
    });
    const values = { reference: open.id, asked: dateLabel(open.requestedAt, tz), due: dateLabel(open.dueBy, tz), privacy_contact: privacyContact };
    return kind === "access" ? say("data_copy_joined", values) : say("erasure_joined", values);
  }
  const request = await tx.dataRequest.create({
    data: {
      studentId: ctx.message.studentId,
      kind,
      channel: ctx.message.channel,
      requestedAt: ctx.now,
      dueBy: new Date(ctx.now.getTime() + DATA_REQUEST_DAYS * DAY_MS),
    },
  });
  await writeAudit(tx, {
    actor,
    action: "data_request.received",
    targetType: "data_request",
    targetId: String(request.id),
    studentId: ctx.message.studentId,
    details: { kind, channel: ctx.message.channel },
  });
  const values = { reference: request.id, due: dateLabel(request.dueBy, tz), privacy_contact: privacyContact };
  return kind === "access" ? say("data_copy_opened", values) : say("erasure_opened", values);
}

async function needsHelp(tx: Tx, ctx: Context, replyId: number, result: ReplyOutcome): Promise<string> {
  const { studentId } = ctx.message;
  const pending = await tx.intervention.findFirst({
    where: { studentId, kind: "invitation_to_talk", state: { in: ["proposed", "awaiting_approval"] } },
    select: { id: true },
  });
  const actor = { kind: "student", studentNumber: ctx.student.studentNumber } as const;
  if (pending) {
    result.proposedInvitationId = pending.id;
  } else {
    const body = say("invitation_after_help", { student: firstName(ctx.student), tutor: ctx.tutor ?? "your personal tutor" });
    const subject = say("invitation_after_help_subject");
    const channels = [ctx.message.channel, ...(["teams", "email", "sms"] as const).filter((c) => c !== ctx.message.channel)];
    const { id } = await createProposed(
      tx,
      {
        studentId,
        kind: "invitation_to_talk",
        channelOrder: channels,
        body,
        subject,
        templateData: { texts: { teams: body, sms: body, email: { subject, body } }, evidence: [], flagIds: [] },
        proposedBy: "student",
        dedupeKey: `invitation_to_talk:${studentId}:reply:${replyId}`,
      },
      actor,
      { replyId },
    );
    await transition(tx, { interventionId: id, to: "awaiting_approval", actor, details: { because: "the student asked for help" } });
    result.proposedInvitationId = id;
  }
  await tellTutor(
    tx,
    ctx,
    "Asked for help",
    `${fullName(ctx.student) || ctx.student.studentNumber} would like a chat. An invitation to talk is waiting for your approval in your digest.`,
  );
  const tutor = ctx.tutor ?? "your personal tutor";
  return ctx.message.channel === "sms" ? say("help_requested_sms", { tutor, when: ctx.whenRead }) : say("help_requested", { tutor, when: ctx.whenRead });
}

export async function receiveStudentMessage(db: Database, message: StudentMessage, options: ReplyOptions): Promise<ReplyOutcome> {
  const now = options.now ?? new Date();
  const settings = options.settings ?? defaultConversationSettings();
  if (message.providerMessageId) {
    const seen = await db.prisma.reply.findUnique({ where: { providerMessageId: message.providerMessageId }, select: { id: true } });
    if (seen) return { duplicate: true, replyId: seen.id };
  }
  const student = await db.prisma.student.findUniqueOrThrow({
    where: { id: message.studentId },
    select: { studentNumber: true, givenName: true, preferredName: true, familyName: true },
  });
  const classification = await classifyMessage(message.text, { channel: message.channel }, options.model);
  let intent: Intent = classification.intent;
  const safe = classification.safeguarding === "none";

  // "help" on its own: a request for a chat after a message that offered one, otherwise the help list.
  if (safe && BARE_HELP.test(message.text)) {
    if (!(await helpInvitedRecently(db, message.studentId, now))) return { duplicate: false, answer: helpList(message.channel) };
    intent = "needs_help";
  }
  // "2" to an invitation to talk books that slot (or says why not); recorded like any other reply.
  const slotChoice = safe ? await answerSlotReply(db, message, now) : null;
  if (slotChoice) intent = "other";
  // A request that would change something about the student, from a sender nobody has proven.
  const unproven = message.verified === false && ACTIONS.has(intent);
  const resumeState = intent === "resume" && !unproven ? await resumable(db, message.studentId, message.channel, now) : null;

  const s = settings.safeguarding;
  const dueAt = nextWorkingInstant(now, s.timezone, s.workingHours);
  const ctx: Context = {
    db,
    message,
    settings,
    now,
    inline: options.answerInline,
    student,
    tutor: await personalTutorName(db, message.studentId, now),
    whenRead: relativeDayInWords(dueAt, now, s.timezone),
    dueAt,
  };
  const open = await latestOpenIntervention(db, message.studentId, now);
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
          classification: intent,
          confidence: classification.confidence,
          safeguarding: classification.safeguarding,
          providerMessageId: message.providerMessageId ?? null,
          receivedAt: message.receivedAt ?? now,
        },
      });
      await writeAudit(tx, {
        // An unproven email is not put in the student's name: the mail system received it, that is all.
        actor: message.verified === false ? { kind: "system", component: "email-inbound" } : actor,
        action: "reply.received",
        targetType: "reply",
        targetId: String(reply.id),
        studentId: message.studentId,
        details: {
          channel: message.channel,
          classification: intent,
          safeguarding: classification.safeguarding,
          interventionId: open?.id ?? null,
          ...(message.verified === false ? { senderVerified: false } : {}),
        },
      });
      const result: ReplyOutcome = {
        duplicate: false,
        replyId: reply.id,
        classification: intent,
        safeguarding: classification.safeguarding,
        interventionId: open?.id,
      };
      if (slotChoice) result.meeting = { meetingId: slotChoice.meetingId, booked: slotChoice.booked };

      switch (unproven ? "unproven" : intent) {
        case "unproven": {
          const what = ACTIONS.get(intent)!;
          await writeAudit(tx, {
            actor: { kind: "system", component: "conversations" },
            action: "reply.unverified_request",
            targetType: "reply",
            targetId: String(reply.id),
            studentId: message.studentId,
            details: { channel: message.channel, intent },
          });
          await tellTutor(
            tx,
            ctx,
            "Please confirm a request",
            `An email from ${fullName(student) || student.studentNumber}'s address asked Nudge to ${what}, but it could not be verified as theirs (it answers none of our emails and the mail system does not vouch for it), so nothing was changed. Please check with them in Teams or by phone.`,
          );
          result.answer = say("unverified_request", { what, tutor: ctx.tutor ? `${ctx.tutor}, your personal tutor,` : "Your personal tutor" });
          break;
        }
        case "crisis":
        case "distress": {
          const raised = await crisisOrDistress(tx, ctx, reply.id, classification);
          result.answer = raised.answer;
          result.concernId = raised.concernId;
          break;
        }
        case "needs_help":
          result.answer = await needsHelp(tx, ctx, reply.id, result);
          break;
        case "pause": {
          const days = classification.pauseDays ?? 14;
          const until = new Date(now.getTime() + days * DAY_MS);
          await tx.student.update({ where: { id: message.studentId }, data: { pausedUntil: until } });
          await writeAudit(tx, {
            actor,
            action: "student.pause",
            targetType: "student",
            targetId: student.studentNumber,
            studentId: message.studentId,
            details: { days, until: until.toISOString() },
          });
          result.answer = say("pause_answer", { until: dateLabel(until, s.timezone) });
          break;
        }
        case "resume": {
          const state = resumeState!;
          if (state.paused) {
            await tx.student.update({ where: { id: message.studentId }, data: { pausedUntil: null } });
            await writeAudit(tx, {
              actor,
              action: "student.resume",
              targetType: "student",
              targetId: student.studentNumber,
              studentId: message.studentId,
              details: { channel: message.channel },
            });
          }
          const parts = [
            ...(state.consentWithdrawn ? [say("consent_granted")] : []),
            ...(state.optedOut ? [say("resume_channel", { channel_words: CHANNEL_WORDS[message.channel] })] : []),
            ...(state.paused && !state.optedOut ? [say("resume_pause")] : []),
          ];
          result.answer = parts.length ? parts.join(" ") : say("resume_nothing");
          break;
        }
        case "why": {
          const evidence = ((open?.templateData as Partial<TemplateData> | null)?.evidence ?? []) as FlagEvidence[];
          result.answer = explainWhy(evidence, message.channel, ctx.tutor);
          break;
        }
        case "data_copy":
          result.answer = await openOrJoinRequest(tx, ctx, "access");
          break;
        case "erasure":
          result.answer = await openOrJoinRequest(tx, ctx, "erasure");
          break;
        case "privacy_question":
          result.answer = privacyAnswer(settings, message.channel);
          break;
        case "my_data":
          // The card is built after the transaction (it reads the metrics); SMS and email only point to it.
          result.answer = message.channel === "teams" ? say("my_data_intro") : say("my_data_elsewhere");
          break;
        case "consent_withdraw":
          result.answer = say("consent_withdrawn");
          break;
        case "stop":
          // Inline only (the SMS or Teams exchange): no further email after an email opt-out.
          if (options.answerInline)
            result.answer = message.channel === "sms" ? say("stop_answer_sms") : say("stop_answer", { channel_words: CHANNEL_WORDS[message.channel] });
          break;
        case "thanks":
          // No chatter by text or email; in Teams a short acknowledgement closes the exchange.
          if (message.channel === "teams") result.answer = say("thanks_answer");
          break;
        case "other":
          if (slotChoice) {
            result.answer = slotChoice.answer;
          } else {
            await tellTutor(
              tx,
              ctx,
              "Replied to Nudge",
              `${fullName(student) || student.studentNumber} wrote to Nudge; nothing in it was recognised as a request, so it is passed to you to read.`,
            );
            result.answer = say("other_received", { tutor: ctx.tutor ? `${ctx.tutor}, your personal tutor,` : "Your personal tutor", when: ctx.whenRead });
          }
          break;
      }
      if (result.answer) await answerStudent(tx, message.studentId, message.channel, result.answer, options.answerInline, now);
      return result;
    });
  } catch (error) {
    if (message.providerMessageId && isUniqueViolation(error)) return { duplicate: true };
    throw error;
  }
  if (unproven) return outcome;
  if (intent === "consent_withdraw")
    await recordConsent(db, { studentId: message.studentId, purpose: "analytics", state: "withdrawn", source: message.channel }, undefined, now);
  if (intent === "resume" && resumeState?.consentWithdrawn)
    await recordConsent(db, { studentId: message.studentId, purpose: "analytics", state: "granted", source: message.channel }, undefined, now);
  if (intent === "resume" && resumeState?.optedOut)
    await setChannelOptOut(db, { studentId: message.studentId, channel: message.channel, optedOut: false, source: `${message.channel}-reply` });
  if (intent === "stop")
    await setChannelOptOut(db, { studentId: message.studentId, channel: message.channel, optedOut: true, source: `${message.channel}-reply` });
  if (intent === "my_data" && message.channel === "teams") outcome.card = await myDataCardFor(db, message.studentId, now, settings.safeguarding.timezone);
  return outcome;
}
