/**
 * One student's state in a few words, for a row of "my tutees", the student card and the digest
 * when no flag explains why the student is shown: what is true now (a message waiting for a
 * person, a suggestion waiting for a decision, flags dismissed or snoozed and by whom, a message
 * approved and whether it has gone), never a guess at what might be waiting.
 */
import type { Database } from "../prisma/index.ts";
import { dayInWords } from "../interventions/index.ts";

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
  /** Whether open flags need a look (raised since the last decision, or a snooze ended). */
  flagsNeedALook: boolean;
  /** Whether the student wrote something no tutor has been shown yet. */
  unseenReply: boolean;
}

/** "Dismissed by Dr Tutor as "wrong data" (7 Dec)", "Snoozed until 14 December by Dr Tutor", "Waiting for your decision: nudge". */
export async function statusLine(db: Database, facts: StatusFacts, now: Date): Promise<string> {
  if (facts.concern) return "Their message needs a person";
  if (facts.proposalKind) return `Waiting for your decision: ${(KIND[facts.proposalKind] ?? "suggestion").toLowerCase()}`;
  if (facts.flagsNeedALook) return "Needs a look";
  const latest = await db.prisma.auditLog.findFirst({
    where: { studentId: facts.studentId, actorKind: "staff", action: { in: [...LATEST] } },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    select: { action: true, actorId: true, at: true, targetId: true, details: true },
  });
  const decided = latest ? await decisionStatus(db, latest, now) : null;
  if (facts.unseenReply) return decided ? `New reply; ${lowerFirst(decided)}` : "New reply from the student";
  return decided ?? "No recent flags";
}

async function decisionStatus(
  db: Database,
  entry: { action: string; actorId: string; at: Date; targetId: string | null; details: unknown },
  now: Date,
): Promise<string | null> {
  const staff = await db.prisma.staff.findUnique({ where: { staffNumber: entry.actorId }, select: { displayName: true } });
  const who = staff?.displayName ?? "a member of staff";
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
      const id = Number(entry.targetId);
      const intervention = Number.isInteger(id) ? await db.prisma.intervention.findUnique({ where: { id }, select: { state: true } }) : null;
      const state = intervention?.state ?? "";
      const after = SENT_STATES.has(state)
        ? "sent"
        : state === "queued" || state === "approved"
          ? "not sent yet"
          : state === "cancelled" || state === "expired" || state === "failed"
            ? `not sent (${state})`
            : null;
      return `${kind} approved by ${who} (${on})${after ? `, ${after}` : ""}`;
    }
    case "intervention.rejected":
      return `${KIND[details.kind ?? ""] ?? "Suggestion"} rejected by ${who} (${on})`;
    default:
      return null;
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
