/**
 * A personal tutor's digest: the tutees who need a look (open flags, a suggestion waiting for a
 * decision, replies the tutor has not seen), with the evidence in one line, the last weeks of
 * activity, what was tried before, and what has been done since the digest went out (by anyone:
 * another tutor of the same student sees the same state). Every student shown is a read of an
 * individual, so each one is checked by the access gate and audited.
 */
import { DAY_MS } from "../core/index.ts";
import type { Database } from "../prisma/index.ts";
import { AccessRefused, decide, staffByNumber, withholdingAnalytics, type StaffIdentity } from "../access/index.ts";
import { writeAudit } from "../audit/index.ts";
import type { FlagEvidence } from "../rules/index.ts";
import { evidencePhrases, staffEvidenceLine } from "../rules/index.ts";
import { dayInWords, fullName } from "../interventions/index.ts";
import { sendingWords, statusLine } from "./status.ts";
import { MEETING_OUTCOME_WORDS } from "../meetings/index.ts";

const staffEvidencePhrases = (evidence: readonly FlagEvidence[]) => evidencePhrases(evidence, "staff");

export interface DigestEntry {
  studentId: number;
  name: string;
  studentNumber: string;
  programme: string | null;
  /** What the open flags saw, in one line. */
  evidence: string;
  /** The same evidence as separate plain phrases (empty when no flag explains it), to shorten by whole items. */
  evidenceItems: string[];
  /** What is true of the student now, in a few words ("Snoozed until 14 December by Dr Tutor"). */
  status: string;
  /** Engagement events per week, oldest first (the last `TREND_WEEKS` weeks). */
  weeks: number[];
  /** Earlier messages and the student's replies, newest first. */
  history: string[];
  proposal: { interventionId: number; kind: string; text: string } | null;
  /** The latest decision taken since `decisionsSince`, in words, or null. */
  done: string | null;
  /** Whether the viewer may still act for this student (the assignment may have ended). */
  actionable: boolean;
  /** A message that could be a crisis or distress, pinned until a person acknowledges it. */
  concern: { concernId: number; level: "crisis" | "distress"; text: string; receivedAt: Date; channel: string } | null;
  /** The replies this entry shows (history lines, the pinned message): only these count as seen. */
  shownReplyIds: number[];
}

export interface DigestOptions {
  /** The students to show, in order (see `studentsForDigest`). */
  studentIds: readonly number[];
  now?: Date;
  /** Decisions after this show as done, in place of the actions (the card's own time). */
  decisionsSince?: Date | null;
  /** Why it is read: kept in the audit entries ("digest", "refresh", "command"). */
  purpose?: string;
}

export interface TutorDigestPage {
  tutor: StaffIdentity;
  entries: DigestEntry[];
}

export const TREND_WEEKS = 6;
/** History lines per student: what the digest and student cards show, no more. */
const HISTORY_LINES = 3;
const RECENT_FLAG_DAYS = 7;

/** Audit actions that count as a decision on a student, and how they read on a card. */
const DECISIONS: Record<string, string> = {
  "intervention.approved": "approved",
  "intervention.rejected": "rejected",
  "meeting.proposed": "Invitation to talk",
  "meeting.booked": "Meeting booked",
  "meeting.outcome": "Meeting outcome recorded",
  "flag.dismissed": "Dismissed",
  "flag.snoozed": "Snoozed",
};

const KIND_WORDS: Record<string, string> = {
  nudge: "Nudge",
  invitation_to_talk: "Invitation to talk",
  referral: "Referral",
  escalation: "Escalation",
  staff_message: "Message",
  reply: "Answer",
};

/** "09:30, 3 Dec" in the reader's timezone. */
const timeIn = (timeZone: string) => new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", day: "numeric", month: "short", timeZone });

/**
 * The students for a new digest: tutees needing a look, those with something new first. Ids only;
 * nothing about them is read until a page is shown (`tutorDigest`).
 */
export async function studentsForDigest(
  db: Database,
  staffNumber: string,
  since: Date | null,
  now = new Date(),
): Promise<{ ids: number[]; newIds: Set<number> }> {
  const tutor = await staffByNumber(db, staffNumber);
  if (!tutor) throw new AccessRefused(`${staffNumber} is not a known member of staff`);
  const found = await tuteesNeedingALook(db, tutor.staffId, now, since);
  return { ids: [...found.ids].sort((a, b) => Number(found.newIds.has(b)) - Number(found.newIds.has(a)) || a - b), newIds: found.newIds };
}

