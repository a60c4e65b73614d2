/**
 * Messages to staff go through the staff outbox (the `StaffMessage` table), never straight to a
 * channel: the dispatcher sends them first, retries and falls back to email the same way it does
 * for students, and every one is recorded. A safeguarding alert goes to Teams and email at once;
 * other notices go to Teams, and to email when Teams cannot reach the person.
 */
import type { Channel, StaffMessageKind } from "../generated/sqlite/enums.ts";
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
  /** `both`: Teams and email at once (safeguarding); `teams-then-email`: email only if Teams fails. */
  route: "both" | "teams-then-email";
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
  const rows: { channel: Channel; fallback: Channel | null; card: object | null }[] =
    "address" in recipient
      ? [{ channel: "email", fallback: null, card: null }]
      : notice.route === "both"
        ? [
            { channel: "teams", fallback: null, card: notice.card ?? null },
            { channel: "email", fallback: null, card: null },
          ]
        : [{ channel: "teams", fallback: "email", card: notice.card ?? null }];
  const ids: number[] = [];
  for (const row of rows) {
    const created = await tx.staffMessage.create({ data: { ...base, channel: row.channel, fallback: row.fallback, ...(row.card ? { card: row.card } : {}) }, select: { id: true } });
    ids.push(created.id);
  }
  return ids;
}
