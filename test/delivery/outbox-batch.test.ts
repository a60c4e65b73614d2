/**
 * The dispatcher decides a whole claimed batch on facts read for the batch at once, then sends
 * with bounded concurrency and records sends in groups; staff messages keep their priority lane
 * even inside one big batch. Real senders (the twilio library, nodemailer) against stand-ins for
 * the providers on loopback, against a real database.
 */
import type { ChannelName } from "../../core/index.ts";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createEmailSender, createStaffEmailSender } from "../../channels/email-sender.ts";
import { createSmsSender } from "../../channels/sms-sender.ts";
import { dispatchDue, dispatchOnce, type DispatchSettings } from "../../delivery/outbox.ts";
import type { ChannelSender, StaffEmailSender } from "../../delivery/ports.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { startFakeTwilio, type FakeTwilio } from "../helpers/fake-twilio.ts";
import { seedDueDeliveries } from "../helpers/outbox-seed.ts";
import { TestSmtpServer } from "../helpers/smtp-sink.ts";

const mailTo = (smtp: TestSmtpServer, address: string) => smtp.received.filter((m) => m.rcptTo.includes(address));
const SMTP_FROM = "Student Success <nudge@example.ac.uk>";
const SETTINGS: DispatchSettings = {
  owner: "outbox-batch-test:1:abcdef",
  rules: { weeklyCap: 3, quietHours: undefined, expiryDays: 7 },
  maxAttempts: 3,
  retryBaseMs: 1000,
  random: () => 0.5,
};

