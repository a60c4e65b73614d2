/**
 * The outbox dispatcher: the only caller of channel senders (invariant 1).
 *
 * Each pass claims due deliveries with a lease (a claim token in `leaseOwner`, an expiry in
 * `leaseUntil`), so several dispatchers — threads of one service or several machines — never send
 * the same row: the claiming UPDATE re-checks that the row is still due, and every later write
 * names the claim token, so a dispatcher that lost its lease changes nothing.
 *
 * Each claimed batch is read in one statement (deliveries, interventions, students) and its
 * send-time facts in two more (interventions/send-checks.ts: loadSendFacts); the same checks then
 * decide every row in memory to send, hold, cancel or skip the channel. Rows not sent are recorded
 * in one transaction; sends go out with bounded concurrency and are recorded in groups (the row,
 * its intervention's move to sent and the audit entry, a few statements per group). A temporary
 * failure retries with backoff and jitter (at least the provider's Retry-After), up to
 * `maxAttempts`; a channel that cannot reach the student falls back to the next in the
 * intervention's order.
 *
 * Crash window (at-least-once): if the process dies after the provider accepted a message and
 * before the row is marked sent, the row stays `sending` until its lease expires, and the next
 * dispatcher sends it again. A duplicate is possible only in that window (one provider round trip
 * plus one database write); nothing is ever lost, and opt-outs and withdrawals are re-checked
 * before the second send. Recording in groups does not widen it: a send's slot is freed only once
 * its row is recorded, so at most `concurrency` rows are ever accepted but not yet recorded.
 */
import type { ChannelName } from "../core/index.ts";
import { randomBytes } from "node:crypto";
import type { Database, Tx } from "../prisma/index.ts";
import { decideBeforeSend, loadSendFacts, type DeliveryRules, type SendDecision } from "../interventions/index.ts";
import { transition, transitionMany } from "../interventions/index.ts";
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
import { claimedDeliveries, markSent, type ClaimedDelivery } from "./queries.ts";

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

const dueWhere = (now: Date) => ({
  OR: [
    { state: "pending" as const, dueAt: { lte: now } },
    { state: "sending" as const, leaseUntil: { lt: now } },
  ],
});

/** Reads up to `limit` due candidates and claims those still due; false: nothing is due. */
async function claimCandidates(db: Database, token: string, limit: number, leaseMs: number, now: Date): Promise<boolean> {
  const due = dueWhere(now);
  const candidates = await db.prisma.delivery.findMany({ where: due, orderBy: [{ dueAt: "asc" }, { id: "asc" }], take: limit, select: { id: true } });
  if (candidates.length === 0) return false;
  await db.prisma.delivery.updateMany({
    where: { id: { in: candidates.map((c) => c.id) }, ...due },
    data: { state: "sending", leaseOwner: token, leaseUntil: new Date(now.getTime() + leaseMs) },
  });
  return true;
}

/**
 * Claims up to `limit` due rows for this dispatcher; returns their ids and the claim token. No ids
 * means nothing is due: when another dispatcher claimed every candidate between this one's read
 * and its update, it reads again rather than stop while rows are still due.
 */
export async function claimDue(db: Database, owner: string, limit: number, leaseMs: number, now: Date): Promise<{ token: string; ids: number[] }> {
  const token = `${owner}#${++claimSequence}`;
  for (let round = 0; round < CLAIM_ROUNDS; round++) {
    if (!(await claimCandidates(db, token, limit, leaseMs, now))) break;
    const claimed = await db.prisma.delivery.findMany({ where: { leaseOwner: token, state: "sending" }, select: { id: true } });
    if (claimed.length > 0) return { token, ids: claimed.map((c) => c.id) };
  }
  return { token, ids: [] };
}

/** claimDue, reading the claimed rows with their interventions and students in the same breath. */
async function claimBatch(db: Database, owner: string, limit: number, leaseMs: number, now: Date): Promise<{ token: string; rows: ClaimedDelivery[] }> {
  const token = `${owner}#${++claimSequence}`;
  for (let round = 0; round < CLAIM_ROUNDS; round++) {
    if (!(await claimCandidates(db, token, limit, leaseMs, now))) break;
    const rows = await claimedDeliveries(db, token);
    if (rows.length > 0) return { token, rows };
  }
  return { token, rows: [] };
}

function textFor(channel: ChannelName, data: Partial<TemplateData> | null, body: string, subject: string | null): { text: string; subject?: string } {
  const texts = data?.texts ?? {};
  if (channel === "email") return { text: texts.email?.body ?? body, subject: texts.email?.subject ?? subject ?? undefined };
  return { text: texts[channel] ?? body };
}

