/**
 * Fills the outbox fast: students, one queued intervention each (approved now) and one pending
 * delivery due now, written with the driver's bulk insert (COPY on PostgreSQL) rather than one
 * Prisma call per row. Used by the outbox process tests and the outbox benchmark.
 */
import type { Database } from "../../prisma/index.ts";

export type SeededChannel = "sms" | "email";

export interface SeededDelivery {
  studentId: number;
  interventionId: number;
  deliveryId: number;
  channel: SeededChannel;
  mobile: string;
  email: string;
}

export interface OutboxSeedOptions {
  /** The channel of the n-th delivery (0-based); all SMS by default. */
  channelOf?: (index: number) => SeededChannel;
  /** Written as approvedAt, dueAt and the timestamps; default now. */
  now?: Date;
}

/** A distinct E.164 mobile per index (UK 070 personal numbers, up to 100 million). */
export const mobileOf = (index: number) => `+4470${String(index).padStart(8, "0")}`;
export const emailOf = (index: number) => `s${String(index).padStart(6, "0")}@student.example.ac.uk`;

/** Seeds `count` due deliveries into an empty database; ids are 1…count in every table. */
export async function seedDueDeliveries(db: Database, count: number, options: OutboxSeedOptions = {}): Promise<SeededDelivery[]> {
  const now = options.now ?? new Date();
  const channelOf = options.channelOf ?? (() => "sms" as const);
  const seeded: SeededDelivery[] = Array.from({ length: count }, (_, i) => ({
    studentId: i + 1,
    interventionId: i + 1,
    deliveryId: i + 1,
    channel: channelOf(i),
    mobile: mobileOf(i + 1),
    email: emailOf(i + 1),
  }));
  const templateData = (channel: SeededChannel) => ({
    texts: channel === "sms" ? { sms: "hi" } : { email: { subject: "Checking in", body: "hi" } },
    evidence: [],
    flagIds: [],
  });
  await db.sql.transaction(async (tx) => {
    await tx.bulkInsert(
      "Student",
      ["id", "studentNumber", "mobile", "email", "timezone", "enrolmentStatus", "createdAt", "updatedAt"],
      seeded.map((s) => [s.studentId, `S${String(s.studentId).padStart(7, "0")}`, s.mobile, s.email, "Europe/London", "active", now, now]),
    );
    await tx.bulkInsert(
      "Intervention",
      ["id", "studentId", "kind", "state", "channelOrder", "body", "templateData", "proposedBy", "approvedAt", "createdAt", "updatedAt"],
      seeded.map((s) => [s.interventionId, s.studentId, "nudge", "queued", [s.channel], "hi", templateData(s.channel), "rule:outbox-load@1", now, now, now]),
    );
    await tx.bulkInsert(
      "Delivery",
      ["id", "interventionId", "channel", "state", "dueAt", "attempts", "createdAt"],
      seeded.map((s) => [s.deliveryId, s.interventionId, s.channel, "pending", now, 0, now]),
    );
  });
  await db.sql.resetIdSequences(["Student", "Intervention", "Delivery"]);
  return seeded;
}
