/**
 * A personal tutor's digest: the tutees who need a look (open flags, a suggestion waiting for a
 * decision, replies the tutor has not seen), with the evidence in one line, the last weeks of
 * activity, what was tried before, and what has been done since the digest went out (by anyone:
 * another tutor of the same student sees the same state). Every student shown is a read of an
 * individual, so each one is checked by the access gate and audited.
 */
import { DAY_MS } from "../core/index.ts";
import type { Database } from "../prisma/index.ts";
import { AccessRefused, decideEach, staffByNumber, withholdingAnalytics, type StaffIdentity } from "../access/index.ts";
import { writeAudits } from "../audit/index.ts";
import type { FlagEvidence } from "../rules/index.ts";
import { evidencePhrases, staffEvidenceLine } from "../rules/index.ts";
import { dayInWords, fullName } from "../interventions/index.ts";
import { latestDecisions, sendingOf, sendingWords, staffNamesOf, statusLine, statusNeeds, type Sending } from "./status.ts";
import { MEETING_OUTCOME_WORDS } from "../meetings/index.ts";
import { eventsByDay, tuteeLookRows, type LookItem } from "./queries.ts";

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
  /** The tutor (`staffNumber`'s), when the caller has read them already. */
  tutor?: StaffIdentity;
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
  return tuteesForDigest(db, tutor.staffId, since, now);
}

/** `studentsForDigest` for a tutor already read (the morning job has them all). */
export async function tuteesForDigest(db: Database, staffId: number, since: Date | null, now: Date): Promise<{ ids: number[]; newIds: Set<number> }> {
  const found = await tuteesNeedingALook(db, staffId, now, since);
  return { ids: [...found.ids].sort((a, b) => Number(found.newIds.has(b)) - Number(found.newIds.has(a)) || a - b), newIds: found.newIds };
}

/**
 * The entries of one page of a digest, each checked by the access gate and audited as a read. The
 * page is read as a whole: the gate is asked once for all its students, each kind of fact is one
 * query for all of them, and the reads are audited together.
 */
export async function tutorDigest(db: Database, staffNumber: string, options: DigestOptions): Promise<TutorDigestPage> {
  const now = options.now ?? new Date();
  const tutor = options.tutor?.staffNumber === staffNumber ? options.tutor : await staffByNumber(db, staffNumber);
  if (!tutor) throw new AccessRefused(`${staffNumber} is not a known member of staff`);
  const ids = options.studentIds;
  if (ids.length === 0) return { tutor, entries: [] };

  const access = await decideEach(
    db,
    { kind: "staff", staffId: tutor.staffId },
    ["student.read", "intervention.decide"],
    ids.map((studentId) => ({ studentId })),
    now,
  );
  const read = access["student.read"];
  const mayDecide = access["intervention.decide"];
  const [shown, withheldNumbers] = await Promise.all([
    entriesFor(
      db,
      ids.filter((_, i) => read[i]!.allowed),
      options.decisionsSince ?? null,
      now,
      tutor.timezone,
    ),
    studentNumbersOf(
      db,
      ids.filter((_, i) => !read[i]!.allowed),
    ),
  ]);
  const entries: DigestEntry[] = ids.map((studentId, i) => {
    // Kept on a card already sent (the assignment ended meanwhile), without anything about them.
    if (!read[i]!.allowed) return withheld(studentId, withheldNumbers.get(studentId), read[i]!.reason);
    const entry = shown.get(studentId)!;
    return { ...entry, actionable: mayDecide[i]!.allowed && entry.done === null };
  });
  await writeAudits(
    db.prisma,
    entries
      .filter((_, i) => read[i]!.allowed)
      .map((entry) => ({
        actor: { kind: "staff", staffNumber: tutor.staffNumber },
        action: "student.read",
        targetType: "student",
        targetId: entry.studentNumber,
        studentId: entry.studentId,
        details: { via: options.purpose ?? "digest" },
      })),
  );
  return { tutor, entries };
}