/** The entries of one page of a digest, each checked by the access gate and audited as a read. */
export async function tutorDigest(db: Database, staffNumber: string, options: DigestOptions): Promise<TutorDigestPage> {
  const now = options.now ?? new Date();
  const tutor = await staffByNumber(db, staffNumber);
  if (!tutor) throw new AccessRefused(`${staffNumber} is not a known member of staff`);

  const entries: DigestEntry[] = [];
  for (const studentId of options.studentIds) {
    const decision = await decide(db, { kind: "staff", staffId: tutor.staffId }, "student.read", { studentId }, now);
    if (!decision.allowed) {
      // Kept on a card already sent (the assignment ended meanwhile), without anything about them.
      entries.push(await withheld(db, studentId, decision.reason));
      continue;
    }
    const entry = await entryFor(db, studentId, options.decisionsSince ?? null, now, tutor.timezone);
    const mayDecide = await decide(db, { kind: "staff", staffId: tutor.staffId }, "intervention.decide", { studentId }, now);
    entries.push({ ...entry, actionable: mayDecide.allowed && entry.done === null });
    await writeAudit(db.prisma, {
      actor: { kind: "staff", staffNumber: tutor.staffNumber },
      action: "student.read",
      targetType: "student",
      targetId: entry.studentNumber,
      studentId,
      details: { via: options.purpose ?? "digest" },
    });
  }
  return { tutor, entries };
}

/**
 * Current tutees with something the tutor has not acted on: a suggestion awaiting a decision, a
 * reply not yet shown to them, or a recent flag (or a snoozed one waking) after the last decision
 * a member of staff took on the student. Students who opted out of learning analytics have none of
 * these (their flags are closed and nothing is proposed for them).
 */
async function tuteesNeedingALook(db: Database, staffId: number, now: Date, since: Date | null = null): Promise<{ ids: number[]; newIds: Set<number> }> {
  const assignments = await db.prisma.tutorAssignment.findMany({
    where: { staffId, role: "personal_tutor", startDate: { lte: now }, OR: [{ endDate: null }, { endDate: { gt: now } }] },
    select: { studentId: true },
  });
  const tutees = assignments.map((a) => a.studentId);
  if (tutees.length === 0) return { ids: [], newIds: new Set() };
  const where = { studentId: { in: tutees } };
  const [flags, woken, proposals, replies, decisions, concerns] = await Promise.all([
    db.prisma.flag.groupBy({ by: ["studentId"], where: { ...where, ...recentFlag(now) }, _max: { raisedAt: true } }),
    db.prisma.flag.groupBy({ by: ["studentId"], where: { ...where, state: "snoozed", snoozedUntil: { lte: now } }, _max: { snoozedUntil: true } }),
    db.prisma.intervention.groupBy({ by: ["studentId"], where: { ...where, state: "awaiting_approval" }, _max: { createdAt: true } }),
    db.prisma.reply.groupBy({ by: ["studentId"], where: { ...where, seenByTutorAt: null }, _max: { receivedAt: true } }),
    db.prisma.auditLog.groupBy({ by: ["studentId"], where: { ...where, actorKind: "staff", action: { in: Object.keys(DECISIONS) } }, _max: { at: true } }),
    db.prisma.safeguardingConcern.groupBy({ by: ["studentId"], where: { ...where, state: "open" }, _max: { raisedAt: true } }),
  ]);
  const decided = new Map(decisions.map((d) => [d.studentId!, d._max.at!]));
  // Flags of students who opted out of learning analytics are not shown; their own messages are.
  const optedOut = await withholdingAnalytics(db, tutees);
  const items = new Map<number, Date[]>();
  const add = (studentId: number, at: Date | null | undefined, always: boolean) => {
    if (!at || (!always && (decided.get(studentId) ?? new Date(0)) >= at)) return;
    items.set(studentId, [...(items.get(studentId) ?? []), at]);
  };
  for (const f of flags) if (!optedOut.has(f.studentId)) add(f.studentId, f._max.raisedAt, false);
  for (const f of woken) if (!optedOut.has(f.studentId)) add(f.studentId, f._max.snoozedUntil, false);
  for (const p of proposals) add(p.studentId, p._max.createdAt, true);
  for (const r of replies) add(r.studentId, r._max.receivedAt, true);
  // A message that could be a crisis or distress stays until someone acknowledges it.
  for (const c of concerns) add(c.studentId, c._max.raisedAt, true);
  const newIds = new Set([...items].filter(([, dates]) => since === null || dates.some((d) => d > since)).map(([id]) => id));
  return { ids: [...items.keys()], newIds };
}