type Outcome = keyof Omit<DispatchFigures, "claimed">;

/** Claimed rows decided together (a claim is at most `batchSize`, 100 by default). */
type Claimed = ClaimedDelivery;

/** The longest accepted sends wait for others still in flight before being recorded without them. */
const GROUP_WAIT_MS = 10;

/** Rows sent between two looks at the staff outbox (the priority lane). */
const LANE_CHUNK = 50;

/**
 * A provider accepted the message: what to record. Rows accepted but not yet recorded are the
 * crash window, so a send's slot is freed only once its row is recorded (never more than
 * `concurrency` rows in the window, as when each send recorded its own row).
 */
interface Accepted {
  row: Claimed;
  providerMessageId: string | null;
  resolve: (outcome: Outcome) => void;
  reject: (error: unknown) => void;
}

class Dispatch {
  private waiting: Accepted[] = [];
  private recording: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;
  /** Sends handed to a provider that have not come back yet. */
  private inFlight = 0;

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

  /**
   * The send-time decision for every row of the batch, on facts read for the whole batch at once.
   * A student's second row in one batch, or an intervention's, is put back for the next pass when
   * this batch's own sends could change its answer (the weekly cap, an intervention already sent).
   */
  async decide(rows: readonly Claimed[], now: Date): Promise<Map<number, SendDecision | { action: "defer" } | { action: "not-queued" }>> {
    const queued = rows.filter((row) => row.intervention.state === "queued");
    const facts = await loadSendFacts(
      this.db,
      queued.map((row) => row.intervention.studentId),
      this.settings.rules,
      now,
    );
    const decisions = new Map<number, SendDecision | { action: "defer" } | { action: "not-queued" }>();
    const sendsTo = new Map<number, number>();
    const sending = new Set<number>();
    for (const row of rows) {
      const { intervention } = row;
      if (intervention.state !== "queued") {
        decisions.set(row.id, { action: "not-queued" });
        continue;
      }
      const known = facts.get(intervention.studentId) ?? { student: null, weekly: { count: 0, oldestCounted: null } };
      const planned = sendsTo.get(intervention.studentId) ?? 0;
      const decision = decideBeforeSend(
        known,
        { channel: row.channel, kind: intervention.kind, approvedAt: intervention.approvedAt },
        this.settings.rules,
        now,
      );
      if (decision.action === "send" && (sending.has(intervention.id) || (planned > 0 && known.weekly.count + planned >= this.settings.rules.weeklyCap))) {
        decisions.set(row.id, { action: "defer" });
        continue;
      }
      if (decision.action === "send") {
        sending.add(intervention.id);
        if (intervention.kind !== "reply") sendsTo.set(intervention.studentId, planned + 1);
      }
      decisions.set(row.id, decision);
    }
    return decisions;
  }

  /** A row that will not be sent this pass: held, cancelled, expired, or on to its next channel. */
  async settle(
    tx: Tx,
    row: Claimed,
    decision: Exclude<SendDecision, { action: "send" }> | { action: "defer" } | { action: "not-queued" },
    now: Date,
  ): Promise<Outcome> {
    switch (decision.action) {
      case "not-queued":
        // Cancelled or finished meanwhile (e.g. consent withdrawn): nothing to send.
        return (await this.release(tx, row.id, { state: "cancelled", heldReason: `intervention is ${row.intervention.state}` })) ? "cancelled" : "lostLeases";
      case "defer":
        // Decided again on the next pass, once this batch's sends are recorded.
        return (await this.release(tx, row.id, { state: "pending" })) ? "held" : "lostLeases";
      case "hold":
        return (await this.release(tx, row.id, { state: "pending", dueAt: decision.until, heldReason: decision.reason })) ? "held" : "lostLeases";
      case "cancel":
        return this.stop(tx, row.id, row.intervention.id, decision.reason, decision.expire ?? false);
      case "skip-channel":
        return this.fallBack(tx, row.id, row.intervention.id, row.channel, decision.reason, now);
    }
  }

  /**
   * Records every row that is not to be sent in one transaction; should that fail (one row's
   * intervention changed under it), each in its own, so one row cannot hold up the others.
   */
  async settleAll(items: readonly { row: Claimed; decision: Parameters<Dispatch["settle"]>[2] }[], now: Date, figures: DispatchFigures): Promise<void> {
    if (items.length === 0) return;
    try {
      const outcomes = await this.prisma.$transaction(async (tx) => {
        const done: Outcome[] = [];
        for (const { row, decision } of items) done.push(await this.settle(tx, row, decision, now));
        return done;
      });
      for (const outcome of outcomes) figures[outcome]++;
    } catch {
      for (const { row, decision } of items) {
        try {
          figures[await this.prisma.$transaction((tx) => this.settle(tx, row, decision, now))]++;
        } catch {
          // Its lease ends and another pass takes it.
          figures.errors++;
        }
      }
    }
  }

