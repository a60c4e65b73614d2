/**
 * Staff in their 1:1 chat with the bot: "my tutees", "student <name or id>", "digest now", "help",
 * and the buttons on a digest card. Every read and action goes through the privacy layer (inside
 * the interventions functions called here); a refusal is audited there and answered politely here.
 */
import type { TurnContext } from "botbuilder";
import { inputOf, noticeCard, outcomeCard, studentCard, tuteesCard, type AdaptiveCard } from "../adaptive-cards/index.ts";
import { outcomeCardData } from "../meetings/index.ts";
import { approveIntervention, dismissFlags, referStudent, snoozeFlags, type ApprovalPolicy } from "../interventions/index.ts";
import { markRepliesSeen, tutorDigest } from "../digest/index.ts";
import { recordOutcome, inviteToTalk, type TutorCalendar } from "../meetings/index.ts";
import type { Database } from "../prisma/index.ts";
import { decide } from "../access/index.ts";
import { writeAudit } from "../audit/index.ts";
import { acknowledgeConcern } from "../safeguarding/index.ts";
import { composeDigest, digestPage, digestStudent } from "../digest/index.ts";
import { answerQuestion, mayAskQuestions, QUESTION_HELP } from "./centre-handler.ts";
import { ADMIN_HELP, answerAdminMessage, mayEditRules } from "./admin-handler.ts";
import { sendCard } from "./send-card.ts";

export interface StaffPerson {
  staffId: number;
  staffNumber: string;
  displayName: string;
}

export const STAFF_HELP = [
  "Here is what you can ask me:",
  "- \"my tutees\": your personal tutees and who needs a look",
  "- \"student <name or student number>\": a student's evidence and history (recorded in the audit log)",
  "- \"digest now\": your digest card, with what is waiting for you",
  "- \"help\": this list",
  "Your digest arrives each weekday morning when something is new.",
].join("\n");

/** Messages a student might send that are staff commands: answered with a polite refusal. */
export function isStaffCommand(text: string): boolean {
  return /^(my tutees|digest( now)?|student\s+\S.*)$/i.test(text.trim());
}

const MAX_TUTEES_ON_CARD = 25;
const MAX_MATCHES = 5;

export async function answerStaffMessage(db: Database, context: TurnContext, staff: StaffPerson): Promise<void> {
  const text = (context.activity.text ?? "").replace(/<at>.*?<\/at>/g, "").trim();
  if (/^(help|\?|hi|hello)\b/i.test(text) || !text) {
    await context.sendActivity(await staffHelp(db, staff));
    return;
  }
  if (/^my tutees\b/i.test(text)) return sendCard(context, await tuteesCardFor(db, staff));
  if (/^digest( now)?$/i.test(text)) {
    const digest = await composeDigest(db, staff.staffNumber, "asked", refreshIds(context));
    if (!digest) await context.sendActivity("Nothing is waiting for you: no tutee has a recent flag, a suggestion to decide on or an unseen reply.");
    else {
      await sendCard(context, digest.card);
      // Only the replies the card shows are seen: the other pages are read when opened.
      await markRepliesSeen(db, digest.shownReplyIds, new Date());
    }
    return;
  }
  const asked = /^student\s+(.+)$/i.exec(text);
  if (asked) return sendCard(context, await studentLookup(db, staff, asked[1]!.trim()));
  // Rules commands, for admins (anyone else is told politely that rules are for admins).
  if (await answerAdminMessage(db, context, staff, text)) return;
  // Anything else is a question about groups of students, for those whose role allows it.
  if (await mayAskQuestions(db, staff)) return answerQuestion(db, context, staff, text);
  await context.sendActivity(`Sorry, I didn't understand "${text.slice(0, 80)}".\n\n${await staffHelp(db, staff)}`);
}

/** What this person can say: the staff commands, and the lines for what their roles add. Read only when shown. */
async function staffHelp(db: Database, staff: StaffPerson): Promise<string> {
  const [asks, edits] = await Promise.all([mayAskQuestions(db, staff), mayEditRules(db, staff)]);
  return [STAFF_HELP, ...(asks ? [QUESTION_HELP] : []), ...(edits ? [ADMIN_HELP] : [])].join("\n");
}

