/**
 * The staff outbox: the priority lane of the dispatcher. Messages to staff (safeguarding alerts,
 * distress notices, students' requests) are claimed and sent before any student message, most
 * urgent first, with the same leases, retries and audit as students' deliveries. A Teams message
 * that cannot reach the person (no conversation with the bot, app removed) falls back to email.
 * No send-time checks apply: quiet hours, caps and pauses are for students, never for staff alerts.
 */
import type { Database } from "../prisma/index.ts";
import type { Channel } from "../prisma/index.ts";
import { writeAudit } from "../audit/index.ts";
import { retryDelayMs } from "./retry.ts";
import { ChannelFailure, type CalendarAttachment, type ChannelSender, type StaffEmailSender } from "./ports.ts";

export interface StaffSenders {
  /** The Teams sender (shared with students' messages: one rate limit for the bot). */
  teams?: ChannelSender;
  email?: StaffEmailSender;
}

export interface StaffDispatchSettings {
  owner: string;
  maxAttempts: number;
  batchSize?: number;
  leaseMs?: number;
  retryBaseMs?: number;
  random?: () => number;
  /** The time each pass runs at (tests move it forward); default: the real clock. */
  clock?: () => Date;
}

export interface StaffDispatchFigures {
  claimed: number;
  sent: number;
  retried: number;
  fellBack: number;
  failed: number;
  lostLeases: number;
  errors: number;
}

const SYSTEM = { kind: "system", component: "staff-outbox" } as const;
let claims = 0;

async function claim(db: Database, owner: string, limit: number, leaseMs: number, now: Date): Promise<{ token: string; ids: number[] }> {
  const token = `${owner}#s${++claims}`;
  const due = {
    OR: [
      { state: "pending" as const, dueAt: { lte: now } },
      { state: "sending" as const, leaseUntil: { lt: now } },
    ],
  };
  for (let round = 0; round < 10; round++) {
    const candidates = await db.prisma.staffMessage.findMany({
      where: due,
      orderBy: [{ priority: "asc" }, { dueAt: "asc" }, { id: "asc" }],
      take: limit,
      select: { id: true },
    });
    if (candidates.length === 0) break;
    await db.prisma.staffMessage.updateMany({
      where: { id: { in: candidates.map((c) => c.id) }, ...due },
      data: { state: "sending", leaseOwner: token, leaseUntil: new Date(now.getTime() + leaseMs) },
    });
    const claimed = await db.prisma.staffMessage.findMany({
      where: { leaseOwner: token, state: "sending" },
      orderBy: [{ priority: "asc" }, { dueAt: "asc" }, { id: "asc" }],
      select: { id: true },
    });
    if (claimed.length) return { token, ids: claimed.map((c) => c.id) };
  }
  return { token, ids: [] };
}

type Outcome = Exclude<keyof StaffDispatchFigures, "claimed" | "errors">;