  /** Sends one row the checks allowed; resolves once its outcome is recorded. */
  async send(row: Claimed, now: Date): Promise<Outcome> {
    const { intervention } = row;
    const sender = this.senders.get(row.channel);
    if (!sender)
      return this.prisma.$transaction((tx) => this.fallBack(tx, row.id, intervention.id, row.channel, `${row.channel} is not enabled on this service`, now));
    const data = intervention.templateData as Partial<TemplateData> | null;
    const content = textFor(row.channel, data, intervention.body, intervention.subject);
    const message: OutboundMessage = {
      deliveryId: row.id,
      interventionId: intervention.id,
      recipient: {
        id: intervention.studentId,
        studentNumber: intervention.student.studentNumber,
        mobile: intervention.student.mobile,
        email: intervention.student.email,
        teamsReference: intervention.student.teamsReference ?? undefined,
      },
      subject: content.subject,
      text: content.text,
      ...(await this.extrasFor(row.channel, intervention, data, content.text, now)),
    };
    const attempts = row.attempts + 1;
    let result: SendResult;
    this.inFlight++;
    try {
      result = await sender.send(message);
    } catch (error) {
      this.inFlight--;
      if (this.waiting.length > 0) this.scheduleRecording();
      // A sender's own bug is not the provider's: kept as retryable, without its stack or paths.
      const failure = error instanceof ChannelFailure ? error : new ChannelFailure("retryable", `unexpected sender error: ${(error as Error).name ?? "Error"}`);
      const reason = `${failure.kind}: ${failure.message}`.slice(0, 500);
      if (failure.kind === "retryable" && attempts < this.settings.maxAttempts) {
        const delay = retryDelayMs(attempts, failure.detail.retryAfterMs, this.settings.retryBaseMs, this.settings.random);
        const due = new Date(Date.now() + delay);
        return (await this.release(this.prisma, row.id, {
          state: "pending",
          attempts,
          dueAt: due,
          lastError: reason,
          heldReason: `retry ${attempts + 1} of ${this.settings.maxAttempts}`,
        }))
          ? "retried"
          : "lostLeases";
      }
      if (failure.kind === "unavailable" && row.channel === "teams") await markConversationUnavailable(this.prisma, intervention.studentId, failure.message);
      const why = failure.kind === "retryable" ? `gave up after ${attempts} tries: ${failure.message}` : reason;
      return this.prisma.$transaction((tx) => this.fallBack(tx, row.id, intervention.id, row.channel, why, now, attempts));
    }
    this.inFlight--;
    // The provider accepted it. If recording that fails, the error propagates and the row stays
    // `sending` until its lease runs out: the duplicate window described at the top, never an
    // immediate resend as if the provider had refused. Teams may accept without an activity id
    // (202, no body): stored as none, since an empty string would meet the next one in the unique column.
    return new Promise<Outcome>((resolve, reject) => {
      this.waiting.push({ row, providerMessageId: result.providerMessageId || null, resolve, reject });
      this.scheduleRecording();
    });
  }