/**
 * Current tutees with something the tutor has not acted on: a suggestion awaiting a decision, a
 * reply not yet shown to them, or a recent flag (or a snoozed one waking) after the last decision
 * a member of staff took on the student. Students who opted out of learning analytics have none of
 * these (their flags are closed and nothing is proposed for them).
 */
async function tuteesNeedingALook(db: Database, staffId: number, now: Date, since: Date | null = null): Promise<{ ids: number[]; newIds: Set<number> }> {
  const rows = await tuteeLookRows(db, staffId, now, recentFlag(now).raisedAt.gte, Object.keys(DECISIONS));
  const of = (item: LookItem) => rows.filter((r) => r.item === item);
  const decided = new Map(of("decision").map((d) => [d.studentId, d.at!]));
  // Flags of students who opted out of learning analytics are not shown; their own messages are.
  const optedOut = new Set(of("optedOut").map((r) => r.studentId));
  const items = new Map<number, Date[]>();
  const add = (studentId: number, at: Date | null | undefined, always: boolean) => {
    if (!at || (!always && (decided.get(studentId) ?? new Date(0)) >= at)) return;
    items.set(studentId, [...(items.get(studentId) ?? []), at]);
  };
  for (const f of of("flag")) if (!optedOut.has(f.studentId)) add(f.studentId, f.at, false);
  for (const f of of("woken")) if (!optedOut.has(f.studentId)) add(f.studentId, f.at, false);
  for (const p of of("proposal")) add(p.studentId, p.at, true);
  for (const r of of("reply")) add(r.studentId, r.at, true);
  // A message that could be a crisis or distress stays until someone acknowledges it.
  for (const c of of("concern")) add(c.studentId, c.at, true);
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

async function studentNumbersOf(db: Database, studentIds: readonly number[]): Promise<Map<number, string>> {
  if (studentIds.length === 0) return new Map();
  const rows = await db.prisma.student.findMany({ where: { id: { in: [...new Set(studentIds)] } }, select: { id: true, studentNumber: true } });
  return new Map(rows.map((r) => [r.id, r.studentNumber]));
}

function withheld(studentId: number, studentNumber: string | undefined, reason: string): DigestEntry {
  return {
    studentId,
    name: "Not available",
    studentNumber: studentNumber ?? String(studentId),
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

/** The first row per student of rows ordered newest first. */
function firstPerStudent<T extends { studentId: number | null }>(rows: readonly T[]): Map<number, T> {
  const first = new Map<number, T>();
  for (const row of rows) if (row.studentId !== null && !first.has(row.studentId)) first.set(row.studentId, row);
  return first;
}

/** The interventions a decision was about (`decidedText`) or whose sending it reports (`decisionWords`). */
function decisionInterventionId(entry: { action: string; targetId: string | null; details: unknown }): number {
  if (entry.action === "meeting.proposed") return Number((entry.details as { interventionId?: unknown } | null)?.interventionId);
  if (entry.action.startsWith("intervention.")) return Number(entry.targetId);
  return Number.NaN;
}

/** Each student's entry, read for all of them at once: a few queries whatever the number of students. */
async function entriesFor(
  db: Database,
  studentIds: readonly number[],
  decisionsSince: Date | null,
  now: Date,
  timezone: string,
): Promise<Map<number, Omit<DigestEntry, "actionable">>> {
  const ids = [...new Set(studentIds)];
  if (ids.length === 0) return new Map();
  const { prisma } = db;
  const [students, decisionEntries, optedOut] = await Promise.all([
    prisma.student.findMany({
      where: { id: { in: ids } },
      select: {
        id: true,
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
        safeguardingConcerns: {
          where: { state: "open" },
          orderBy: { raisedAt: "desc" },
          take: 1,
          select: { id: true, level: true, reply: { select: { id: true, text: true, receivedAt: true, channel: true } } },
        },
        flags: { where: flagNeedsALook(now), orderBy: { raisedAt: "desc" }, select: { evidence: true, raisedAt: true, state: true, snoozedUntil: true } },
        interventions: {
          where: { kind: { not: "reply" } },
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
          take: 10,
          select: { id: true, kind: true, state: true, body: true, channel: true, createdAt: true, updatedAt: true },
        },
        replies: {
          orderBy: { receivedAt: "desc" },
          take: HISTORY_LINES + 1,
          select: { id: true, text: true, classification: true, channel: true, receivedAt: true, seenByTutorAt: true },
        },
        // Meetings that have an outcome: what the tutor recorded, with their note.
        meetings: {
          where: { outcome: { not: null } },
          orderBy: [{ outcomeRecordedAt: "desc" }, { id: "desc" }],
          take: HISTORY_LINES,
          select: { outcome: true, outcomeNote: true, outcomeRecordedAt: true, startsAt: true },
        },
      },
    }),
    // Every decision on them, newest first: the latest since the card was sent, and the latest for the status line.
    prisma.auditLog.findMany({
      where: { studentId: { in: ids }, actorKind: { in: ["staff", "student"] }, action: { in: Object.keys(DECISIONS) } },
      orderBy: [{ at: "desc" }, { id: "desc" }],
      select: { studentId: true, action: true, actorKind: true, actorId: true, at: true, targetId: true, details: true },
    }),
    withholdingAnalytics(db, ids),
  ]);
  const byId = new Map(students.map((s) => [s.id, s]));
  const decided = firstPerStudent(decisionsSince ? decisionEntries.filter((d) => d.at > decisionsSince) : []);
  const latest = latestDecisions(decisionEntries);

  // What the lines are said with, for every student at once.
  const staffNumbers: string[] = [];
  const interventionIds: number[] = [];
  for (const l of latest.values()) {
    const needs = statusNeeds(l);
    staffNumbers.push(...needs.staffNumbers);
    interventionIds.push(...needs.interventionIds);
  }
  for (const d of decided.values()) {
    if (d.actorKind === "staff") staffNumbers.push(d.actorId);
    interventionIds.push(decisionInterventionId(d));
  }
  // On a digest, flags put aside since it was sent still say what the card showed before.
  const earlierFlagsOf = decisionsSince ? ids.filter((id) => byId.get(id)?.flags.length === 0 && !optedOut.has(id)) : [];
  const [staffNames, sending, earlierFlags, weeks] = await Promise.all([
    staffNamesOf(db, staffNumbers),
    sendingOf(db, interventionIds),
    earlierFlagsOf.length
      ? prisma.flag.findMany({
          where: { studentId: { in: earlierFlagsOf }, raisedAt: recentFlag(now).raisedAt },
          orderBy: { raisedAt: "desc" },
          select: { studentId: true, evidence: true },
        })
      : Promise.resolve([]),
    weeklyActivity(
      db,
      ids.filter((id) => !optedOut.has(id)),
      now,
    ),
  ]);

  const entries = new Map<number, Omit<DigestEntry, "actionable">>();
  for (const studentId of ids) {
    const student = byId.get(studentId);
    if (!student) throw new Error(`student ${studentId} not found`);
    const { flags, interventions, replies, meetings } = student;
    const openConcern = student.safeguardingConcerns[0] ?? null;
    const decision = decided.get(studentId);
    const pending = interventions.find((i) => i.state === "awaiting_approval" || i.state === "proposed") ?? null;
    const isOptedOut = optedOut.has(studentId);
    const enrolment = student.programmeEnrolments[0];
    const status = statusLine(
      {
        studentId,
        concern: openConcern !== null,
        proposalKind: pending?.state === "awaiting_approval" ? pending.kind : null,
        // A snooze that ended counts from its end: the flag is back in front of the tutor then.
        latestFlagAt: isOptedOut
          ? null
          : (flags.map((f) => (f.state === "snoozed" && f.snoozedUntil ? f.snoozedUntil : f.raisedAt)).sort((a, b) => b.getTime() - a.getTime())[0] ?? null),
        unseenReply: replies.some((r) => r.seenByTutorAt === null),
      },
      latest.get(studentId) ?? null,
      { staffNames, sending },
      now,
    );
    const evidenceFlags = flags.length === 0 && decisionsSince && !isOptedOut ? earlierFlags.filter((f) => f.studentId === studentId) : flags;
    const evidenceItems = isOptedOut ? [] : staffEvidencePhrases(evidenceFlags.map((f) => f.evidence as unknown as FlagEvidence));

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

    entries.set(studentId, {
      studentId,
      name: fullName(student) || student.studentNumber,
      studentNumber: student.studentNumber,
      programme: enrolment ? `${enrolment.programme.title}, year ${enrolment.yearOfStudy}` : null,
      // Staff see only that a student opted out, nothing the analytics found (POLICY P7).
      evidence: isOptedOut
        ? "Opted out of learning analytics: only their own messages are shown."
        : evidenceLine(
            evidenceFlags.map((f) => f.evidence as unknown as FlagEvidence),
            replies.find((r) => r.classification === "needs_help")?.text,
            openConcern !== null,
            status,
          ),
      evidenceItems,
      status,
      weeks: isOptedOut ? [] : (weeks.get(studentId) ?? new Array<number>(TREND_WEEKS).fill(0)),
      history,
      // Once decided, the card shows the text that was decided on, never another suggestion's.
      proposal: decision ? decidedText(decision, sending) : pending ? { interventionId: pending.id, kind: pending.kind, text: pending.body } : null,
      done: decision ? decisionWords(decision, staffNames, sending, timezone, now) : null,
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
    });
  }
  return entries;
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

/** Events per week over all sources, oldest first, the last week ending yesterday: for each student, in one query. */
async function weeklyActivity(db: Database, studentIds: readonly number[], now: Date): Promise<Map<number, number[]>> {
  const today = Math.floor(now.getTime() / DAY_MS);
  const first = today - TREND_WEEKS * 7;
  const weeks = new Map(studentIds.map((id) => [id, new Array<number>(TREND_WEEKS).fill(0)]));
  for (const row of await eventsByDay(db, studentIds, first, today)) weeks.get(row.studentId)![Math.floor((row.day - first) / 7)]! += row.count;
  return weeks;
}

/** The intervention a decision was about, as the card shows it beside the decision (none for a dismissal or a snooze). */
function decidedText(
  entry: { action: string; targetId: string | null; details: unknown },
  interventions: ReadonlyMap<number, { kind: string; body: string }>,
): DigestEntry["proposal"] {
  const id = decisionInterventionId(entry);
  const intervention = Number.isSafeInteger(id) ? interventions.get(id) : undefined;
  return intervention ? { interventionId: id, kind: intervention.kind, text: intervention.body } : null;
}

function decisionWords(
  entry: { action: string; actorKind: string; actorId: string; at: Date; details: unknown },
  staffNames: ReadonlyMap<string, string>,
  sending: ReadonlyMap<number, Sending>,
  timezone: string,
  now: Date,
): string {
  const who = entry.actorKind === "staff" ? (staffNames.get(entry.actorId) ?? entry.actorId) : "the student";
  const details = (entry.details ?? {}) as { kind?: string; verdict?: string; until?: string };
  let what = DECISIONS[entry.action] ?? entry.action;
  if (entry.action === "intervention.approved" || entry.action === "intervention.rejected") what = `${KIND_WORDS[details.kind ?? ""] ?? "Suggestion"} ${what}`;
  if (entry.action === "flag.dismissed" && details.verdict) what = `Dismissed (${details.verdict.replace(/_/g, " ")})`;
  if (entry.action === "flag.snoozed" && details.until) what = `Snoozed until ${dayInWords(details.until.slice(0, 10))}`;
  if (entry.action === "meeting.proposed") {
    // Said as it stands: sent, or waiting (and why), never "sent" while the outbox holds it.
    const offered = details as { interventionId?: unknown; kind?: string };
    const words = sendingWords(sending.get(Number(offered.interventionId)), now);
    const what = offered.kind === "escalation" ? "Escalation" : "Invitation to talk";
    if (words === "sent") return `${what} sent by ${who}, ${timeIn(timezone).format(entry.at)}`;
    return `${what} approved by ${who}, ${timeIn(timezone).format(entry.at)}${words ? `: ${words}` : ""}`;
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
