/**
 * The outbox dispatcher: the only caller of channel senders (invariant 1).
 *
 * Each pass claims due deliveries with a lease (a claim token in `leaseOwner`, an expiry in
 * `leaseUntil`), so several dispatchers — threads of one service or several machines — never send
 * the same row: the claiming UPDATE re-checks that the row is still due, and every later write
 * names the claim token, so a dispatcher that lost its lease changes nothing.
 *
 * For each claimed delivery: the send-time checks (interventions/send-checks.ts) decide to send,
 * hold, cancel or skip the channel; a send records the provider's id; a temporary failure retries
 * with backoff and jitter (at least the provider's Retry-After), up to `maxAttempts`; a channel that
 * cannot reach the student falls back to the next channel in the intervention's order.
 *
 * Crash window (at-least-once): if the process dies after the provider accepted a message and
 * before the row is marked sent, the row stays `sending` until its lease expires, and the next
 * dispatcher sends it again. A duplicate is possible only in that window (one provider round trip
 * plus one database write); nothing is ever lost, and opt-outs and withdrawals are re-checked
 * before the second send.
 */
import type { ChannelName } from "../core/index.ts";
import { randomBytes } from "node:crypto";
import type { Database } from "../prisma/index.ts";
import { checkBeforeSend, type DeliveryRules } from "../interventions/index.ts";
import { transition } from "../interventions/index.ts";
import { channelOrderOf } from "../interventions/index.ts";
import type { TemplateData } from "../interventions/index.ts";
import { exportHtml, exportStudent } from "../privacy/index.ts";
import { writeAudit } from "../audit/index.ts";
import { studentTeamsCard } from "../meetings/index.ts";
import { meetingCalendar } from "../meetings/index.ts";
import { markConversationUnavailable } from "../contacts/index.ts";
import { ChannelFailure, type ChannelSender, type OutboundMessage, type SendResult } from "./ports.ts";
import { dispatchStaffMessages, type StaffDispatchFigures, type StaffSenders } from "./staff-outbox.ts";
import { retryDelayMs } from "./retry.ts";

export interface DispatchSettings {
  /** This dispatcher's name (host:pid:random); claim tokens extend it. */
  owner: string;
  rules: DeliveryRules;
  maxAttempts: number;
  /** Rows claimed per pass. */
  batchSize?: number;
  /** Sends in flight at once. */
  concurrency?: number;
  /** How long a claim lasts: a dispatcher that dies holds its rows this long at most. */
  leaseMs?: number;
  /** First retry delay; doubles per attempt, capped at an hour. */
  retryBaseMs?: number;
  random?: () => number;
  /** The time each pass runs at (tests move it forward); default: the real clock. */
  clock?: () => Date;
  /** Staff messages: sent first in every pass (the priority lane); unset: this dispatcher sends none. */
  staff?: StaffSenders;
}

export interface DispatchFigures {
  claimed: number;
  sent: number;
  held: number;
  retried: number;
  fellBack: number;
  failed: number;
  cancelled: number;
  expired: number;
  /** Claims lost to another dispatcher after the lease ran out (should stay 0). */
  lostLeases: number;
  /** Rows whose outcome could not be recorded (database unavailable): retried when their lease ends. */
  errors: number;
}

const emptyFigures = (): DispatchFigures => ({
  claimed: 0,
  sent: 0,
  held: 0,
  retried: 0,
  fellBack: 0,
  failed: 0,
  cancelled: 0,
  expired: 0,
  lostLeases: 0,
  errors: 0,
});

const SYSTEM = { kind: "system", component: "outbox" } as const;

export { retryDelayMs } from "./retry.ts";

let claimSequence = 0;

/** Rounds of claiming when other dispatchers keep taking the candidates first. */
const CLAIM_ROUNDS = 10;

/**
 * Claims up to `limit` due rows for this dispatcher; returns their ids and the claim token. No ids
 * means nothing is due: when another dispatcher claimed every candidate between this one's read
 * and its update, it reads again rather than stop while rows are still due.
 */