  /**
   * Starts recording once every send in flight has come back (they are recorded together), or
   * after GROUP_WAIT_MS when one is slow: a send never waits long for another's provider.
   */
  private scheduleRecording(): void {
    if (this.recording) return;
    if (this.inFlight === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.recording = this.recordWaiting();
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        if (!this.recording && this.waiting.length > 0) this.recording = this.recordWaiting();
      }, GROUP_WAIT_MS);
    }
  }

  /** Records accepted sends, every one waiting at that moment in one transaction (group commit). */
  private async recordWaiting(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const group = this.waiting;
        this.waiting = [];
        try {
          const outcomes = await this.prisma.$transaction((tx) => this.recordSent(tx, group));
          for (const [i, item] of group.entries()) item.resolve(outcomes[i]!);
        } catch {
          // One row's intervention changed under it (or the database failed): each on its own,
          // as if sent alone, so the others are still recorded.
          for (const item of group) {
            try {
              item.resolve((await this.prisma.$transaction((tx) => this.recordSent(tx, [item])))[0]!);
            } catch (error) {
              item.reject(error);
            }
          }
        }
      }
    } finally {
      this.recording = null;
    }
    // Sends that came back while the last group was being written, if any are still waiting.
    if (this.waiting.length > 0) this.scheduleRecording();
  }

  /** Rows marked sent (those still ours), their interventions moved to sent, the audit entries written. */
  private async recordSent(tx: Tx, group: readonly Accepted[]): Promise<Outcome[]> {
    const mine = new Set(
      await markSent(
        tx,
        this.db.kind,
        this.token,
        group.map((item) => ({ id: item.row.id, providerMessageId: item.providerMessageId })),
        new Date(),
      ),
    );
    await transitionMany(
      tx,
      this.db.kind,
      group
        .filter((item) => mine.has(item.row.id))
        .map(({ row }) => ({
          interventionId: row.intervention.id,
          to: "sent" as const,
          actor: SYSTEM,
          changes: { channel: row.channel },
          details: { channel: row.channel, deliveryId: row.id, attempts: row.attempts + 1 },
        })),
    );
    return group.map((item) => (mine.has(item.row.id) ? "sent" : "lostLeases"));
  }

  /** The channel failed: mark the row failed and queue the next channel, or fail the intervention. */
  private async fallBack(tx: Tx, id: number, interventionId: number, channel: ChannelName, reason: string, now: Date, attempts?: number): Promise<Outcome> {
    const mine = await this.release(tx, id, { state: "failed", failedAt: now, lastError: reason, heldReason: null, ...(attempts ? { attempts } : {}) });
    if (!mine) return "lostLeases";
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
      return "fellBack";
    }
    await transition(tx, {
      interventionId,
      to: "failed",
      actor: SYSTEM,
      details: { reason: `no channel could reach the student; last: ${channel}: ${reason}` },
    });
    return "failed";
  }

  private async stop(tx: Tx, id: number, interventionId: number, reason: string, expire: boolean): Promise<Outcome> {
    const mine = await this.release(tx, id, { state: "cancelled", heldReason: reason });
    if (!mine) return "lostLeases";
    await transition(tx, { interventionId, to: expire ? "expired" : "cancelled", actor: SYSTEM, details: { reason } });
    return expire ? "expired" : "cancelled";
  }
}

/**
 * One pass: claim a batch, decide every row on facts read for the whole batch, record the rows
 * not to be sent in one transaction, and send the rest with bounded concurrency, recording
 * accepted sends in groups. `between` runs after every LANE_CHUNK rows sent (the priority lane).
 */
export async function dispatchOnce(
  db: Database,
  senders: ReadonlyMap<ChannelName, ChannelSender>,
  settings: DispatchSettings,
  now = new Date(),
  between?: () => Promise<void>,
): Promise<DispatchFigures> {
  const figures = emptyFigures();
  const { token, rows } = await claimBatch(db, settings.owner, settings.batchSize ?? 100, settings.leaseMs ?? 120_000, now);
  figures.claimed = rows.length;
  if (rows.length === 0) return figures;
  const dispatch = new Dispatch(db, senders, settings, token);
  let decisions: Awaited<ReturnType<Dispatch["decide"]>>;
  try {
    decisions = await dispatch.decide(rows, now);
  } catch {
    // The batch's leases end and another pass takes it.
    figures.errors += rows.length;
    return figures;
  }
  const toSend: Claimed[] = [];
  const toSettle: { row: Claimed; decision: Parameters<Dispatch["settle"]>[2] }[] = [];
  for (const row of rows) {
    const decision = decisions.get(row.id)!;
    if (decision.action === "send") toSend.push(row);
    else toSettle.push({ row, decision });
  }
  await dispatch.settleAll(toSettle, now, figures);

  const concurrency = settings.concurrency ?? 8;
  for (let start = 0; start < toSend.length; start += LANE_CHUNK) {
    if (start > 0 && between) await between();
    const chunk = toSend.slice(start, start + LANE_CHUNK);
    let next = 0;
    const worker = async () => {
      while (next < chunk.length) {
        const row = chunk[next++]!;
        try {
          figures[await dispatch.send(row, now)]++;
        } catch {
          // One row's failure must not stop the batch; its lease ends and another pass takes it.
          figures.errors++;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, chunk.length) }, worker));
  }
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
  // The priority lane: whatever staff messages are due go before each batch of students', and
  // again between every LANE_CHUNK students' messages of a batch, so a full queue never holds them up.
  const lane = settings.staff
    ? async () => {
        const figures = await dispatchStaffMessages(db, settings.staff!, {
          owner: settings.owner,
          maxAttempts: settings.maxAttempts,
          retryBaseMs: settings.retryBaseMs,
          random: settings.random,
          clock: settings.clock,
        });
        for (const key of Object.keys(staff) as (keyof StaffDispatchFigures)[]) staff[key] += figures[key];
      }
    : undefined;
  for (let pass = 0; pass < maxPasses; pass++) {
    await lane?.();
    const figures = await dispatchOnce(db, senders, settings, settings.clock?.() ?? new Date(), lane);
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
