/**
 * What staff do with an alert, as the edges ask for it: the buttons on the Teams card (which come
 * back as the card updated, showing who is handling it) and the acknowledgement link in an alert
 * email (the page says what the alert is about before anyone presses). The gate is asked inside
 * acknowledge.ts.
 */
import type { Database } from "../prisma/index.ts";
import { acknowledgeConcern, recordCircumstances, type AcknowledgeResult } from "./acknowledge.ts";
import { readAcknowledgeToken, type AlertRecipientId } from "./acknowledge-links.ts";
import { alertCard } from "./alert-content.ts";
import { alertFacts } from "./raise.ts";

export type AlertResponse = { kind: "acknowledge" } | { kind: "circumstances"; from: string; to: string };

/** "I'm handling this" or extenuating circumstances (which acknowledges too): the alert card as it now stands. */
export async function respondToAlert(
  db: Database,
  concernId: number,
  staffNumber: string,
  response: AlertResponse,
  timezone: string,
  now = new Date(),
): Promise<object> {
  if (response.kind === "circumstances") await recordCircumstances(db, concernId, staffNumber, response.from, response.to, now);
  else await acknowledgeConcern(db, concernId, { kind: "staff", staffNumber }, now);
  return alertCard(await alertFacts(db.prisma, concernId, now, timezone), timezone);
}

export interface LinkedConcern {
  concernId: number;
  recipient: AlertRecipientId;
  level: "crisis" | "distress";
  studentNumber: string;
  raisedAt: Date;
  acknowledged: { by: string; at: Date } | null;
}

/** The concern an acknowledgement link names, if the link is genuine and the concern still exists. */
export async function concernOfLink(db: Database, secret: string, token: string | undefined): Promise<LinkedConcern | null> {
  const link = readAcknowledgeToken(secret, token);
  if (!link) return null;
  const concern = await db.prisma.safeguardingConcern.findUnique({
    where: { id: link.concernId },
    select: { id: true, level: true, state: true, raisedAt: true, acknowledgedAt: true, acknowledgedBy: true, student: { select: { studentNumber: true } } },
  });
  if (!concern) return null;
  return {
    concernId: concern.id,
    recipient: link.recipient,
    level: concern.level === "crisis" ? "crisis" : "distress",
    studentNumber: concern.student.studentNumber,
    raisedAt: concern.raisedAt,
    acknowledged: concern.state === "acknowledged" ? { by: concern.acknowledgedBy ?? "someone", at: concern.acknowledgedAt ?? concern.raisedAt } : null,
  };
}

/** The button on the link's page: acknowledged by whoever the email went to. */
export async function acknowledgeByLink(db: Database, concern: Pick<LinkedConcern, "concernId" | "recipient">, now = new Date()): Promise<AcknowledgeResult> {
  return acknowledgeConcern(db, concern.concernId, { kind: "link", recipient: concern.recipient }, now);
}