export async function claimDue(db: Database, owner: string, limit: number, leaseMs: number, now: Date): Promise<{ token: string; ids: number[] }> {
  const token = `${owner}#${++claimSequence}`;
  const due = {
    OR: [
      { state: "pending" as const, dueAt: { lte: now } },
      { state: "sending" as const, leaseUntil: { lt: now } },
    ],
  };
  for (let round = 0; round < CLAIM_ROUNDS; round++) {
    const candidates = await db.prisma.delivery.findMany({ where: due, orderBy: [{ dueAt: "asc" }, { id: "asc" }], take: limit, select: { id: true } });
    if (candidates.length === 0) break;
    await db.prisma.delivery.updateMany({
      where: { id: { in: candidates.map((c) => c.id) }, ...due },
      data: { state: "sending", leaseOwner: token, leaseUntil: new Date(now.getTime() + leaseMs) },
    });
    const claimed = await db.prisma.delivery.findMany({ where: { leaseOwner: token, state: "sending" }, select: { id: true } });
    if (claimed.length > 0) return { token, ids: claimed.map((c) => c.id) };
  }
  return { token, ids: [] };
}

function textFor(channel: ChannelName, data: Partial<TemplateData> | null, body: string, subject: string | null): { text: string; subject?: string } {
  const texts = data?.texts ?? {};
  if (channel === "email") return { text: texts.email?.body ?? body, subject: texts.email?.subject ?? subject ?? undefined };
  return { text: texts[channel] ?? body };
}

type Outcome = keyof Omit<DispatchFigures, "claimed">;

class Dispatch {
  constructor(
    readonly db: Database,
    readonly senders: ReadonlyMap<ChannelName, ChannelSender>,
    readonly settings: DispatchSettings,
    readonly token: string,
  ) {}

  private get prisma() {
    return this.db.prisma;
  }

  /** Writes to a claimed row only while the claim is ours. */
  private async release(tx: Pick<Database["prisma"], "delivery">, id: number, data: Record<string, unknown>): Promise<boolean> {
    const { count } = await tx.delivery.updateMany({
      where: { id, leaseOwner: this.token, state: "sending" },
      data: { leaseOwner: null, leaseUntil: null, ...data },
    });
    return count === 1;
  }

  /** The card a Teams message is sent as, and the calendar invitation an email carries. */
  private async extrasFor(
    channel: ChannelName,
    intervention: { id: number; studentId: number; kind: string; templateData: unknown; student: { studentNumber: string } },
    data: Partial<TemplateData> | null,
    text: string,
    now: Date,
  ): Promise<Pick<OutboundMessage, "card" | "calendar" | "attachments">> {
    if (channel === "teams") {
      const card = await studentTeamsCard(this.db, intervention, text, now);
      return card ? { card } : {};
    }
    if (channel === "email" && data?.calendar) return { calendar: await meetingCalendar(this.db, data.calendar.meetingId, data.calendar.method) };
    if (channel === "email" && data?.subjectAccess) {
      // Built now, so the copy is complete up to the moment it is sent; the export is audited.
      const copy = await exportStudent(this.db, intervention.student.studentNumber, { kind: "system", component: "outbox" }, now);
      const name = `nudge-data-${intervention.student.studentNumber}`;
      return {
        attachments: [
          { filename: `${name}.json`, content: `${JSON.stringify(copy, null, 2)}\n`, contentType: "application/json" },
          { filename: `${name}.html`, content: exportHtml(copy), contentType: "text/html" },
        ],
      };
    }
    return {};
  }