/** Flagged in the last week and not dismissed, closed or snoozed. */
function recentFlag(now: Date) {
  return { state: { in: ["open" as const, "actioned" as const] }, raisedAt: { gte: new Date(now.getTime() - RECENT_FLAG_DAYS * DAY_MS) } };
}

function flagNeedsALook(now: Date) {
  return { OR: [recentFlag(now), { state: "snoozed" as const, snoozedUntil: { lte: now } }] };
}

/** Marks replies a tutor was shown as seen (they are not "new" again); only what was on the card. */
export async function markRepliesSeen(db: Database, replyIds: readonly number[], now = new Date()): Promise<void> {
  if (replyIds.length === 0) return;
  await db.prisma.reply.updateMany({ where: { id: { in: [...replyIds] }, seenByTutorAt: null }, data: { seenByTutorAt: now } });
}

async function withheld(db: Database, studentId: number, reason: string): Promise<DigestEntry> {
  const student = await db.prisma.student.findUnique({ where: { id: studentId }, select: { studentNumber: true } });
  return {
    studentId,
    name: "Not available",
    studentNumber: student?.studentNumber ?? String(studentId),
    programme: null,
    evidence: `You can no longer see this student (${reason}).`,
    evidenceItems: [],
    status: "Not available",
    weeks: [],
    history: [],
    proposal: null,
    done: null,
    actionable: false,
    concern: null,
    shownReplyIds: [],
  };
}

