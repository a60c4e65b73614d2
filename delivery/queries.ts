/** The SQL the outbox needs beyond Prisma Client: a claimed batch read in one statement, a batch of sends recorded in one. */
import type { ChannelName } from "../core/index.ts";
import { dateOf, jsonOf, numberOf, placeholders, rawRows, type Database, type DatabaseKind, type RawClient } from "../prisma/index.ts";
import type { InterventionKind, InterventionState } from "../prisma/index.ts";

/** A claimed delivery with what sending it needs: its intervention and the student's addresses. */
export interface ClaimedDelivery {
  id: number;
  channel: ChannelName;
  attempts: number;
  intervention: {
    id: number;
    studentId: number;
    kind: InterventionKind;
    state: InterventionState;
    approvedAt: Date | null;
    body: string;
    subject: string | null;
    templateData: unknown;
    student: { studentNumber: string; mobile: string | null; email: string | null; teamsReference: unknown };
  };
}

/** The rows a claim token holds, oldest due first, joined to their interventions and students. */
export async function claimedDeliveries(db: Database, token: string): Promise<ClaimedDelivery[]> {
  const rows = await rawRows(
    db.prisma,
    db.kind,
    `SELECT d."id", d."channel", d."attempts", i."id" AS "interventionId", i."studentId", i."kind", i."state", i."approvedAt", i."body", i."subject",
            i."templateData", s."studentNumber", s."mobile", s."email", r."reference"
       FROM "Delivery" d
       JOIN "Intervention" i ON i."id" = d."interventionId"
       JOIN "Student" s ON s."id" = i."studentId"
       LEFT JOIN "ConversationReference" r ON r."studentId" = s."id"
      WHERE d."leaseOwner" = $1 AND d."state" = 'sending'
      ORDER BY d."dueAt", d."id"`,
    [token],
  );
  return rows.map((row) => ({
    id: numberOf(row.id),
    channel: row.channel as ChannelName,
    attempts: numberOf(row.attempts),
    intervention: {
      id: numberOf(row.interventionId),
      studentId: numberOf(row.studentId),
      kind: row.kind as InterventionKind,
      state: row.state as InterventionState,
      approvedAt: dateOf(row.approvedAt),
      body: String(row.body),
      subject: (row.subject as string | null) ?? null,
      templateData: jsonOf(row.templateData),
      student: {
        studentNumber: String(row.studentNumber),
        mobile: (row.mobile as string | null) ?? null,
        email: (row.email as string | null) ?? null,
        teamsReference: jsonOf(row.reference) ?? undefined,
      },
    },
  }));
}

/**
 * Marks many claimed rows sent in one statement, each with its provider's id, and only those the
 * claim token still holds; returns the ids it marked (a row missing lost its lease).
 */
export async function markSent(
  tx: RawClient,
  kind: DatabaseKind,
  token: string,
  sent: readonly { id: number; providerMessageId: string | null }[],
  at: Date,
): Promise<number[]> {
  const params: unknown[] = [token, at];
  const cases = sent.map(({ id, providerMessageId }) => {
    params.push(id, providerMessageId);
    return `WHEN $${params.length - 1} THEN $${params.length}`;
  });
  const ids = placeholders(params.length + 1, sent.length);
  params.push(...sent.map((s) => s.id));
  const rows = await rawRows(
    tx,
    kind,
    `UPDATE "Delivery"
        SET "state" = 'sent', "attempts" = "attempts" + 1, "sentAt" = $2, "providerMessageId" = (CASE "id" ${cases.join(" ")} END),
            "providerStatus" = 'accepted', "heldReason" = NULL, "lastError" = NULL, "leaseOwner" = NULL, "leaseUntil" = NULL
      WHERE "id" IN (${ids}) AND "leaseOwner" = $1 AND "state" = 'sending'
      RETURNING "id"`,
    params,
  );
  return rows.map((row) => numberOf(row.id));
}