  async process(id: number, now: Date): Promise<Outcome> {
    const delivery = await this.prisma.delivery.findUniqueOrThrow({
      where: { id },
      include: {
        intervention: {
          select: {
            id: true,
            studentId: true,
            kind: true,
            state: true,
            approvedAt: true,
            body: true,
            subject: true,
            templateData: true,
            channelOrder: true,
            student: { select: { studentNumber: true, mobile: true, email: true, conversationReference: { select: { reference: true } } } },
          },
        },
      },
    });
    const intervention = delivery.intervention;
    if (intervention.state !== "queued") {
      // Cancelled or finished meanwhile (e.g. consent withdrawn): nothing to send.
      return (await this.release(this.prisma, id, { state: "cancelled", heldReason: `intervention is ${intervention.state}` })) ? "cancelled" : "lostLeases";
    }
    const decision = await checkBeforeSend(
      this.prisma,
      {
        studentId: intervention.studentId,
        interventionId: intervention.id,
        channel: delivery.channel,
        kind: intervention.kind,
        approvedAt: intervention.approvedAt,
      },
      this.settings.rules,
      now,
    );
    switch (decision.action) {
      case "hold":
        return (await this.release(this.prisma, id, { state: "pending", dueAt: decision.until, heldReason: decision.reason })) ? "held" : "lostLeases";
      case "cancel":
        return this.stop(id, intervention.id, decision.reason, decision.expire ?? false);
      case "skip-channel":
        return this.fallBack(id, intervention.id, delivery.channel, decision.reason, now);
      case "send":
        break;
    }

    const sender = this.senders.get(delivery.channel);
    if (!sender) return this.fallBack(id, intervention.id, delivery.channel, `${delivery.channel} is not enabled on this service`, now);
    const data = intervention.templateData as Partial<TemplateData> | null;
    const content = textFor(delivery.channel, data, intervention.body, intervention.subject);
    const message: OutboundMessage = {
      deliveryId: id,
      interventionId: intervention.id,
      recipient: {
        id: intervention.studentId,
        studentNumber: intervention.student.studentNumber,
        mobile: intervention.student.mobile,
        email: intervention.student.email,
        teamsReference: intervention.student.conversationReference?.reference ?? undefined,
      },
      subject: content.subject,
      text: content.text,
      ...(await this.extrasFor(delivery.channel, intervention, data, content.text, now)),
    };
    const attempts = delivery.attempts + 1;
    let result: SendResult;
    try {
      result = await sender.send(message);
    } catch (error) {
      // A sender's own bug is not the provider's: kept as retryable, without its stack or paths.
      const failure = error instanceof ChannelFailure ? error : new ChannelFailure("retryable", `unexpected sender error: ${(error as Error).name ?? "Error"}`);
      const reason = `${failure.kind}: ${failure.message}`.slice(0, 500);
      if (failure.kind === "retryable" && attempts < this.settings.maxAttempts) {
        const delay = retryDelayMs(attempts, failure.detail.retryAfterMs, this.settings.retryBaseMs, this.settings.random);
        const due = new Date(Date.now() + delay);
        return (await this.release(this.prisma, id, {
          state: "pending",
          attempts,
          dueAt: due,
          lastError: reason,
          heldReason: `retry ${attempts + 1} of ${this.settings.maxAttempts}`,
        }))
          ? "retried"
          : "lostLeases";
      }
      if (failure.kind === "unavailable" && delivery.channel === "teams")
        await markConversationUnavailable(this.prisma, intervention.studentId, failure.message);
      const why = failure.kind === "retryable" ? `gave up after ${attempts} tries: ${failure.message}` : reason;
      return this.fallBack(id, intervention.id, delivery.channel, why, now, attempts);
    }
    // The provider accepted it. If recording that fails, the error propagates and the row stays
    // `sending` until its lease runs out: the duplicate window described at the top, never an
    // immediate resend as if the provider had refused.
    return this.prisma.$transaction(async (tx) => {
      // Teams may accept without an activity id (202, no body): stored as none, since an empty
      // string would meet the next one in the unique column.
      const providerMessageId = result.providerMessageId || null;
      const mine = await this.release(tx, id, {
        state: "sent",
        attempts,
        sentAt: new Date(),
        providerMessageId,
        providerStatus: "accepted",
        heldReason: null,
        lastError: null,
      });
      if (!mine) return "lostLeases" as const;
      await transition(tx, {
        interventionId: intervention.id,
        to: "sent",
        actor: SYSTEM,
        changes: { channel: delivery.channel },
        details: { channel: delivery.channel, deliveryId: id, attempts },
      });
      return "sent" as const;
    });
  }

  /** The channel failed: mark the row failed and queue the next channel, or fail the intervention. */
  private async fallBack(id: number, interventionId: number, channel: ChannelName, reason: string, now: Date, attempts?: number): Promise<Outcome> {
    return this.prisma.$transaction(async (tx) => {
      const mine = await this.release(tx, id, { state: "failed", failedAt: now, lastError: reason, heldReason: null, ...(attempts ? { attempts } : {}) });
      if (!mine) return "lostLeases" as const;
      const intervention = await tx.intervention.findUniqueOrThrow({
        where: { id: interventionId },
        select: { studentId: true, channelOrder: true, deliveries: { select: { channel: true } } },
      });
      const tried = new Set(intervention.deliveries.map((d) => d.channel));
      const next = channelOrderOf(intervention.channelOrder).find((c) => !tried.has(c));
      if (next) {
        await tx.delivery.create({ data: { interventionId, channel: next, dueAt: now } });
        await writeAudit(tx, {
          actor: SYSTEM,
          action: "delivery.fallback",
          targetType: "intervention",
          targetId: String(interventionId),
          studentId: intervention.studentId,
          details: { from: channel, to: next, reason },
        });
        return "fellBack" as const;
      }
      await transition(tx, {
        interventionId,
        to: "failed",
        actor: SYSTEM,
        details: { reason: `no channel could reach the student; last: ${channel}: ${reason}` },
      });
      return "failed" as const;
    });
  }