async function entryFor(db: Database, studentId: number, decisionsSince: Date | null, now: Date, timezone: string): Promise<Omit<DigestEntry, "actionable">> {
  const openConcern = await db.prisma.safeguardingConcern.findFirst({
    where: { studentId, state: "open" },
    orderBy: { raisedAt: "desc" },
    select: { id: true, level: true, reply: { select: { id: true, text: true, receivedAt: true, channel: true } } },
  });
  const { prisma } = db;
  const student = await prisma.student.findUniqueOrThrow({
    where: { id: studentId },
    select: {
      studentNumber: true,
      givenName: true,
      preferredName: true,
      familyName: true,
      programmeEnrolments: {
        where: { status: "active" },
        take: 1,
        orderBy: { startDate: "desc" },
        select: { yearOfStudy: true, programme: { select: { title: true } } },
      },
    },
  });
  const [flags, interventions, replies, decisions] = await Promise.all([
    prisma.flag.findMany({
      where: { studentId, ...flagNeedsALook(now) },
      orderBy: { raisedAt: "desc" },
      select: { evidence: true, raisedAt: true, state: true, snoozedUntil: true },
    }),
    prisma.intervention.findMany({
      where: { studentId, kind: { not: "reply" } },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: 10,
      select: { id: true, kind: true, state: true, body: true, channel: true, createdAt: true, updatedAt: true },
    }),
    prisma.reply.findMany({
      where: { studentId },
      orderBy: { receivedAt: "desc" },
      take: HISTORY_LINES + 1,
      select: { id: true, text: true, classification: true, channel: true, receivedAt: true, seenByTutorAt: true },
    }),
    decisionsSince
      ? prisma.auditLog.findMany({
          where: { studentId, actorKind: { in: ["staff", "student"] }, action: { in: Object.keys(DECISIONS) }, at: { gt: decisionsSince } },
          orderBy: [{ at: "desc" }, { id: "desc" }],
          take: 1,
        })
      : Promise.resolve([]),
  ]);
  const pending = interventions.find((i) => i.state === "awaiting_approval" || i.state === "proposed") ?? null;
  const optedOut = (await withholdingAnalytics(db, [studentId])).has(studentId);
  const enrolment = student.programmeEnrolments[0];
  const status = await statusLine(
    db,
    {
      studentId,
      concern: openConcern !== null,
      proposalKind: pending?.state === "awaiting_approval" ? pending.kind : null,
      // A snooze that ended counts from its end: the flag is back in front of the tutor then.
      latestFlagAt: optedOut
        ? null
        : (flags.map((f) => (f.state === "snoozed" && f.snoozedUntil ? f.snoozedUntil : f.raisedAt)).sort((a, b) => b.getTime() - a.getTime())[0] ?? null),
      unseenReply: replies.some((r) => r.seenByTutorAt === null),
    },
    now,
  );
  // On a digest, flags put aside since it was sent still say what the card showed before.
  const evidenceFlags =
    flags.length === 0 && decisionsSince && !optedOut
      ? await prisma.flag.findMany({ where: { studentId, raisedAt: recentFlag(now).raisedAt }, orderBy: { raisedAt: "desc" }, select: { evidence: true } })
      : flags;
  const evidenceItems = optedOut ? [] : staffEvidencePhrases(evidenceFlags.map((f) => f.evidence as unknown as FlagEvidence));

  // Meetings that have an outcome: what the tutor recorded, with their note.
  const meetings = await prisma.meeting.findMany({
    where: { studentId, outcome: { not: null } },
    orderBy: [{ outcomeRecordedAt: "desc" }, { id: "desc" }],
    take: HISTORY_LINES,
    select: { outcome: true, outcomeNote: true, outcomeRecordedAt: true, startsAt: true },
  });
  const shownHistory = [
    ...meetings.map((m) => ({
      at: m.outcomeRecordedAt!,
      replyId: null,
      line: `${shortDay(m.startsAt ?? m.outcomeRecordedAt!)}: Meeting, ${MEETING_OUTCOME_WORDS[m.outcome!] ?? m.outcome}${m.outcomeNote ? `: "${clip(m.outcomeNote, 75)}"` : ""}`,
    })),
    ...interventions
      .filter((i) => i.id !== pending?.id)
      .map((i) => ({ at: i.createdAt, replyId: null, line: `${shortDay(i.createdAt)}: ${KIND_WORDS[i.kind] ?? i.kind} ${stateWords(i.state, i.channel)}` })),
    ...replies
      .filter((r) => r.id !== openConcern?.reply.id)
      .map((r) => ({ at: r.receivedAt, replyId: r.id, line: `${shortDay(r.receivedAt)}: replied "${clip(r.text, 60)}" by ${channelWords(r.channel)}` })),
  ]
    .sort((a, b) => b.at.getTime() - a.at.getTime())
    .slice(0, HISTORY_LINES);
  const history = shownHistory.map((h) => h.line);
  const shownReplyIds = [...shownHistory.flatMap((h) => (h.replyId === null ? [] : [h.replyId])), ...(openConcern ? [openConcern.reply.id] : [])];

  return {
    studentId,
    name: fullName(student) || student.studentNumber,
    studentNumber: student.studentNumber,
    programme: enrolment ? `${enrolment.programme.title}, year ${enrolment.yearOfStudy}` : null,
    // Staff see only that a student opted out, nothing the analytics found (POLICY P7).
    evidence: optedOut
      ? "Opted out of learning analytics: only their own messages are shown."
      : evidenceLine(
          evidenceFlags.map((f) => f.evidence as unknown as FlagEvidence),
          replies.find((r) => r.classification === "needs_help")?.text,
          openConcern !== null,
          status,
        ),
    evidenceItems,
    status,
    weeks: optedOut ? [] : await weeklyActivity(db, studentId, now),
    history,
    // Once decided, the card shows the text that was decided on, never another suggestion's.
    proposal: decisions[0] ? await decidedText(db, decisions[0]) : pending ? { interventionId: pending.id, kind: pending.kind, text: pending.body } : null,
    done: decisions[0] ? await decisionWords(db, decisions[0], timezone, now) : null,
    concern: openConcern
      ? {
          concernId: openConcern.id,
          level: openConcern.level === "crisis" ? "crisis" : "distress",
          text: openConcern.reply.text,
          receivedAt: openConcern.reply.receivedAt,
          channel: channelWords(openConcern.reply.channel),
        }
      : null,
    shownReplyIds,
  };
}

