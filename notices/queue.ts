/**
 * Messages to staff go through the staff outbox (the `StaffMessage` table), never straight to a
 * channel: the dispatcher sends them first, retries and falls back to email the same way it does
 * for students, and every one is recorded. A safeguarding alert goes to Teams and email at once;
 * other notices go to Teams, and to email when Teams cannot reach the person.
 */
import type { Channel, StaffMessageKind } from "../prisma/index.ts";
import type { Tx } from "../prisma/index.ts";

/** Lower goes first. */
export const PRIORITY = { urgent: 0, soon: 1, routine: 5 } as const;

export type StaffRecipient = { staffId: number } | { address: string };

export interface StaffNotice {
  kind: StaffMessageKind;
  priority: number;
  studentId?: number;
  concernId?: number;
  subject: string;
  /** Plain text: the email, and Teams when there is no card. */
  text: string;
  card?: object;
  /** Email: a calendar invitation (iCalendar) sent with it. */
  calendar?: { method: "REQUEST" | "CANCEL"; filename: string; content: string };
  /**
   * `both`: Teams and email at once (safeguarding); `teams-then-email`: email only if Teams cannot
   * reach the person; `teams` or `email`: that channel alone (a card that only makes sense in Teams,
   * a calendar invitation).
   */
  route: "both" | "teams-then-email" | "teams" | "email";
  dueAt: Date;
}

/** Queues the rows for one recipient; returns their ids. A mailbox gets email only. */
export async function queueStaffNotice(tx: Tx, recipient: StaffRecipient, notice: StaffNotice): Promise<number[]> {
  const base = {
    kind: notice.kind,
    priority: notice.priority,
    studentId: notice.studentId ?? null,
    concernId: notice.concernId ?? null,
    subject: notice.subject,
    text: notice.text,
    dueAt: notice.dueAt,
    ...("staffId" in recipient ? { staffId: recipient.staffId } : { address: recipient.address }),
  };
  const teams = { channel: "teams" as const, card: notice.card ?? null, calendar: null };
  const email = { channel: "email" as const, fallback: null, card: null, calendar: notice.calendar ?? null };
  const rows: { channel: Channel; fallback: Channel | null; card: object | null; calendar: object | null }[] =
    "address" in recipient || notice.route === "email"
      ? [email]
      : notice.route === "both"
        ? [{ ...teams, fallback: null }, email]
        : notice.route === "teams"
          ? [{ ...teams, fallback: null }]
          : [{ ...teams, fallback: "email", calendar: notice.calendar ?? null }];
  const ids: number[] = [];
  for (const row of rows) {
    const created = await tx.staffMessage.create({
      data: {
        ...base,
        channel: row.channel,
        fallback: row.fallback,
        ...(row.card ? { card: row.card } : {}),
        ...(row.calendar ? { calendar: row.calendar } : {}),
      },
      select: { id: true },
    });
    ids.push(created.id);
  }
  return ids;
}
