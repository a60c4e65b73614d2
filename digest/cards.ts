/**
 * The tutor's digest card: composing a new digest (which tutees, in what order, remembered as a
 * TutorDigest row so paging and refreshing show the same students) and rendering one page of it
 * from the current state, so a card updates in place after any tutor of the student acts.
 */
import { DIGEST_PAGE_SIZE, DIGEST_TEXT_LIMITS as LIMIT, digestCard, type AdaptiveCard, type DigestStudent } from "../adaptive-cards/index.ts";
import { studentsForDigest, tutorDigest, TREND_WEEKS, type DigestEntry } from "./entries.ts";
import type { Database } from "../prisma/index.ts";
import type { StaffIdentity } from "../access/index.ts";

const BLOCKS = "▁▂▃▄▅▆▇█";
/** "Monday 7 December" and "3 Dec, 09:30" in the tutor's own timezone. */
const dateIn = (timeZone: string) => new Intl.DateTimeFormat("en-GB", { weekday: "long", day: "numeric", month: "long", timeZone });
const timeIn = (timeZone: string) => new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone });

/**
 * The least a full bar stands for (events a week): a card of quiet students still draws short bars,
 * so a trickle of activity never looks like a busy week.
 */
export const TREND_FULL_BAR = 40;

/** The scale every student on one card is drawn on: the busiest week among them, and at least `TREND_FULL_BAR`. */
export function trendScale(entries: readonly Pick<DigestEntry, "weeks">[]): number {
  return Math.max(TREND_FULL_BAR, ...entries.flatMap((e) => e.weeks));
}

/** A row of block characters, one per week, on the given scale (by default the busiest week's). */
export function sparkline(weeks: readonly number[], scale = Math.max(0, ...weeks)): string {
  return weeks.map((w) => BLOCKS[scale <= 0 ? 0 : Math.min(BLOCKS.length - 1, Math.round((w / scale) * (BLOCKS.length - 1)))]).join("");
}

/**
 * Whole phrases that fit in `max` characters, the rest counted ("…; and 2 more"): evidence is
 * shortened by dropping items, never by cutting one.
 */
export function fitPhrases(phrases: readonly string[], max: number, separator = "; "): string {
  for (let shown = phrases.length; shown >= 1; shown--) {
    const rest = phrases.length - shown;
    const text = phrases.slice(0, shown).join(separator) + (rest ? `${separator}and ${rest} more` : "");
    if (text.length <= max) return text;
  }
  return phrases.length ? clipWords(phrases[0]!, max) : "";
}

/**
 * Clipped to the limits a page of `DIGEST_PAGE_SIZE` students is sized for (adaptive-cards/limits.ts).
 * `scale` is the card's shared trend scale (`trendScale` of every student on it).
 */