  private async stop(id: number, interventionId: number, reason: string, expire: boolean): Promise<Outcome> {
    return this.prisma.$transaction(async (tx) => {
      const mine = await this.release(tx, id, { state: "cancelled", heldReason: reason });
      if (!mine) return "lostLeases" as const;
      await transition(tx, { interventionId, to: expire ? "expired" : "cancelled", actor: SYSTEM, details: { reason } });
      return expire ? ("expired" as const) : ("cancelled" as const);
    });
  }
}

/** One pass: claim a batch and work through it with bounded concurrency. */
export async function dispatchOnce(
  db: Database,
  senders: ReadonlyMap<ChannelName, ChannelSender>,
  settings: DispatchSettings,
  now = new Date(),
): Promise<DispatchFigures> {
  const figures = emptyFigures();
  const { token, ids } = await claimDue(db, settings.owner, settings.batchSize ?? 100, settings.leaseMs ?? 120_000, now);
  figures.claimed = ids.length;
  const dispatch = new Dispatch(db, senders, settings, token);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      try {
        figures[await dispatch.process(id, now)]++;
      } catch {
        // One row's failure must not stop the batch; its lease ends and another pass takes it.
        figures.errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(settings.concurrency ?? 8, ids.length) }, worker));
  return figures;
}

/** Passes until nothing is due (or `maxPasses`): what the scheduled job and `nudge outbox dispatch` run. */
export async function dispatchDue(
  db: Database,
  senders: ReadonlyMap<ChannelName, ChannelSender>,
  settings: DispatchSettings,
  maxPasses = 1000,
): Promise<DispatchFigures & { staff: StaffDispatchFigures }> {
  const total = emptyFigures();
  const staff: StaffDispatchFigures = { claimed: 0, sent: 0, retried: 0, fellBack: 0, failed: 0, lostLeases: 0, errors: 0 };
  for (let pass = 0; pass < maxPasses; pass++) {
    // The priority lane: whatever staff messages are due go before each batch of students'.
    if (settings.staff) {
      const figures = await dispatchStaffMessages(db, settings.staff, {
        owner: settings.owner,
        maxAttempts: settings.maxAttempts,
        retryBaseMs: settings.retryBaseMs,
        random: settings.random,
        clock: settings.clock,
      });
      for (const key of Object.keys(staff) as (keyof StaffDispatchFigures)[]) staff[key] += figures[key];
    }
    const figures = await dispatchOnce(db, senders, settings, settings.clock?.() ?? new Date());
    for (const key of Object.keys(total) as (keyof DispatchFigures)[]) total[key] += figures[key];
    if (figures.claimed === 0) break;
  }
  return { ...total, staff };
}

export function newDispatcherId(prefix: string): string {
  return `${prefix}:${randomBytes(3).toString("hex")}`;
}

/**
 * A bounce reported after the message was accepted (a delivery status notification): the delivery
 * and its intervention are marked failed with the reason, so the tutor sees the student was not
 * reached. (A recipient refused while sending falls back to the next channel instead.)
 */
export async function recordBounces(db: Database, providerMessageIds: readonly string[], reason = "bounced"): Promise<number> {
  let marked = 0;
  for (const providerMessageId of providerMessageIds) {
    await db.prisma.$transaction(async (tx) => {
      const delivery = await tx.delivery.findUnique({
        where: { providerMessageId },
        select: { id: true, interventionId: true, intervention: { select: { state: true } } },
      });
      if (!delivery) return;
      const { count } = await tx.delivery.updateMany({
        where: { id: delivery.id, state: { in: ["sent", "delivered"] } },
        data: { state: "failed", failedAt: new Date(), lastError: reason, providerStatus: "bounced" },
      });
      if (count === 0) return;
      // Only a sent intervention fails; one already reported delivered keeps that state.
      if (delivery.intervention.state === "sent")
        await transition(tx, { interventionId: delivery.interventionId, to: "failed", actor: SYSTEM, details: { reason, deliveryId: delivery.id } });
      marked++;
    });
  }
  return marked;
}