/** The Teams user ids whose clients refresh a digest card when it is shown: the person it is for. */
export function refreshIds(context: TurnContext): string[] {
  return context.activity.from?.id ? [context.activity.from.id] : [];
}

async function tuteesCardFor(db: Database, staff: StaffPerson): Promise<AdaptiveCard> {
  const now = new Date();
  const assignments = await db.prisma.tutorAssignment.findMany({
    where: { staffId: staff.staffId, role: "personal_tutor", startDate: { lte: now }, OR: [{ endDate: null }, { endDate: { gt: now } }] },
    orderBy: { student: { familyName: "asc" } },
    select: { studentId: true },
  });
  if (assignments.length === 0) return noticeCard({ title: "My tutees", text: "You have no personal tutees at the moment." });
  const shown = assignments.slice(0, MAX_TUTEES_ON_CARD);
  const { entries } = await tutorDigest(db, staff.staffNumber, { studentIds: shown.map((a) => a.studentId), purpose: "my tutees", now });
  return tuteesCard({
    tutorName: staff.displayName,
    tutees: entries.map((e) => ({ name: e.name, studentNumber: e.studentNumber, programme: e.programme, status: e.proposal ? "Waiting for your decision" : e.evidence.startsWith("A reply") ? "No recent flags" : e.evidence })),
    more: assignments.length > shown.length ? `and ${assignments.length - shown.length} more: ask for a student by name or number` : null,
  });
}

/**
 * Finds students the person may see by student number or name; a number outside their scope is
 * refused (and audited), a name outside it simply does not match, so nothing leaks either way.
 */
async function studentLookup(db: Database, staff: StaffPerson, term: string): Promise<AdaptiveCard> {
  const now = new Date();
  const actor = { kind: "staff" as const, staffId: staff.staffId };
  const byNumber = await db.prisma.student.findUnique({ where: { studentNumber: term }, select: { id: true } });
  let ids: number[];
  if (byNumber) {
    const decision = await decide(db, actor, "student.read", { studentId: byNumber.id }, now);
    if (!decision.allowed) {
      await writeAudit(db.prisma, { actor: { kind: "staff", staffNumber: staff.staffNumber }, action: "access.refused", targetType: "student", targetId: String(byNumber.id), studentId: byNumber.id, details: { capability: "student.read", reason: decision.reason, via: "bot" } });
      return noticeCard({ title: "Not available", text: `You can't see student ${term}: ${decision.reason}. The attempt has been recorded.` });
    }
    ids = [byNumber.id];
  } else {
    const words = term.split(/\s+/).filter(Boolean).slice(0, 3);
    // SQLite's LIKE ignores case already; PostgreSQL needs to be asked.
    const like = (w: string) => (db.kind === "postgresql" ? { contains: w, mode: "insensitive" as const } : { contains: w });
    const candidates = await db.prisma.student.findMany({
      where: { AND: words.map((w) => ({ OR: [{ givenName: like(w) }, { familyName: like(w) }, { preferredName: like(w) }] })), erasedAt: null },
      select: { id: true },
      take: 200,
    });
    ids = [];
    for (const c of candidates) if ((await decide(db, actor, "student.read", { studentId: c.id }, now)).allowed) ids.push(c.id);
  }
  if (ids.length === 0) return noticeCard({ title: "No match", text: `I can't find a student you can see matching "${term}". Try their student number.` });
  if (ids.length > 1) {
    const { entries } = await tutorDigest(db, staff.staffNumber, { studentIds: ids.slice(0, MAX_MATCHES), purpose: "student search", now });
    const list = entries.map((e) => `- ${e.name} (${e.studentNumber})`).join("\n");
    return noticeCard({ title: `${ids.length} students match "${term}"`, text: `${list}\n\nAsk again with the student number.` });
  }
  const { entries } = await tutorDigest(db, staff.staffNumber, { studentIds: ids, purpose: "student command", now });
  const student = await db.prisma.student.findUniqueOrThrow({ where: { id: ids[0]! }, select: { pausedUntil: true } });
  await markRepliesSeen(db, entries[0]!.shownReplyIds, now);
  return studentCard({ student: { ...digestStudent(entries[0]!), actionable: false }, status: student.pausedUntil && student.pausedUntil > now ? `Paused messages until ${student.pausedUntil.toISOString().slice(0, 10)}` : null });
}