describe("the dispatcher's batched decisions", () => {
  const database = useMigratedDatabase();
  const db = () => database.db;
  const smtp = new TestSmtpServer();
  let twilio: FakeTwilio;
  let senders: Map<ChannelName, ChannelSender>;

  beforeAll(async () => {
    await smtp.start();
  });
  beforeEach(async () => {
    // Each case sees only its own due rows: whatever an earlier case left waiting is cancelled.
    await db().prisma.delivery.updateMany({
      where: { state: { in: ["pending", "sending"] } },
      data: { state: "cancelled", leaseOwner: null, leaseUntil: null },
    });
    twilio = await startFakeTwilio();
    senders = new Map<ChannelName, ChannelSender>([
      ["sms", createSmsSender({ accountSid: `AC${"1".repeat(32)}`, authToken: "test-auth-token", from: "+447700900001", apiBaseUrl: twilio.url })],
      [
        "email",
        createEmailSender({
          host: "127.0.0.1",
          port: smtp.port,
          secure: false,
          ignoreTLS: true,
          from: SMTP_FROM,
          publicBaseUrl: "https://nudge.example.ac.uk/",
          linkSecret: "a-link-secret-of-at-least-32-characters",
        }),
      ],
    ]);
  });
  afterEach(async () => {
    for (const sender of senders.values()) await sender.close?.();
    await twilio.close();
  });
  afterAll(async () => {
    await smtp.stop();
  });

  it("gives an erased student, an opted-out channel, a paused student, a capped student and two others exactly their outcomes and audit entries, in one pass", async () => {
    const now = new Date("2026-11-18T12:00:00Z");
    const student = (n: number, extra: Record<string, unknown> = {}) =>
      db().prisma.student.create({
        data: { studentNumber: `BAT${n}`, mobile: `+44770091000${n}`, email: `bat${n}@student.example.ac.uk`, enrolmentStatus: "active", ...extra },
      });
    const erased = await student(1, { erasedAt: new Date("2026-11-17T09:00:00Z") });
    const optedOut = await student(2, { smsOptOutAt: new Date("2026-11-18T08:00:00Z") });
    const paused = await student(3, { pausedUntil: new Date("2026-11-20T09:00:00Z") });
    const capped = await student(4);
    const plain = await student(5);
    const byEmail = await student(6);

    // The capped student had three messages this week; the oldest went on 13 November at 10:00.
    for (const sentAt of ["2026-11-13T10:00:00Z", "2026-11-15T10:00:00Z", "2026-11-17T10:00:00Z"]) {
      await db().prisma.intervention.create({
        data: {
          studentId: capped.id,
          kind: "nudge",
          state: "sent",
          body: "earlier",
          proposedBy: "rule:earlier@1",
          deliveries: { create: { channel: "sms", state: "sent", dueAt: new Date(sentAt), sentAt: new Date(sentAt) } },
        },
      });
    }
    const queue = async (studentId: number, channels: ChannelName[]) => {
      const intervention = await db().prisma.intervention.create({
        data: {
          studentId,
          kind: "nudge",
          state: "queued",
          channelOrder: channels,
          subject: "Checking in",
          body: `Hello ${studentId}`,
          proposedBy: "rule:no-vle-10-days@1",
          approvedAt: new Date("2026-11-18T11:00:00Z"),
        },
      });
      const delivery = await db().prisma.delivery.create({ data: { interventionId: intervention.id, channel: channels[0]!, dueAt: now } });
      return { interventionId: intervention.id, deliveryId: delivery.id };
    };
    const toErased = await queue(erased.id, ["sms"]);
    const toOptedOut = await queue(optedOut.id, ["sms", "email"]);
    const toPaused = await queue(paused.id, ["sms"]);
    const toCapped = await queue(capped.id, ["sms"]);
    const toPlain = await queue(plain.id, ["sms"]);
    const toByEmail = await queue(byEmail.id, ["email"]);
    const lastAudit = (await db().prisma.auditLog.aggregate({ _max: { id: true } }))._max.id ?? 0;

    const figures = await dispatchOnce(db(), senders, SETTINGS, now);
    expect(figures).toEqual({ claimed: 6, sent: 2, held: 2, retried: 0, fellBack: 1, failed: 0, cancelled: 1, expired: 0, lostLeases: 0, errors: 0 });

    // What each provider received: one text to the plain student, one email to the one by email.
    expect(twilio.requests.map((r) => r.form.To)).toEqual(["+447700910005"]);
    expect(twilio.requests[0]!.form.Body).toBe(`Hello ${plain.id}`);
    expect(mailTo(smtp, "bat6@student.example.ac.uk")).toHaveLength(1);
    expect(mailTo(smtp, "bat2@student.example.ac.uk")).toHaveLength(0);

    const delivery = (id: number) =>
      db().prisma.delivery.findUniqueOrThrow({
        where: { id },
        select: { state: true, dueAt: true, heldReason: true, lastError: true, attempts: true, leaseOwner: true, providerStatus: true },
      });
    expect(await delivery(toErased.deliveryId)).toEqual({
      state: "cancelled",
      dueAt: now,
      heldReason: "the student's record was erased",
      lastError: null,
      attempts: 0,
      leaseOwner: null,
      providerStatus: null,
    });
    expect(await delivery(toOptedOut.deliveryId)).toMatchObject({ state: "failed", lastError: "the student opted out of sms", attempts: 0, leaseOwner: null });
    expect(await delivery(toPaused.deliveryId)).toEqual({
      state: "pending",
      dueAt: new Date("2026-11-20T09:00:00Z"),
      heldReason: "paused by the student",
      lastError: null,
      attempts: 0,
      leaseOwner: null,
      providerStatus: null,
    });
    expect(await delivery(toCapped.deliveryId)).toEqual({
      state: "pending",
      dueAt: new Date("2026-11-20T10:00:00Z"),
      heldReason: "weekly cap of 3 messages reached",
      lastError: null,
      attempts: 0,
      leaseOwner: null,
      providerStatus: null,
    });
    expect(await delivery(toPlain.deliveryId)).toMatchObject({ state: "sent", attempts: 1, leaseOwner: null, providerStatus: "accepted", heldReason: null });
    expect(await delivery(toByEmail.deliveryId)).toMatchObject({ state: "sent", attempts: 1, leaseOwner: null, providerStatus: "accepted" });

    // The opted-out student's message goes on by email, due at once.
    const next = await db().prisma.delivery.findMany({ where: { interventionId: toOptedOut.interventionId, channel: "email" } });
    expect(next.map((d) => [d.state, d.dueAt])).toEqual([["pending", now]]);

    const intervention = (id: number) => db().prisma.intervention.findUniqueOrThrow({ where: { id }, select: { state: true, channel: true } });
    expect(await intervention(toErased.interventionId)).toEqual({ state: "cancelled", channel: null });
    expect(await intervention(toOptedOut.interventionId)).toEqual({ state: "queued", channel: null });
    expect(await intervention(toPaused.interventionId)).toEqual({ state: "queued", channel: null });
    expect(await intervention(toCapped.interventionId)).toEqual({ state: "queued", channel: null });
    expect(await intervention(toPlain.interventionId)).toEqual({ state: "sent", channel: "sms" });
    expect(await intervention(toByEmail.interventionId)).toEqual({ state: "sent", channel: "email" });

    // Exactly these audit entries, and no others: held rows are not audited.
    const audits = await db().prisma.auditLog.findMany({
      where: { id: { gt: lastAudit } },
      select: { actorKind: true, actorId: true, action: true, targetType: true, targetId: true, studentId: true, details: true },
    });
    const sorted = audits.sort((a, b) => Number(a.targetId) - Number(b.targetId));
    expect(sorted).toEqual([
      {
        actorKind: "system",
        actorId: "outbox",
        action: "intervention.cancelled",
        targetType: "intervention",
        targetId: String(toErased.interventionId),
        studentId: erased.id,
        details: { from: "queued", to: "cancelled", reason: "the student's record was erased" },
      },
      {
        actorKind: "system",
        actorId: "outbox",
        action: "delivery.fallback",
        targetType: "intervention",
        targetId: String(toOptedOut.interventionId),
        studentId: optedOut.id,
        details: { from: "sms", to: "email", reason: "the student opted out of sms" },
      },
      {
        actorKind: "system",
        actorId: "outbox",
        action: "intervention.sent",
        targetType: "intervention",
        targetId: String(toPlain.interventionId),
        studentId: plain.id,
        details: { from: "queued", to: "sent", channel: "sms", deliveryId: toPlain.deliveryId, attempts: 1 },
      },
      {
        actorKind: "system",
        actorId: "outbox",
        action: "intervention.sent",
        targetType: "intervention",
        targetId: String(toByEmail.interventionId),
        studentId: byEmail.id,
        details: { from: "queued", to: "sent", channel: "email", deliveryId: toByEmail.deliveryId, attempts: 1 },
      },
    ]);
  });

  it("puts a student's second message in a batch back for the next pass when the first would reach the cap, then holds it there", async () => {
    const now = new Date("2026-11-25T12:00:00Z");
    const student = await db().prisma.student.create({
      data: { studentNumber: "BATCAP", mobile: "+447700919999", enrolmentStatus: "active" },
    });
    // Two already this week (cap 3): one more may go, not two.
    for (const sentAt of ["2026-11-20T10:00:00Z", "2026-11-21T10:00:00Z"]) {
      await db().prisma.intervention.create({
        data: {
          studentId: student.id,
          kind: "nudge",
          state: "sent",
          body: "earlier",
          proposedBy: "rule:earlier@1",
          deliveries: { create: { channel: "sms", state: "sent", dueAt: new Date(sentAt), sentAt: new Date(sentAt) } },
        },
      });
    }
    const ids: number[] = [];
    for (const body of ["first", "second"]) {
      const intervention = await db().prisma.intervention.create({
        data: { studentId: student.id, kind: "nudge", state: "queued", channelOrder: ["sms"], body, proposedBy: "rule:x@1", approvedAt: now },
      });
      ids.push((await db().prisma.delivery.create({ data: { interventionId: intervention.id, channel: "sms", dueAt: now } })).id);
    }

    expect(await dispatchOnce(db(), senders, SETTINGS, now)).toMatchObject({ claimed: 2, sent: 1, held: 1 });
    expect(twilio.requests.map((r) => r.form.Body)).toEqual(["first"]);
    // Back as it was, for the next pass to decide with the first one counted.
    expect(await db().prisma.delivery.findUniqueOrThrow({ where: { id: ids[1]! }, select: { state: true, dueAt: true, leaseOwner: true } })).toEqual({
      state: "pending",
      dueAt: now,
      leaseOwner: null,
    });

    expect(await dispatchOnce(db(), senders, SETTINGS, now)).toMatchObject({ claimed: 1, sent: 0, held: 1 });
    expect(await db().prisma.delivery.findUniqueOrThrow({ where: { id: ids[1]! }, select: { state: true, dueAt: true, heldReason: true } })).toEqual({
      state: "pending",
      dueAt: new Date("2026-11-27T10:00:00Z"),
      heldReason: "weekly cap of 3 messages reached",
    });
    expect(twilio.requests).toHaveLength(1);
  });
});