async function processOne(db: Database, senders: StaffSenders, settings: StaffDispatchSettings, token: string, id: number, now: Date): Promise<Outcome> {
  const row = await db.prisma.staffMessage.findUniqueOrThrow({
    where: { id },
    include: {
      staff: {
        select: {
          staffNumber: true,
          displayName: true,
          email: true,
          active: true,
          conversationReference: { select: { reference: true, unavailableAt: true } },
        },
      },
    },
  });
  const release = async (data: Record<string, unknown>) =>
    (await db.prisma.staffMessage.updateMany({ where: { id, leaseOwner: token, state: "sending" }, data: { leaseOwner: null, leaseUntil: null, ...data } }))
      .count === 1;
  const attempts = row.attempts + 1;
  const fail = async (reason: string, kind: ChannelFailure["kind"]): Promise<Outcome> => {
    if (kind === "retryable" && attempts < settings.maxAttempts) {
      const dueAt = new Date(now.getTime() + retryDelayMs(attempts, undefined, settings.retryBaseMs ?? 30_000, settings.random));
      return (await release({ state: "pending", attempts, dueAt, lastError: reason.slice(0, 500) })) ? "retried" : "lostLeases";
    }
    return db.prisma.$transaction(async (tx) => {
      const mine =
        (
          await tx.staffMessage.updateMany({
            where: { id, leaseOwner: token, state: "sending" },
            data: { leaseOwner: null, leaseUntil: null, state: "failed", attempts, failedAt: now, lastError: reason.slice(0, 500) },
          })
        ).count === 1;
      if (!mine) return "lostLeases" as const;
      const next: Channel | null = row.fallback;
      if (next) {
        const { id: _id, createdAt: _c, staff: _s, ...copy } = row;
        await tx.staffMessage.create({
          data: {
            ...copy,
            card: copy.card ?? undefined,
            calendar: copy.calendar ?? undefined,
            channel: next,
            fallback: null,
            fallbackOf: id,
            state: "pending",
            attempts: 0,
            dueAt: now,
            lastError: null,
            leaseOwner: null,
            leaseUntil: null,
            providerMessageId: null,
            sentAt: null,
            failedAt: null,
          },
        });
        await writeAudit(tx, {
          actor: SYSTEM,
          action: "staff_message.fallback",
          targetType: "staff_message",
          targetId: String(id),
          studentId: row.studentId ?? undefined,
          details: { kind: row.kind, from: row.channel, to: next, reason: reason.slice(0, 200) },
        });
        return "fellBack" as const;
      }
      await writeAudit(tx, {
        actor: SYSTEM,
        action: "staff_message.failed",
        targetType: "staff_message",
        targetId: String(id),
        studentId: row.studentId ?? undefined,
        details: { kind: row.kind, channel: row.channel, reason: reason.slice(0, 200) },
      });
      return "failed" as const;
    });
  };

  if (row.staff && !row.staff.active) return fail("the member of staff is no longer active", "permanent");
  let providerMessageId: string;
  try {
    if (row.channel === "teams") {
      if (!senders.teams) return fail("Teams is not available in this process", "unavailable");
      const conversation = row.staff?.conversationReference;
      if (!conversation || conversation.unavailableAt) return fail("no Teams conversation with the bot", "unavailable");
      ({ providerMessageId } = await senders.teams.send({
        deliveryId: id,
        interventionId: 0,
        recipient: { id: row.staffId ?? 0, studentNumber: row.staff!.staffNumber, teamsReference: conversation.reference },
        text: row.text,
        ...(row.card ? { card: row.card as object } : {}),
      }));
    } else if (row.channel === "email") {
      const address = row.address ?? row.staff?.email ?? null;
      if (!address) return fail("no email address", "permanent");
      if (!senders.email) return fail("email (SMTP) is not configured", "unavailable");
      const calendar = row.calendar as CalendarAttachment | null;
      ({ providerMessageId } = await senders.email.send({
        id,
        to: { name: row.staff?.displayName, address },
        subject: row.subject ?? "A message from Nudge",
        text: row.text,
        ...(calendar ? { calendar } : {}),
      }));
    } else {
      return fail(`${row.channel} is not a staff channel`, "permanent");
    }
  } catch (error) {
    const failure = error instanceof ChannelFailure ? error : new ChannelFailure("retryable", `unexpected sender error: ${(error as Error).name ?? "Error"}`);
    return fail(`${failure.kind}: ${failure.message}`, failure.kind);
  }
  return db.prisma.$transaction(async (tx) => {
    const mine =
      (
        await tx.staffMessage.updateMany({
          where: { id, leaseOwner: token, state: "sending" },
          data: {
            leaseOwner: null,
            leaseUntil: null,
            state: "sent",
            attempts,
            sentAt: new Date(),
            providerMessageId: providerMessageId || null,
            lastError: null,
          },
        })
      ).count === 1;
    if (!mine) return "lostLeases" as const;
    await writeAudit(tx, {
      actor: SYSTEM,
      action: "staff_message.sent",
      targetType: "staff_message",
      targetId: String(id),
      studentId: row.studentId ?? undefined,
      details: { kind: row.kind, channel: row.channel, to: row.staff?.staffNumber ?? "mailbox" },
    });
    return "sent" as const;
  });
}

/** Sends every staff message due, most urgent first; passes until none is left (or `maxPasses`). */
export async function dispatchStaffMessages(
  db: Database,
  senders: StaffSenders,
  settings: StaffDispatchSettings,
  maxPasses = 100,
): Promise<StaffDispatchFigures> {
  const figures: StaffDispatchFigures = { claimed: 0, sent: 0, retried: 0, fellBack: 0, failed: 0, lostLeases: 0, errors: 0 };
  for (let pass = 0; pass < maxPasses; pass++) {
    const now = settings.clock?.() ?? new Date();
    const { token, ids } = await claim(db, settings.owner, settings.batchSize ?? 50, settings.leaseMs ?? 120_000, now);
    if (ids.length === 0) break;
    figures.claimed += ids.length;
    // In priority order, one at a time: an urgent alert is never behind a slow routine one.
    for (const id of ids) {
      try {
        figures[await processOne(db, senders, settings, token, id, now)]++;
      } catch {
        figures.errors++;
      }
    }
  }
  return figures;
}