/** What a digest button asks for; inputs (edited text, verdict, note) arrive merged into it. */
export interface DigestActionData {
  digestId?: unknown;
  page?: unknown;
  studentId?: unknown;
  interventionId?: unknown;
  days?: unknown;
  /** Inputs: `editedText-<studentId>`, `verdict-…`, `comment-…`, `note-…`. */
  [input: string]: unknown;
}

/** A digest button: do it, then show the page again as it now stands. Refusals come back as text. */
export async function digestAction(db: Database, context: TurnContext, staff: StaffPerson, verb: string, data: DigestActionData, policy: ApprovalPolicy, calendar?: TutorCalendar): Promise<AdaptiveCard | string> {
  const digestId = Number(data.digestId);
  const digest = Number.isInteger(digestId) ? await db.prisma.tutorDigest.findUnique({ where: { id: digestId } }) : null;
  if (!digest || digest.staffId !== staff.staffId) {
    await writeAudit(db.prisma, { actor: { kind: "staff", staffNumber: staff.staffNumber }, action: "access.refused", targetType: "digest", targetId: String(data.digestId), details: { verb, reason: "not this person's digest" } });
    return "This card isn't yours, so I can't act on it. The attempt has been recorded.";
  }
  const studentId = Number(data.studentId);
  const interventionId = Number(data.interventionId);
  // Inputs arrive merged into the data, named per student (`editedText-12`): see adaptive-cards.
  const input = (name: string) => inputOf(data as Record<string, unknown>, name, studentId);
  const who = staff.staffNumber;
  switch (verb) {
    case "digest.approve":
      await approveIntervention(db, { interventionId, staffNumber: who }, policy);
      break;
    case "digest.edit":
      await approveIntervention(db, { interventionId, staffNumber: who, editedText: input("editedText") ?? "", note: "edited in the digest" }, policy);
      break;
    case "digest.invite":
      await inviteToTalk(db, { studentId, staffNumber: who }, policy, new Date(), calendar);
      break;
    case "digest.refer":
      await referStudent(db, { studentId, staffNumber: who, note: input("note") }, policy);
      break;
    case "digest.dismiss":
      await dismissFlags(db, { studentId, staffNumber: who, verdict: input("verdict") ?? "", comment: input("comment") }, policy);
      break;
    case "digest.snooze":
      await snoozeFlags(db, { studentId, staffNumber: who, days: Number(data.days ?? 7) }, policy);
      break;
    case "digest.acknowledge":
      await acknowledgeConcern(db, Number(data.concernId), { kind: "staff", staffNumber: who });
      break;
    case "digest.page":
    case "digest.refresh":
      break;
    default:
      return `Sorry, I don't know the action "${verb}".`;
  }
  const page = await digestPage(db, digest, who, Number(data.page ?? 1), refreshIds(context), { purpose: verb === "digest.refresh" ? "digest refresh" : "digest" });
  await markRepliesSeen(db, page.shownReplyIds, new Date());
  return page.card;
}

/** The tutor's answer to "how did the meeting go?": recorded, and the card shows it. */
export async function outcomeAction(db: Database, staff: StaffPerson, data: { meetingId?: unknown; outcome?: unknown }): Promise<AdaptiveCard> {
  const meetingId = Number(data.meetingId);
  await recordOutcome(db, { meetingId, staffNumber: staff.staffNumber, outcome: String(data.outcome) as "met" });
  return outcomeCard(await outcomeCardData(db, meetingId));
}