export function digestStudent(entry: DigestEntry, timezone: string, scale = trendScale([entry])): DigestStudent {
  const weeks = entry.weeks.slice(-LIMIT.sparkline);
  const blocks = sparkline(weeks, scale);
  return {
    studentId: entry.studentId,
    name: clip(entry.name, LIMIT.name),
    studentNumber: clip(entry.studentNumber, LIMIT.studentNumber),
    programme: entry.programme === null ? null : clip(entry.programme, LIMIT.programme),
    evidence: entry.evidenceItems.length ? fitPhrases(entry.evidenceItems, LIMIT.evidence) : clipWords(entry.evidence, LIMIT.evidence),
    trend: {
      label: weeks.length ? trendLabel(weeks.length, scale) : "Activity: not shown",
      sparkline: blocks,
      weeks,
      bars: weeks.map((w, i) => ({ block: blocks[i]!, count: String(w) })),
      line: weeks.map((w, i) => `${blocks[i]}\u00a0${w}`).join("\u00a0· "),
    },
    history: entry.history.map((line) => clip(line, LIMIT.historyLine)),
    proposal: entry.proposal ? { ...entry.proposal, text: clip(entry.proposal.text, LIMIT.proposalText) } : null,
    done: entry.done === null ? null : clip(entry.done, LIMIT.done),
    actionable: entry.actionable,
    concern: entry.concern
      ? {
          concernId: entry.concern.concernId,
          heading: `${entry.concern.level === "crisis" ? "Urgent: their message suggests they may be at risk" : "Their message suggests a hard time"} (${timeIn(timezone).format(entry.concern.receivedAt)}, ${entry.concern.channel})`,
          text: clip(entry.concern.text, LIMIT.concernText),
        }
      : null,
  };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** At a word boundary, so no word is cut in half. */
function clipWords(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:]+$/, "")}…`;
}

/** "Events a week, last 6 weeks (one scale for all: full bar = 40)", within the label's limit. */
function trendLabel(weeks: number, scale: number): string {
  return `Events a week, last ${weeks === TREND_WEEKS ? TREND_WEEKS : weeks} weeks (one scale for all: full bar = ${scale})`;
}

export type DigestTrigger = "schedule" | "asked";

export interface ComposedDigest {
  digestId: number;
  card: AdaptiveCard;
  studentIds: number[];
  /** The replies the first page shows: mark them seen once it is in front of the tutor. */
  shownReplyIds: number[];
  /** The same first page as an email, for a tutor Teams cannot reach. */
  email: { subject: string; text: string };
}

/**
 * A new digest for the tutor, or null when no tutee needs a look. A scheduled digest sets what
 * the next one counts as new; the caller marks the replies on it seen once it has been posted.
 */
export async function composeDigest(
  db: Database,
  staffNumber: string,
  trigger: DigestTrigger,
  refreshUserIds: string[],
  now = new Date(),
  found?: DigestStudents,
  /** The tutor, when the caller has read them already (the morning job). */
  tutor?: StaffIdentity,
): Promise<ComposedDigest | null> {
  const staffId =
    tutor?.staffNumber === staffNumber ? tutor.staffId : (await db.prisma.staff.findUniqueOrThrow({ where: { staffNumber }, select: { id: true } })).id;
  const { ids, newIds } = found ?? (await digestStudents(db, staffNumber, now));
  if (ids.length === 0) return null;
  const digest = await db.prisma.tutorDigest.create({ data: { staffId, studentIds: ids, trigger, sentAt: now } });
  const page = await digestPage(db, { id: digest.id, studentIds: ids, sentAt: now }, staffNumber, 1, refreshUserIds, {
    newCount: newIds.size,
    purpose: trigger === "asked" ? "digest now" : "digest",
    now,
    tutor,
  });
  return { digestId: digest.id, card: page.card, studentIds: ids, shownReplyIds: page.shownReplyIds, email: digestEmail(page, now) };
}

export interface DigestStudents {
  ids: number[];
  newIds: Set<number>;
}

/** Who a new digest would show, "new" counted since the tutor's last scheduled digest. */
export async function digestStudents(db: Database, staffNumber: string, now = new Date()): Promise<DigestStudents> {
  const previous = await db.prisma.tutorDigest.findFirst({
    where: { staff: { staffNumber }, trigger: "schedule" },
    orderBy: { sentAt: "desc" },
    select: { sentAt: true },
  });
  return studentsForDigest(db, staffNumber, previous?.sentAt ?? null, now);
}

export interface StoredDigest {
  id: number;
  studentIds: unknown;
  sentAt: Date;
}

/** One page of a digest as it stands now: decisions since it was sent replace the actions. With the replies it shows. */
export async function digestPage(
  db: Database,
  digest: StoredDigest,
  staffNumber: string,
  page: number,
  refreshUserIds: string[],
  options: { newCount?: number; purpose: string; now?: Date; tutor?: StaffIdentity },
): Promise<DigestPage> {
  const ids = (Array.isArray(digest.studentIds) ? digest.studentIds : []).filter((id): id is number => typeof id === "number");
  const pages = Math.max(1, Math.ceil(ids.length / DIGEST_PAGE_SIZE));
  const current = Math.min(Math.max(1, Math.trunc(page) || 1), pages);
  const slice = ids.slice((current - 1) * DIGEST_PAGE_SIZE, current * DIGEST_PAGE_SIZE);
  const { tutor, entries } = await tutorDigest(db, staffNumber, {
    studentIds: slice,
    decisionsSince: digest.sentAt,
    purpose: options.purpose,
    now: options.now,
    tutor: options.tutor,
  });
  const waiting = entries.filter((e) => e.done === null && e.actionable).length;
  const scale = trendScale(entries);
  const summary =
    options.newCount !== undefined
      ? `${plural(ids.length, "tutee needs", "tutees need")} a look${options.newCount ? ` (${options.newCount} with something new)` : ""}.`
      : `${plural(ids.length, "tutee", "tutees")} on this digest; ${waiting} on this page still waiting for you.`;
  const card = digestCard({
    digestId: digest.id,
    tutorName: tutor.displayName,
    dateLabel: dateIn(tutor.timezone).format(digest.sentAt),
    page: current,
    pages,
    totalStudents: ids.length,
    summary,
    students: entries.map((entry) => digestStudent(entry, tutor.timezone, scale)),
    refreshUserIds,
  });
  return {
    card,
    shownReplyIds: entries.flatMap((e) => e.shownReplyIds),
    entries,
    summary,
    tutorName: tutor.displayName,
    timezone: tutor.timezone,
    total: ids.length,
  };
}

export interface DigestPage {
  card: AdaptiveCard;
  shownReplyIds: number[];
  entries: DigestEntry[];
  summary: string;
  tutorName: string;
  /** The tutor's timezone: the times on the page are theirs. */
  timezone: string;
  total: number;
}

/** A digest page as plain text: readable without Teams, every action pointing back to the card in Teams. */
export function digestEmail(page: Pick<DigestPage, "entries" | "summary" | "tutorName" | "timezone" | "total">, now: Date): { subject: string; text: string } {
  const blocks = page.entries.map((e, i) => {
    const lines = [`${i + 1}. ${e.name} (${e.studentNumber})${e.programme ? `, ${e.programme}` : ""}`];
    if (e.concern) lines.push(`   ${e.concern.level === "crisis" ? "URGENT: " : ""}their message needs a person: "${e.concern.text}"`);
    lines.push(`   ${e.evidence}`);
    if (e.proposal) lines.push(`   Waiting for your decision: ${e.proposal.kind.replace(/_/g, " ")}: "${e.proposal.text}"`);
    if (e.done) lines.push(`   Done: ${e.done}`);
    for (const h of e.history) lines.push(`   ${h}`);
    return lines.join("\n");
  });
  const more = page.total > page.entries.length ? `\n\n…and ${page.total - page.entries.length} more: your digest card in Teams has them all.` : "";
  return {
    subject: `Your tutee digest, ${dateIn(page.timezone).format(now)}: ${page.total === 1 ? "1 tutee needs" : `${page.total} tutees need`} a look`,
    text: `Dear ${page.tutorName},\n\n${page.summary}\n\n${blocks.join("\n\n")}${more}\n\nTo approve, edit, invite or dismiss, open Nudge in Teams and say "digest now": the card there has the buttons.`,
  };
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