/** "No VLE activity for 12 days (last 3 Nov); 2 of 6 sessions attended (last 14 days)", in the words of rules/evidence-words.ts. */
export function evidenceLine(evidence: readonly FlagEvidence[], askedForHelp?: string, pinned = false, status?: string): string {
  const line = staffEvidenceLine(evidence);
  if (line) return line;
  if (evidence.length) return `Flagged by ${[...new Set(evidence.map((e) => `"${e.rule.title}"`))].join(" and ")}`;
  if (pinned) return "Their message above needs a person.";
  if (askedForHelp !== undefined) return `Asked for help: "${clip(askedForHelp, 80)}"`;
  // No flag explains it: say what is true of the student, not what might be waiting.
  return status ? `No open flags. ${status}.` : "No open flags.";
}

/** Events per week over all sources, oldest first, the last week ending yesterday. */
async function weeklyActivity(db: Database, studentId: number, now: Date): Promise<number[]> {
  const today = Math.floor(now.getTime() / DAY_MS);
  const first = today - TREND_WEEKS * 7;
  const rows = await db.prisma.engagementDaily.groupBy({ by: ["day"], where: { studentId, day: { gte: first, lt: today } }, _sum: { count: true } });
  const weeks = new Array<number>(TREND_WEEKS).fill(0);
  for (const row of rows) weeks[Math.floor((row.day - first) / 7)]! += row._sum.count ?? 0;
  return weeks;
}

/** The intervention a decision was about, as the card shows it beside the decision (none for a dismissal or a snooze). */
async function decidedText(db: Database, entry: { action: string; targetId: string | null; details: unknown }): Promise<DigestEntry["proposal"]> {
  const id =
    entry.action === "meeting.proposed"
      ? Number((entry.details as { interventionId?: unknown } | null)?.interventionId)
      : entry.action.startsWith("intervention.")
        ? Number(entry.targetId)
        : Number.NaN;
  if (!Number.isSafeInteger(id)) return null;
  const intervention = await db.prisma.intervention.findUnique({ where: { id }, select: { id: true, kind: true, body: true } });
  return intervention ? { interventionId: intervention.id, kind: intervention.kind, text: intervention.body } : null;
}

async function decisionWords(
  db: Database,
  entry: { action: string; actorKind: string; actorId: string; at: Date; details: unknown },
  timezone: string,
  now: Date,
): Promise<string> {
  const who =
    entry.actorKind === "staff"
      ? ((await db.prisma.staff.findUnique({ where: { staffNumber: entry.actorId }, select: { displayName: true } }))?.displayName ?? entry.actorId)
      : "the student";
  const details = (entry.details ?? {}) as { kind?: string; verdict?: string; until?: string };
  let what = DECISIONS[entry.action] ?? entry.action;
  if (entry.action === "intervention.approved" || entry.action === "intervention.rejected") what = `${KIND_WORDS[details.kind ?? ""] ?? "Suggestion"} ${what}`;
  if (entry.action === "flag.dismissed" && details.verdict) what = `Dismissed (${details.verdict.replace(/_/g, " ")})`;
  if (entry.action === "flag.snoozed" && details.until) what = `Snoozed until ${dayInWords(details.until.slice(0, 10))}`;
  if (entry.action === "meeting.proposed") {
    // Said as it stands: sent, or waiting (and why), never "sent" while the outbox holds it.
    const offered = details as { interventionId?: unknown; kind?: string };
    const sending = await sendingWords(db, Number(offered.interventionId), now);
    const what = offered.kind === "escalation" ? "Escalation" : "Invitation to talk";
    if (sending === "sent") return `${what} sent by ${who}, ${timeIn(timezone).format(entry.at)}`;
    return `${what} approved by ${who}, ${timeIn(timezone).format(entry.at)}${sending ? `: ${sending}` : ""}`;
  }
  return `${what} by ${who}, ${timeIn(timezone).format(entry.at)}`;
}

function stateWords(state: string, channel: string | null): string {
  if (state === "sent" || state === "delivered") return `sent${channel ? ` by ${channelWords(channel)}` : ""}`;
  return state.replace(/_/g, " ");
}

function channelWords(channel: string): string {
  return channel === "sms" ? "text" : channel === "teams" ? "Teams" : channel;
}

function shortDay(date: Date): string {
  return dayInWords(date.toISOString().slice(0, 10));
}

/** A student's words on one line, shortened at a word boundary so no word is cut in half. */
function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}
