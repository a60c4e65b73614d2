/**
 * One student's state in a few words, for a row of "my tutees", the student card and the digest
 * when no flag explains why the student is shown: what is true now (a message waiting for a
 * person, a suggestion waiting for a decision, flags dismissed or snoozed and by whom, a message
 * approved and whether it has gone), never a guess at what might be waiting.
 */
import type { Database } from "../prisma/index.ts";
import { dayInWords } from "../interventions/index.ts";
import { heldInWords } from "../meetings/index.ts";

/** Audit actions that say what became of a student's flags or suggestions. */
const LATEST = ["flag.dismissed", "flag.snoozed", "intervention.approved", "intervention.rejected"] as const;

const KIND: Record<string, string> = {
  nudge: "Nudge",
  invitation_to_talk: "Invitation to talk",
  referral: "Referral",
  escalation: "Escalation",
  staff_message: "Message",
};

const SENT_STATES = new Set(["sent", "delivered"]);

export interface StatusFacts {
  studentId: number;
  /** A pinned message that could be a crisis or distress. */
  concern: boolean;
  /** The suggestion waiting for a decision, by kind. */
  proposalKind: string | null;
  /** When the newest flag needing a look was raised (or its snooze ended), or null: it needs a look unless decided since. */
  latestFlagAt: Date | null;
  /** Whether the student wrote something no tutor has been shown yet. */
  unseenReply: boolean;
}

/** The latest thing staff decided on a student's flags or suggestions (an audit entry). */
export interface LatestDecision {
  action: string;
  actorId: string;
  at: Date;
  targetId: string | null;
  details: unknown;
}

/** An approved message as the outbox has it: its state, and the pending delivery that goes last. */
export interface Sending {
  state: string;
  held: { dueAt: Date; heldReason: string | null } | null;
}

/** What the lines are said with, read once for many students: staff names by staff number, messages by id. */
export interface StatusLookups {
  staffNames: ReadonlyMap<string, string>;
  sending: ReadonlyMap<number, Sending>;
}

/**
 * Each student's latest decision on their flags or suggestions by a member of staff, for
 * `statusLine`, from audit entries ordered newest first (any actions: the others are passed over).
 */
export function latestDecisions<T extends LatestDecision & { studentId: number | null; actorKind: string }>(entries: readonly T[]): Map<number, T> {
  const latest = new Map<number, T>();
  for (const entry of entries) {
    if (entry.studentId === null || entry.actorKind !== "staff" || !(LATEST as readonly string[]).includes(entry.action)) continue;
    if (!latest.has(entry.studentId)) latest.set(entry.studentId, entry);
  }
  return latest;
}

/** The messages `sendingWords` speaks of, by id: one query for all. */
export async function sendingOf(db: Database, interventionIds: Iterable<number>): Promise<Map<number, Sending & { kind: string; body: string }>> {
  const ids = [...new Set([...interventionIds].filter((id) => Number.isSafeInteger(id)))];
  if (ids.length === 0) return new Map();
  const rows = await db.prisma.intervention.findMany({
    where: { id: { in: ids } },
    select: {
      id: true,
      kind: true,
      body: true,
      state: true,
      deliveries: { where: { state: "pending" }, orderBy: { dueAt: "desc" }, take: 1, select: { dueAt: true, heldReason: true } },
    },
  });
  return new Map(rows.map((r) => [r.id, { kind: r.kind, body: r.body, state: r.state, held: r.deliveries[0] ?? null }]));
}

/** The staff members' names by staff number: one query for all. */
export async function staffNamesOf(db: Database, staffNumbers: Iterable<string>): Promise<Map<string, string>> {
  const numbers = [...new Set(staffNumbers)];
  if (numbers.length === 0) return new Map();
  const rows = await db.prisma.staff.findMany({ where: { staffNumber: { in: numbers } }, select: { staffNumber: true, displayName: true } });
  return new Map(rows.map((r) => [r.staffNumber, r.displayName]));
}

/** The intervention ids and staff numbers a status line for `latest` is said with (see `StatusLookups`). */
export function statusNeeds(latest: LatestDecision | undefined): { interventionIds: number[]; staffNumbers: string[] } {
  if (!latest) return { interventionIds: [], staffNumbers: [] };
  return { interventionIds: latest.action === "intervention.approved" ? [Number(latest.targetId)] : [], staffNumbers: [latest.actorId] };
}

/** "Dismissed by Dr Tutor as "wrong data" (7 Dec)", "Snoozed until 14 December by Dr Tutor", "Waiting for your decision: nudge". */
export function statusLine(facts: StatusFacts, latest: LatestDecision | null, lookups: StatusLookups, now: Date): string {
  if (facts.concern) return "Their message needs a person";
  const decided = latest ? decisionStatus(latest, lookups, now) : null;
  if (facts.proposalKind) {
    const kind = (KIND[facts.proposalKind] ?? "suggestion").toLowerCase();
    // A snooze leaves the suggestion waiting: both are true, so both are said.
    if (decided && latest?.action === "flag.snoozed") return `${decided}; the suggested ${kind} still waits for your decision`;
    return `Waiting for your decision: ${kind}`;
  }
  if (facts.latestFlagAt && (!latest || facts.latestFlagAt > latest.at)) return "Needs a look";
  if (facts.unseenReply) return decided ? `New reply; ${lowerFirst(decided)}` : "New reply from the student";
  return decided ?? "No recent flags";
}

function decisionStatus(entry: LatestDecision, lookups: StatusLookups, now: Date): string | null {
  const who = lookups.staffNames.get(entry.actorId) ?? "a member of staff";
  const on = dayInWords(entry.at.toISOString().slice(0, 10));
  const details = (entry.details ?? {}) as { kind?: string; verdict?: string; until?: string };
  switch (entry.action) {
    case "flag.dismissed":
      return `Dismissed by ${who} as "${(details.verdict ?? "not useful").replace(/_/g, " ")}" (${on})`;
    case "flag.snoozed": {
      const until = details.until ? new Date(details.until) : null;
      // A snooze that has ended brings the flags back: "Needs a look" covers it, else nothing is left.
      if (!until || until <= now) return null;
      return `Snoozed until ${dayInWords(details.until!.slice(0, 10))} by ${who}`;
    }
    case "intervention.approved": {
      const kind = KIND[details.kind ?? ""] ?? "Message";
      const after = sendingWords(lookups.sending.get(Number(entry.targetId)), now);
      return `${kind} approved by ${who} (${on})${after ? `, ${after}` : ""}`;
    }
    case "intervention.rejected":
      return `${KIND[details.kind ?? ""] ?? "Suggestion"} rejected by ${who} (${on})`;
    default:
      return null;
  }
}

/**
 * Whether an approved message has gone, as it stands: "sent", "not sent yet", "waits until
 * 21 December (paused by the student)", "not sent (expired)"; null when unknown (see `sendingOf`).
 */
export function sendingWords(sending: Sending | undefined, now: Date): string | null {
  const state = sending?.state ?? "";
  if (SENT_STATES.has(state)) return "sent";
  if (state === "queued" || state === "approved") {
    const held = sending?.held;
    // Held by the outbox (a pause, the weekly cap): said with the day it will go.
    if (held && held.dueAt > now && held.heldReason)
      return `waits until ${dayInWords(held.dueAt.toISOString().slice(0, 10))} (${heldInWords(held.heldReason)})`;
    return "not sent yet";
  }
  if (state === "cancelled" || state === "expired" || state === "failed") return `not sent (${state})`;
  return null;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
