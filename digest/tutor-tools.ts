/**
 * What a member of staff asks for in Teams about their students: "my tutees", "student <name or
 * number>", "digest now", and the digest card's buttons. Each is one use case here; bot/ only
 * parses the words and renders the card. Every read of a student goes through the access gate
 * and the audit log (tutorDigest); a refusal is audited and said plainly.
 */
import { inputOf, noticeCard, studentCard, tuteesCard, type AdaptiveCard } from "../adaptive-cards/index.ts";
import { decide, scopeFilter } from "../access/index.ts";
import { writeAudit } from "../audit/index.ts";
import { dismissFlags, snoozeFlags, type ApprovalPolicy, type DeliveryRules } from "../interventions/index.ts";
import { approveSuggestion, inviteToTalk, slotLabel, type TutorCalendar } from "../meetings/index.ts";
import type { Database } from "../prisma/index.ts";
import { caseStatusLine, defaultReferralSettings, escalationCase, referToTeam, type ReferralSettings } from "../referrals/index.ts";
import { acknowledgeConcern } from "../safeguarding/index.ts";
import { composeDigest, digestPage, digestStudent, fitPhrases } from "./cards.ts";
import { markRepliesSeen, tutorDigest } from "./entries.ts";

export interface StaffMember {
  staffId: number;
  staffNumber: string;
  displayName: string;
}

const MAX_TUTEES_ON_CARD = 25;
/** A status on "my tutees" stays short enough to sit beside the name at Teams' narrow width. */
const TUTEE_STATUS_LENGTH = 90;
const MAX_MATCHES = 5;
const NAME_CANDIDATES = 200;

/** "my tutees": the tutor's current tutees and who needs a look, as a card. */
export async function tuteesCardFor(db: Database, staff: StaffMember, now = new Date()): Promise<AdaptiveCard> {
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
    tutees: entries.map((e) => ({
      name: e.name,
      studentNumber: e.studentNumber,
      programme: e.programme,
      // What the flags saw, shortened by whole phrases, when they need a look; else what is true now.
      status: e.status === "Needs a look" && e.evidenceItems.length ? fitPhrases(e.evidenceItems, TUTEE_STATUS_LENGTH) : e.status,
    })),
    more: assignments.length > shown.length ? `and ${assignments.length - shown.length} more: ask for a student by name or number` : null,
  });
}

/** "digest now": the tutor's digest card in the chat, its replies seen now that it is shown. */
export async function digestNow(db: Database, staff: StaffMember, refreshUserIds: string[], now = new Date()): Promise<AdaptiveCard | null> {
  const digest = await composeDigest(db, staff.staffNumber, "asked", refreshUserIds, now);
  if (!digest) return null;
  await markRepliesSeen(db, digest.shownReplyIds, now);
  return digest.card;
}

/**
 * "student <name or number>": a student the person may see, as a card. A number outside their
 * scope is refused (and audited); a name outside it simply does not match, so nothing leaks.
 */
export async function studentLookupCard(db: Database, staff: StaffMember, term: string, now = new Date()): Promise<AdaptiveCard> {
  const actor = { kind: "staff" as const, staffId: staff.staffId };
  const byNumber = await db.prisma.student.findUnique({ where: { studentNumber: term }, select: { id: true } });
  let ids: number[];
  if (byNumber) {
    const decision = await decide(db, actor, "student.read", { studentId: byNumber.id }, now);
    if (!decision.allowed) {
      await writeAudit(db.prisma, {
        actor: { kind: "staff", staffNumber: staff.staffNumber },
        action: "access.refused",
        targetType: "student",
        targetId: String(byNumber.id),
        studentId: byNumber.id,
        details: { capability: "student.read", reason: decision.reason, via: "bot" },
      });
      // The same answer as for a number nobody has: whether a student exists is not for them to learn.
      return noMatch(term);
    }
    ids = [byNumber.id];
  } else {
    const words = term.split(/\s+/).filter(Boolean).slice(0, 3);
    // SQLite's LIKE ignores case already; PostgreSQL needs to be asked.
    const like = (w: string) => (db.kind === "postgresql" ? { contains: w, mode: "insensitive" as const } : { contains: w });
    // Searched among the students they may see, so a common name cannot crowd their own out.
    const scope = await scopeFilter(db, staff.staffId, "student.read", now);
    const candidates = scope
      ? await db.prisma.student.findMany({
          where: { AND: [scope, ...words.map((w) => ({ OR: [{ givenName: like(w) }, { familyName: like(w) }, { preferredName: like(w) }] }))], erasedAt: null },
          select: { id: true },
          orderBy: [{ familyName: "asc" }, { id: "asc" }],
          take: NAME_CANDIDATES,
        })
      : [];
    ids = [];
    for (const c of candidates) if ((await decide(db, actor, "student.read", { studentId: c.id }, now)).allowed) ids.push(c.id);
  }
  if (ids.length === 0) return noMatch(term);
  if (ids.length > 1) {
    const { entries } = await tutorDigest(db, staff.staffNumber, { studentIds: ids.slice(0, MAX_MATCHES), purpose: "student search", now });
    const list = entries.map((e) => `- ${e.name} (${e.studentNumber})`).join("\n");
    return noticeCard({ title: `${ids.length} students match "${term}"`, text: `${list}\n\nAsk again with the student number.` });
  }
  const { tutor, entries } = await tutorDigest(db, staff.staffNumber, { studentIds: ids, purpose: "student command", now });
  const student = await db.prisma.student.findUniqueOrThrow({ where: { id: ids[0]! }, select: { pausedUntil: true } });
  await markRepliesSeen(db, entries[0]!.shownReplyIds, now);
  const pausedUntil = student.pausedUntil && student.pausedUntil > now ? student.pausedUntil : null;
  const untilWords = new Intl.DateTimeFormat("en-GB", { weekday: "long", day: "numeric", month: "long", timeZone: tutor.timezone });
  const paused = pausedUntil ? `The student has paused messages until ${untilWords.format(pausedUntil)}` : null;
  const referral = await caseStatusLine(db, ids[0]!, tutor.timezone);
  return studentCard({
    student: { ...digestStudent(entries[0]!, tutor.timezone), actionable: false },
    status: [paused, referral].filter(Boolean).join(". ") || null,
    meeting: await bookedMeeting(db, ids[0]!, tutor.timezone, now),
  });
}

