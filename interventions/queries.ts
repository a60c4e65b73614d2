/** The SQL interventions/ needs beyond Prisma Client: the send-time facts of a whole batch at once. */
import { dateOf, enumCast, numberOf, placeholders, quoteIdentifier, rawRows, type Database, type DatabaseKind, type RawClient } from "../prisma/index.ts";
import type { Channel, InterventionState } from "../prisma/index.ts";

/** What the checks read about the student: everything that can change between a flag and a send. */
export interface StudentSendFacts {
  enrolmentStatus: string;
  erasedAt: Date | null;
  restrictedAt: Date | null;
  contactRemovedAt: Date | null;
  pausedUntil: Date | null;
  timezone: string;
  mobile: string | null;
  email: string | null;
  teamsOptOutAt: Date | null;
  smsOptOutAt: Date | null;
  emailOptOutAt: Date | null;
  conversationReference: { unavailableAt: Date | null; unavailableReason: string | null } | null;
  /** The analytics consent in force (the latest record), or none. */
  analyticsConsent: string | null;
}

/** Every student's send-time facts in one statement: the student, their Teams conversation, the analytics consent in force. */
export async function studentSendFacts(db: Database, studentIds: readonly number[]): Promise<Map<number, StudentSendFacts>> {
  const rows = await rawRows(
    db.prisma,
    db.kind,
    `SELECT s."id", s."enrolmentStatus", s."erasedAt", s."restrictedAt", s."contactRemovedAt", s."pausedUntil", s."timezone", s."mobile", s."email",
            s."teamsOptOutAt", s."smsOptOutAt", s."emailOptOutAt",
            r."id" AS "referenceId", r."unavailableAt", r."unavailableReason",
            (SELECT c."state" FROM "Consent" c WHERE c."studentId" = s."id" AND c."purpose" = 'analytics'
              ORDER BY c."recordedAt" DESC, c."id" DESC LIMIT 1) AS "analyticsConsent"
       FROM "Student" s LEFT JOIN "ConversationReference" r ON r."studentId" = s."id"
      WHERE s."id" IN (${placeholders(1, studentIds.length)})`,
    studentIds,
  );
  const facts = new Map<number, StudentSendFacts>();
  for (const row of rows) {
    facts.set(numberOf(row.id), {
      enrolmentStatus: String(row.enrolmentStatus),
      erasedAt: dateOf(row.erasedAt),
      restrictedAt: dateOf(row.restrictedAt),
      contactRemovedAt: dateOf(row.contactRemovedAt),
      pausedUntil: dateOf(row.pausedUntil),
      timezone: String(row.timezone),
      mobile: (row.mobile as string | null) ?? null,
      email: (row.email as string | null) ?? null,
      teamsOptOutAt: dateOf(row.teamsOptOutAt),
      smsOptOutAt: dateOf(row.smsOptOutAt),
      emailOptOutAt: dateOf(row.emailOptOutAt),
      conversationReference:
        row.referenceId === null || row.referenceId === undefined
          ? null
          : { unavailableAt: dateOf(row.unavailableAt), unavailableReason: (row.unavailableReason as string | null) ?? null },
      analyticsConsent: (row.analyticsConsent as string | null) ?? null,
    });
  }
  return facts;
}

/** Messages sent to each student since `since` that count against the weekly cap (answers to them excepted), in one grouped statement. */
export async function weeklySendCounts(db: Database, studentIds: readonly number[], since: Date): Promise<Map<number, number>> {
  const rows = await rawRows(
    db.prisma,
    db.kind,
    `SELECT i."studentId" AS "studentId", COUNT(*) AS "sends"
       FROM "Delivery" d JOIN "Intervention" i ON i."id" = d."interventionId"
      WHERE d."state" IN ('sent', 'delivered') AND d."sentAt" > $1 AND i."kind" <> 'reply' AND i."studentId" IN (${placeholders(2, studentIds.length)})
      GROUP BY i."studentId"`,
    [since, ...studentIds],
  );
  return new Map(rows.map((row) => [numberOf(row.studentId), numberOf(row.sends)]));
}

/** When the n-th most recent counted message to the student went (n: the cap), if it went after `since`. */
export async function nthRecentSend(db: Database, studentId: number, since: Date, n: number): Promise<Date | null> {
  const rows = await rawRows(
    db.prisma,
    db.kind,
    `SELECT d."sentAt" FROM "Delivery" d JOIN "Intervention" i ON i."id" = d."interventionId"
      WHERE d."state" IN ('sent', 'delivered') AND d."sentAt" > $1 AND i."kind" <> 'reply' AND i."studentId" = $2
      ORDER BY d."sentAt" DESC LIMIT 1 OFFSET $3`,
    [since, studentId, n - 1],
  );
  return dateOf(rows[0]?.sentAt);
}

/** The state and student of each intervention, in one statement. */
export async function interventionStates(
  tx: RawClient,
  kind: DatabaseKind,
  ids: readonly number[],
): Promise<Map<number, { state: InterventionState; studentId: number }>> {
  const rows = await rawRows(tx, kind, `SELECT "id", "state", "studentId" FROM "Intervention" WHERE "id" IN (${placeholders(1, ids.length)})`, ids);
  return new Map(rows.map((row) => [numberOf(row.id), { state: row.state as InterventionState, studentId: numberOf(row.studentId) }]));
}

const STATES = new Set<string>(["proposed", "awaiting_approval", "approved", "queued", "sent", "delivered", "failed", "rejected", "cancelled", "expired"]);
const CHANNELS = new Set<string>(["teams", "sms", "email"]);

/**
 * Moves interventions from one state to another in one statement, each only if it is still in
 * `from`, setting the channel used where one is given; returns those it moved. States and
 * channels are the schema's enum values, checked here before they are written into the SQL.
 */
export async function moveInterventions(
  tx: RawClient,
  kind: DatabaseKind,
  move: { from: InterventionState; to: InterventionState; ids: readonly number[]; channels?: ReadonlyMap<number, Channel>; at: Date },
): Promise<{ id: number; studentId: number }[]> {
  if (!STATES.has(move.from) || !STATES.has(move.to)) throw new RangeError(`not an intervention state: ${move.from} or ${move.to}`);
  const params: unknown[] = [move.at, ...move.ids];
  const sets = [`"state" = '${move.to}'${enumCast({ kind }, "InterventionState")}`, `"updatedAt" = $1`];
  if (move.channels && move.channels.size > 0) {
    const cases: string[] = [];
    for (const [id, channel] of move.channels) {
      if (!CHANNELS.has(channel)) throw new RangeError(`not a channel: ${channel}`);
      params.push(id);
      cases.push(`WHEN $${params.length} THEN '${channel}'`);
    }
    sets.push(`"channel" = (CASE "id" ${cases.join(" ")} ELSE "channel" END)${kind === "postgresql" ? `::${quoteIdentifier("Channel")}` : ""}`);
  }
  const rows = await rawRows(
    tx,
    kind,
    `UPDATE "Intervention" SET ${sets.join(", ")} WHERE "id" IN (${placeholders(2, move.ids.length)}) AND "state" = '${move.from}' RETURNING "id", "studentId"`,
    params,
  );
  return rows.map((row) => ({ id: numberOf(row.id), studentId: numberOf(row.studentId) }));
}