describe("the priority lane under a full queue", () => {
  const database = useMigratedDatabase();
  const db = () => database.db;
  const smtp = new TestSmtpServer();
  let twilio: FakeTwilio;
  let sms: ChannelSender;
  let staffEmail: StaffEmailSender;

  beforeAll(async () => {
    await smtp.start();
    // A few milliseconds per answer, as a real provider's: the queue takes a while to empty.
    twilio = await startFakeTwilio({ delayMs: 5 });
    sms = createSmsSender({ accountSid: `AC${"1".repeat(32)}`, authToken: "test-auth-token", from: "+447700900001", apiBaseUrl: twilio.url });
    staffEmail = createStaffEmailSender({ host: "127.0.0.1", port: smtp.port, secure: false, ignoreTLS: true, from: SMTP_FROM });
  });
  afterAll(async () => {
    await sms.close?.();
    await staffEmail.close();
    await twilio.close();
    await smtp.stop();
  });

  it("sends a safeguarding alert that falls due while one big batch of 300 students' messages is going out long before the batch ends", async () => {
    const COUNT = 300;
    await seedDueDeliveries(db(), COUNT);
    const dispatching = dispatchDue(db(), new Map([["sms", sms]]), {
      ...SETTINGS,
      rules: { weeklyCap: 50, expiryDays: 7 },
      // All 300 in one claim: without the lane inside the batch the alert would wait for all of them.
      batchSize: COUNT,
      staff: { email: staffEmail },
    });
    while (twilio.requests.length < 20) await sleep(1);
    const alert = await db().prisma.staffMessage.create({
      data: {
        kind: "safeguarding_alert",
        priority: 0,
        address: "safeguarding@example.ac.uk",
        channel: "email",
        subject: "Safeguarding alert",
        text: "A student's message needs a safeguarding lead's attention now.",
        dueAt: new Date(),
      },
    });
    const figures = await dispatching;
    expect(figures).toMatchObject({ claimed: COUNT, sent: COUNT, errors: 0, staff: { claimed: 1, sent: 1, errors: 0 } });

    const sentAlert = await db().prisma.staffMessage.findUniqueOrThrow({ where: { id: alert.id }, select: { state: true, sentAt: true } });
    expect(sentAlert.state).toBe("sent");
    expect(mailTo(smtp, "safeguarding@example.ac.uk")).toHaveLength(1);
    // It went after at most two chunks of the batch (50 messages each) beyond the 20 already out,
    // with well over half of the students' messages still to go.
    const before = await db().prisma.delivery.count({ where: { sentAt: { lte: sentAlert.sentAt! } } });
    expect(before).toBeGreaterThanOrEqual(20);
    expect(before).toBeLessThanOrEqual(120);
  });
});