/** The student's next booked meeting, in the reader's timezone, and where it is. */
async function bookedMeeting(db: Database, studentId: number, timezone: string, now: Date) {
  const meeting = await db.prisma.meeting.findFirst({
    where: { studentId, state: "booked", endsAt: { gt: now } },
    orderBy: [{ startsAt: "asc" }, { id: "asc" }],
    select: { startsAt: true, endsAt: true, location: true, onlineMeetingUrl: true, tutor: { select: { displayName: true } } },
  });
  if (!meeting?.startsAt || !meeting.endsAt) return null;
  return {
    when: slotLabel({ start: meeting.startsAt, end: meeting.endsAt }, timezone),
    withWhom: meeting.tutor.displayName,
    where: meeting.location ?? (meeting.onlineMeetingUrl ? `Teams meeting: ${meeting.onlineMeetingUrl}` : null),
  };
}

/** What a digest button carries; inputs (edited text, verdict, note) arrive merged into it. */
export interface DigestActionData {
  digestId?: unknown;
  page?: unknown;
  studentId?: unknown;
  interventionId?: unknown;
  concernId?: unknown;
  days?: unknown;
  /** Inputs: `editedText-<studentId>`, `verdict-…`, `comment-…`, `note-…`. */
  [input: string]: unknown;
}

export interface DigestActionDeps {
  policy: ApprovalPolicy;
  calendar?: TutorCalendar;
  /** The outbox's rules: an invitation's times start after it can first reach the student. */
  delivery?: DeliveryRules;
  /** Teams user ids whose clients refresh the card: the person pressing. */
  refreshUserIds: string[];
  /** Where referrals and escalations go; unset: nowhere (Refer says so). */
  referrals?: ReferralSettings;
}

/** A digest button: do it, then show the page again as it now stands; a refusal comes back as text. */
export async function digestAction(
  db: Database,
  staff: StaffMember,
  verb: string,
  data: DigestActionData,
  deps: DigestActionDeps,
): Promise<AdaptiveCard | string> {
  const digestId = Number(data.digestId);
  const digest = Number.isInteger(digestId) ? await db.prisma.tutorDigest.findUnique({ where: { id: digestId } }) : null;
  if (!digest || digest.staffId !== staff.staffId) {
    await writeAudit(db.prisma, {
      actor: { kind: "staff", staffNumber: staff.staffNumber },
      action: "access.refused",
      targetType: "digest",
      targetId: String(data.digestId),
      details: { verb, reason: "not this person's digest" },
    });
    return "This card isn't yours, so I can't act on it. The attempt has been recorded.";
  }
  const studentId = Number(data.studentId);
  const interventionId = Number(data.interventionId);
  // Inputs arrive merged into the data, named per student (`editedText-12`): see adaptive-cards.
  const input = (name: string) => inputOf(data as Record<string, unknown>, name, studentId);
  const who = staff.staffNumber;
  const referrals = deps.referrals ?? defaultReferralSettings();
  switch (verb) {
    // An invitation to talk or an escalation becomes an offer of times, as "Invite to talk" makes.
    case "digest.approve":
      await approveSuggestion(db, { interventionId, staffNumber: who }, deps.policy, { calendar: deps.calendar, delivery: deps.delivery });
      await escalationCase(db, interventionId, who, referrals);
      break;
    case "digest.edit":
      await approveSuggestion(db, { interventionId, staffNumber: who, editedText: input("editedText") ?? "", note: "edited in the digest" }, deps.policy, {
        calendar: deps.calendar,
        delivery: deps.delivery,
      });
      await escalationCase(db, interventionId, who, referrals);
      break;
    case "digest.invite":
      await inviteToTalk(db, { studentId, staffNumber: who }, deps.policy, new Date(), deps.calendar, deps.delivery);
      break;
    case "digest.refer":
      await referToTeam(db, { studentId, staffNumber: who, note: input("note") }, deps.policy, referrals);
      break;
    case "digest.dismiss":
      await dismissFlags(db, { studentId, staffNumber: who, verdict: input("verdict") ?? "", comment: input("comment") }, deps.policy);
      break;
    case "digest.snooze":
      await snoozeFlags(db, { studentId, staffNumber: who, days: Number(data.days ?? 7) }, deps.policy);
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
  const page = await digestPage(db, digest, who, Number(data.page ?? 1), deps.refreshUserIds, {
    purpose: verb === "digest.refresh" ? "digest refresh" : "digest",
  });
  await markRepliesSeen(db, page.shownReplyIds, new Date());
  return page.card;
}

function noMatch(term: string): AdaptiveCard {
  return noticeCard({ title: "No match", text: `I can't find a student you can see matching "${term.slice(0, 80)}". Try their student number.` });
}
