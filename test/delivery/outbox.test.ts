/**
 * The outbox dispatcher end to end: real senders (the twilio library, nodemailer, the Bot Framework
 * adapter) talking to stand-ins for the providers on loopback (a fake Twilio REST API, a real SMTP
 * server, a fake Bot Connector), against a real database. Every case checks both what the database
 * says and what the provider received.
 */
import type { ChannelName } from "../../core/index.ts";
import type { AddressInfo } from "node:net";
import { TurnContext } from "botbuilder";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer, type SMTPServerSession } from "smtp-server";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTeamsBot, type TeamsBot } from "../../bot/index.ts";
import { createApp } from "../../app/index.ts";
import { createEmailSender } from "../../channels/email-sender.ts";
import { dispatchOnce, recordBounces, retryDelayMs, type DispatchFigures, type DispatchSettings } from "../../delivery/outbox.ts";
import { createSmsSender, type SmsSenderSettings } from "../../channels/sms-sender.ts";
import { createTeamsSender, type TeamsMessenger } from "../../channels/teams-sender.ts";
import type { ChannelSender } from "../../delivery/ports.ts";
import type { TemplateData } from "../../interventions/propose.ts";
import { openDatabase, type Database } from "../../prisma/index.ts";
import type { InterventionKind } from "../../generated/sqlite/enums.ts";
import { createLogger } from "../../core/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { shownText, startFakeConnector, teamsMessage, type FakeConnector } from "../helpers/fake-connector.ts";
import { startFakeTwilio, type FakeTwilio } from "../helpers/fake-twilio.ts";

const ACCOUNT = `AC${"1".repeat(32)}`;
const TOKEN = "test-auth-token";
const FROM_NUMBER = "+447700900001";
const LINK_SECRET = "a-link-secret-of-at-least-32-characters";
const DAY_MS = 86_400_000;

const SETTINGS: DispatchSettings = {
  owner: "outbox-test:1:a1b2c3",
  rules: { weeklyCap: 3, quietHours: undefined, expiryDays: 7 },
  maxAttempts: 3,
  retryBaseMs: 1000,
  random: () => 0.5,
};

/** A real SMTP server on loopback that keeps what it receives. */
class TestSmtpServer {
  readonly received: Array<{ rcptTo: string[]; parsed: ParsedMail }> = [];
  port = 0;
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData: (stream, session: SMTPServerSession, callback) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", async () => {
        this.received.push({ rcptTo: session.envelope.rcptTo.map((r) => r.address), parsed: await simpleParser(Buffer.concat(chunks)) });
        callback();
      });
    },
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
  }

  to(address: string): ParsedMail[] {
    return this.received.filter((m) => m.rcptTo.includes(address)).map((m) => m.parsed);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A conversation reference as the bot stores it from a student's message (as in the Teams sender's tests). */
function referenceFor(serviceUrl: string, conversationId: string, teamsUserId: string) {
  const incoming = teamsMessage(serviceUrl, "hello", {
    from: { id: teamsUserId, name: "A Student", aadObjectId: "6b1d2c9e-0000-4000-8000-00000000a001" },
    conversation: { conversationType: "personal", tenantId: "72f988bf-0000-4000-8000-000000000001", id: conversationId },
  });
  return JSON.parse(JSON.stringify(TurnContext.getConversationReference(incoming as never)));
}

function sum(figures: DispatchFigures[]): DispatchFigures {
  const total = { claimed: 0, sent: 0, held: 0, retried: 0, fellBack: 0, failed: 0, cancelled: 0, expired: 0, lostLeases: 0, errors: 0 };
  for (const f of figures) for (const key of Object.keys(total) as (keyof DispatchFigures)[]) total[key] += f[key];
  return total;
}

describe("the outbox dispatcher with real senders and stand-in providers", () => {
  const database = useMigratedDatabase();
  const db = () => database.db;
  let twilio: FakeTwilio;
  let connector: FakeConnector;
  const smtp = new TestSmtpServer();
  let bot: TeamsBot;
  const opened: ChannelSender[] = [];
  let senders: Map<ChannelName, ChannelSender>;

  const smsSender = (overrides: Partial<SmsSenderSettings> = {}) => {
    const sender = createSmsSender({ accountSid: ACCOUNT, authToken: TOKEN, from: FROM_NUMBER, apiBaseUrl: twilio.url, timeoutMs: 5_000, ...overrides });
    opened.push(sender);
    return sender;
  };
  const emailSender = () => {
    const sender = createEmailSender({
      host: "127.0.0.1",
      port: smtp.port,
      secure: false,
      ignoreTLS: true,
      from: "Student Success <nudge@example.ac.uk>",
      publicBaseUrl: "https://nudge.example.ac.uk/",
      linkSecret: LINK_SECRET,
      timeoutMs: 5_000,
    });
    opened.push(sender);
    return sender;
  };
  const newSenders = (sms: ChannelSender = smsSender()) =>
    new Map<ChannelName, ChannelSender>([
      ["teams", createTeamsSender(bot.messenger, { timeoutMs: 5_000 })],
      ["sms", sms],
      ["email", emailSender()],
    ]);

  beforeAll(async () => {
    await smtp.start();
    // Local mode: no app id, so the adapter sends to the stand-in connector without credentials.
    bot = createTeamsBot({ appType: "MultiTenant" }, createLogger("silent"), createApp(db()));
  });
  beforeEach(async () => {
    // Fresh stand-ins for every case: a keep-alive connection left idle by an earlier case could
    // otherwise be closed by the stand-in (Node's 5 s idle limit) just as a sender reuses it.
    [twilio, connector] = await Promise.all([startFakeTwilio(), startFakeConnector()]);
    senders = newSenders();
    // Each case sees only its own due rows: whatever an earlier case left waiting is cancelled.
    await db().prisma.delivery.updateMany({
      where: { state: { in: ["pending", "sending"] } },
      data: { state: "cancelled", leaseOwner: null, leaseUntil: null },
    });
    // Each stand-in connector numbers its activities from 1: earlier cases' Teams ids are cleared so
    // the unique providerMessageId column does not meet the same number again.
    await db().prisma.delivery.updateMany({ where: { channel: "teams", providerMessageId: { not: null } }, data: { providerMessageId: null } });
  });
  afterEach(async () => {
    for (const sender of opened.splice(0)) await sender.close?.();
    await Promise.all([twilio?.close(), connector?.close()]);
  });
  afterAll(async () => {
    await smtp.stop();
  });

  // --- builders -------------------------------------------------------------------------------

  let sequence = 0;

  interface StudentOptions {
    teams?: boolean;
    mobile?: boolean;
    email?: boolean;
    timezone?: string;
    pausedUntil?: Date;
  }

  interface TestStudent {
    id: number;
    studentNumber: string;
    mobile: string | null;
    email: string | null;
    conversationId: string | null;
    teamsUserId: string | null;
  }

  async function makeStudent(options: StudentOptions = {}): Promise<TestStudent> {
    const n = ++sequence;
    const studentNumber = `OBX${String(n).padStart(5, "0")}`;
    const mobile = options.mobile === false ? null : `+4477009${String(10_000 + n).padStart(5, "0")}`;
    const email = options.email === false ? null : `student${n}@student.example.ac.uk`;
    const student = await db().prisma.student.create({
      data: {
        studentNumber,
        givenName: "Ada",
        familyName: `Student${n}`,
        mobile,
        email,
        timezone: options.timezone ?? "Europe/London",
        enrolmentStatus: "active",
        pausedUntil: options.pausedUntil ?? null,
      },
    });
    let conversationId: string | null = null;
    let teamsUserId: string | null = null;
    if (options.teams !== false) {
      conversationId = `a:1personal-chat-${n}`;
      teamsUserId = `29:1student-${n}`;
      await db().prisma.conversationReference.create({
        data: {
          studentId: student.id,
          teamsUserId,
          conversationId,
          serviceUrl: connector.serviceUrl,
          tenantId: "72f988bf-0000-4000-8000-000000000001",
          reference: referenceFor(connector.serviceUrl, conversationId, teamsUserId),
        },
      });
    }
    return { id: student.id, studentNumber, mobile, email, conversationId, teamsUserId };
  }

  const textsFor = (tag: string): TemplateData["texts"] => ({
    teams: `Teams ${tag}: we noticed you have not logged in this week.`,
    sms: `SMS ${tag}: we noticed you have not logged in this week.`,
    email: { subject: `Checking in (${tag})`, body: `Email ${tag}: we noticed you have not logged in this week.` },
  });

  interface Queued {
    interventionId: number;
    deliveryId: number;
    texts: TemplateData["texts"];
  }

  /** An approved intervention in the outbox: state queued, one pending delivery on its first channel. */
  async function queue(
    student: TestStudent,
    now: Date,
    options: { channels?: ChannelName[]; approvedAt?: Date; kind?: InterventionKind } = {},
  ): Promise<Queued> {
    const channels = options.channels ?? ["teams", "sms", "email"];
    const tag = `#${++sequence}`;
    const texts = textsFor(tag);
    const templateData: TemplateData = { texts, evidence: [], flagIds: [] };
    const intervention = await db().prisma.intervention.create({
      data: {
        studentId: student.id,
        kind: options.kind ?? "nudge",
        state: "queued",
        channelOrder: channels,
        subject: texts.email!.subject,
        body: `Body ${tag}`,
        templateData: templateData as object,
        proposedBy: "rule:no-vle-10-days@1",
        approvedAt: options.approvedAt ?? now,
      },
    });
    const delivery = await db().prisma.delivery.create({ data: { interventionId: intervention.id, channel: channels[0]!, dueAt: now } });
    return { interventionId: intervention.id, deliveryId: delivery.id, texts };
  }

  const deliveriesOf = (interventionId: number) => db().prisma.delivery.findMany({ where: { interventionId }, orderBy: { id: "asc" } });
  const deliveryOf = (id: number) => db().prisma.delivery.findUniqueOrThrow({ where: { id } });
  const interventionOf = (id: number) => db().prisma.intervention.findUniqueOrThrow({ where: { id } });
  const auditOf = (interventionId: number) =>
    db().prisma.auditLog.findMany({ where: { targetType: "intervention", targetId: String(interventionId) }, orderBy: { id: "asc" } });

  const sendsTo = (conversationId: string | null) =>
    connector.calls.filter((c) => c.method === "POST" && c.path === `/v3/conversations/${encodeURIComponent(conversationId ?? "")}/activities`);
  const smsRequestsTo = (mobile: string | null) => twilio.requests.filter((r) => r.form.To === mobile);
  /** How much every provider has received so far. */
  const providerTraffic = () => ({ connector: connector.calls.length, twilio: twilio.requests.length, smtp: smtp.received.length });

  /** Passes at one instant until nothing more is due then (fallbacks are due at once). */
  async function drain(now: Date, settings: DispatchSettings = SETTINGS, maxPasses = 10): Promise<DispatchFigures> {
    const passes: DispatchFigures[] = [];
    for (let i = 0; i < maxPasses; i++) {
      const figures = await dispatchOnce(db(), senders, settings, now);
      passes.push(figures);
      if (figures.claimed === 0) return sum(passes);
    }
    throw new Error(`still claiming after ${maxPasses} passes`);
  }

  // --- cases ----------------------------------------------------------------------------------

  it("sends a due Teams message once: the connector gets the text, the delivery and intervention are marked sent", async () => {
    const now = new Date();
    const student = await makeStudent();
    const { interventionId, deliveryId, texts } = await queue(student, now);

    const figures = await dispatchOnce(db(), senders, SETTINGS, now);
    expect(figures).toMatchObject({ claimed: 1, sent: 1, retried: 0, fellBack: 0, failed: 0, lostLeases: 0 });

    const calls = sendsTo(student.conversationId);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.status).toBe(200);
    expect(calls[0]!.body).toMatchObject({ type: "message", conversation: { id: student.conversationId }, recipient: { id: student.teamsUserId } });
    // A nudge goes as an Adaptive Card carrying the text and its buttons.
    expect(calls[0]!.body.attachments[0]).toMatchObject({
      contentType: "application/vnd.microsoft.card.adaptive",
      content: { type: "AdaptiveCard", version: "1.5" },
    });
    expect(shownText(calls[0]!.body)).toContain(texts.teams);

    const delivery = await deliveryOf(deliveryId);
    expect(delivery).toMatchObject({
      state: "sent",
      attempts: 1,
      providerMessageId: `${student.conversationId}|${calls[0]!.response.id}`,
      providerStatus: "accepted",
      lastError: null,
      heldReason: null,
      leaseOwner: null,
      leaseUntil: null,
    });
    expect(delivery.sentAt).toBeInstanceOf(Date);
    expect(await interventionOf(interventionId)).toMatchObject({ state: "sent", channel: "teams" });
    const sent = (await auditOf(interventionId)).filter((a) => a.action === "intervention.sent");
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      actorKind: "system",
      actorId: "outbox",
      studentId: student.id,
      details: { from: "queued", to: "sent", channel: "teams", deliveryId, attempts: 1 },
    });
    // Nothing on the other channels.
    expect(smsRequestsTo(student.mobile)).toHaveLength(0);
    expect(smtp.to(student.email!)).toHaveLength(0);

    // A second pass finds nothing due and sends nothing more.
    expect(await dispatchOnce(db(), senders, SETTINGS, now)).toMatchObject({ claimed: 0, sent: 0 });
    expect(sendsTo(student.conversationId)).toHaveLength(1);
    expect(await deliveriesOf(interventionId)).toHaveLength(1);
  });

  it("records a Teams message accepted without an activity id as sent, with no id, however many there are", async () => {
    // The Bot Connector sometimes accepts a send with 202 and no body: the messenger then has no id.
    const messenger: TeamsMessenger = {
      async sendToConversation(reference, activity, options) {
        await bot.messenger.sendToConversation(reference, activity, options);
        return { id: "" };
      },
    };
    const withoutIds = new Map(senders).set("teams", createTeamsSender(messenger, { timeoutMs: 5_000 }));
    const now = new Date();
    const students = [await makeStudent(), await makeStudent()];
    const queued = [await queue(students[0]!, now), await queue(students[1]!, now)];

    expect(await dispatchOnce(db(), withoutIds, SETTINGS, now)).toMatchObject({ claimed: 2, sent: 2, retried: 0 });
    for (const [i, student] of students.entries()) {
      const sends = sendsTo(student.conversationId);
      expect(sends).toHaveLength(1);
      expect(shownText(sends[0]!.body)).toContain(queued[i]!.texts.teams);
      expect(await deliveryOf(queued[i]!.deliveryId)).toMatchObject({ state: "sent", attempts: 1, providerMessageId: null, lastError: null });
      expect(await interventionOf(queued[i]!.interventionId)).toMatchObject({ state: "sent", channel: "teams" });
    }
  });

  it("puts an SMS back for later after a 429, no sooner than its Retry-After, then sends it", async () => {
    const now = new Date();
    const student = await makeStudent({ teams: false });
    const { interventionId, deliveryId, texts } = await queue(student, now, { channels: ["sms", "email"] });

    twilio.fail({ status: 429, retryAfter: "120" });
    const before = Date.now();
    expect(await dispatchOnce(db(), senders, SETTINGS, now)).toMatchObject({ claimed: 1, retried: 1, sent: 0 });
    const after = Date.now();

    const waiting = await deliveryOf(deliveryId);
    expect(waiting).toMatchObject({ state: "pending", attempts: 1, providerMessageId: null, sentAt: null, leaseOwner: null, heldReason: "retry 2 of 3" });
    expect(waiting.lastError).toMatch(/^retryable: Twilio answered HTTP 429 \(error 20429\): rate limited/);
    expect(waiting.dueAt.getTime() - before).toBeGreaterThanOrEqual(120_000);
    expect(waiting.dueAt.getTime()).toBeLessThanOrEqual(after + 120_000);
    expect(smsRequestsTo(student.mobile)).toHaveLength(1);
    expect(twilio.sentTo(student.mobile!)).toBe(0);
    expect(await interventionOf(interventionId)).toMatchObject({ state: "queued", channel: null });

    // Not due yet a minute later; due once the Retry-After has passed.
    expect(await dispatchOnce(db(), senders, SETTINGS, new Date(now.getTime() + 60_000))).toMatchObject({ claimed: 0 });
    expect(await dispatchOnce(db(), senders, SETTINGS, new Date(waiting.dueAt.getTime() + 1_000))).toMatchObject({ claimed: 1, sent: 1 });

    expect(twilio.sentTo(student.mobile!)).toBe(1);
    const requests = smsRequestsTo(student.mobile);
    expect(requests).toHaveLength(2);
    expect(requests[1]!.form).toMatchObject({ To: student.mobile, From: FROM_NUMBER, Body: texts.sms });
    const sent = await deliveryOf(deliveryId);
    expect(sent).toMatchObject({ state: "sent", attempts: 2, lastError: null, heldReason: null });
    expect(sent.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(await interventionOf(interventionId)).toMatchObject({ state: "sent", channel: "sms" });
  });

  it("gives up on SMS after maxAttempts 5xx answers and falls back to email, which arrives", async () => {
    const now = new Date();
    const student = await makeStudent({ teams: false });
    const { interventionId, deliveryId, texts } = await queue(student, now, { channels: ["sms", "email"] });
    twilio.fail({ status: 500 }, { status: 500 }, { status: 500 });

    expect(await dispatchOnce(db(), senders, SETTINGS, now)).toMatchObject({ claimed: 1, retried: 1 });
    expect(await deliveryOf(deliveryId)).toMatchObject({ state: "pending", attempts: 1, heldReason: "retry 2 of 3" });
    const hourLater = new Date(now.getTime() + 3_600_000);
    expect(await dispatchOnce(db(), senders, SETTINGS, hourLater)).toMatchObject({ claimed: 1, retried: 1 });
    expect(await deliveryOf(deliveryId)).toMatchObject({ state: "pending", attempts: 2, heldReason: "retry 3 of 3" });

    const twoHoursLater = new Date(now.getTime() + 2 * 3_600_000);
    expect(await dispatchOnce(db(), senders, SETTINGS, twoHoursLater)).toMatchObject({ claimed: 1, retried: 0, fellBack: 1 });
    const failed = await deliveryOf(deliveryId);
    expect(failed).toMatchObject({ state: "failed", attempts: 3, failedAt: twoHoursLater, providerMessageId: null, heldReason: null, leaseOwner: null });
    expect(failed.lastError).toBe("gave up after 3 tries: Twilio answered HTTP 500 (error 20500)");
    const [, email] = await deliveriesOf(interventionId);
    expect(email).toMatchObject({ channel: "email", state: "pending", attempts: 0, dueAt: twoHoursLater });
    const fallback = (await auditOf(interventionId)).filter((a) => a.action === "delivery.fallback");
    expect(fallback).toHaveLength(1);
    expect(fallback[0]).toMatchObject({ studentId: student.id, details: { from: "sms", to: "email", reason: failed.lastError } });
    expect(await interventionOf(interventionId)).toMatchObject({ state: "queued" });

    expect(await dispatchOnce(db(), senders, SETTINGS, twoHoursLater)).toMatchObject({ claimed: 1, sent: 1 });
    const mails = smtp.to(student.email!);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe(texts.email!.subject);
    expect(mails[0]!.text).toContain(texts.email!.body);
    const emailSent = await deliveryOf(email!.id);
    expect(emailSent).toMatchObject({ state: "sent", attempts: 1, providerMessageId: mails[0]!.messageId });
    expect(await interventionOf(interventionId)).toMatchObject({ state: "sent", channel: "email" });
    // Three refused requests reached Twilio, and no SMS was accepted.
    expect(smsRequestsTo(student.mobile).map((r) => r.fault)).toEqual([{ status: 500 }, { status: 500 }, { status: 500 }]);
    expect(twilio.sentTo(student.mobile!)).toBe(0);
  });

  it("treats a provider that never answers as retryable, within the sender's timeout", async () => {
    const now = new Date();
    const student = await makeStudent({ teams: false });
    const { interventionId, deliveryId, texts } = await queue(student, now, { channels: ["sms", "email"] });
    const impatient = newSenders(smsSender({ timeoutMs: 300 }));

    twilio.fail({ hang: true });
    const started = Date.now();
    expect(await dispatchOnce(db(), impatient, SETTINGS, now)).toMatchObject({ claimed: 1, retried: 1 });
    expect(Date.now() - started).toBeLessThan(5_000);
    const waiting = await deliveryOf(deliveryId);
    expect(waiting).toMatchObject({ state: "pending", attempts: 1, providerMessageId: null, heldReason: "retry 2 of 3" });
    expect(waiting.lastError).toMatch(/^retryable: Twilio did not answer/);
    // Retried after the first backoff: base 1000 ms, half fixed plus half of the jitter (random 0.5).
    expect(waiting.dueAt.getTime()).toBeGreaterThanOrEqual(started + 750);
    expect(twilio.sentTo(student.mobile!)).toBe(0);

    expect(await dispatchOnce(db(), impatient, SETTINGS, new Date(now.getTime() + 60_000))).toMatchObject({ claimed: 1, sent: 1 });
    expect(twilio.sentTo(student.mobile!)).toBe(1);
    expect(smsRequestsTo(student.mobile).at(-1)!.form.Body).toBe(texts.sms);
    expect(await deliveryOf(deliveryId)).toMatchObject({ state: "sent", attempts: 2 });
    expect(await interventionOf(interventionId)).toMatchObject({ state: "sent", channel: "sms" });
  });

  it("marks Teams unavailable on a 403 and falls back to SMS, which Twilio receives", async () => {
    const now = new Date();
    const student = await makeStudent();
    const { interventionId, deliveryId, texts } = await queue(student, now);

    connector.failNext({ status: 403 });
    expect(await dispatchOnce(db(), senders, SETTINGS, now)).toMatchObject({ claimed: 1, fellBack: 1 });
    expect(sendsTo(student.conversationId).map((c) => c.status)).toEqual([403]);
    const teams = await deliveryOf(deliveryId);
    expect(teams).toMatchObject({ state: "failed", attempts: 1, failedAt: now, providerMessageId: null });
    expect(teams.lastError).toMatch(/^unavailable: Teams answered 403/);
    const reference = await db().prisma.conversationReference.findUniqueOrThrow({ where: { studentId: student.id } });
    expect(reference.unavailableAt).toBeInstanceOf(Date);
    expect(reference.unavailableReason).toMatch(/Teams answered 403/);

    expect(await dispatchOnce(db(), senders, SETTINGS, now)).toMatchObject({ claimed: 1, sent: 1 });
    expect(twilio.sentTo(student.mobile!)).toBe(1);
    expect(smsRequestsTo(student.mobile)[0]!.form.Body).toBe(texts.sms);
    const deliveries = await deliveriesOf(interventionId);
    expect(deliveries.map((d) => [d.channel, d.state])).toEqual([
      ["teams", "failed"],
      ["sms", "sent"],
    ]);
    expect(await interventionOf(interventionId)).toMatchObject({ state: "sent", channel: "sms" });
    // Teams was tried once; the SDK did not retry it.
    expect(sendsTo(student.conversationId)).toHaveLength(1);

    // The next message to this student skips Teams without asking the connector.
    const next = await queue(student, now);
    await drain(now);
    expect(sendsTo(student.conversationId)).toHaveLength(1);
    expect((await deliveriesOf(next.interventionId)).map((d) => [d.channel, d.state, d.lastError])).toEqual([
      ["teams", "failed", expect.stringMatching(/^Teams unavailable: /)],
      ["sms", "sent", null],
    ]);
  });

  it("reads an SMS opt-out made after queueing: nothing goes to Twilio, the message goes by email", async () => {
    const now = new Date();
    const student = await makeStudent({ teams: false });
    const { interventionId, deliveryId, texts } = await queue(student, now, { channels: ["sms", "email"] });
    await db().prisma.student.update({ where: { id: student.id }, data: { smsOptOutAt: now } });

    expect(await drain(now)).toMatchObject({ claimed: 2, fellBack: 1, sent: 1 });
    expect(smsRequestsTo(student.mobile)).toHaveLength(0);
    expect(await deliveryOf(deliveryId)).toMatchObject({ state: "failed", attempts: 0, lastError: "the student opted out of sms" });
    const mails = smtp.to(student.email!);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe(texts.email!.subject);
    expect(await interventionOf(interventionId)).toMatchObject({ state: "sent", channel: "email" });
  });

  it.each([
    ["analytics consent withdrawn", "analytics consent withdrawn"],
    ["enrolment withdrawn", "the student is no longer actively enrolled (withdrawn)"],
    ["processing restricted", "processing is restricted for this student"],
  ])("cancels when things change after queueing (%s), and nothing reaches any provider", async (change, reason) => {
    const now = new Date();
    const student = await makeStudent();
    const { interventionId, deliveryId } = await queue(student, now);
    if (change === "analytics consent withdrawn") {
      await db().prisma.consent.create({
        data: { studentId: student.id, purpose: "analytics", state: "granted", source: "sis", recordedAt: new Date(now.getTime() - DAY_MS) },
      });
      await db().prisma.consent.create({ data: { studentId: student.id, purpose: "analytics", state: "withdrawn", source: "teams", recordedAt: now } });
    } else if (change === "enrolment withdrawn") {
      await db().prisma.student.update({ where: { id: student.id }, data: { enrolmentStatus: "withdrawn" } });
    } else {
      await db().prisma.student.update({ where: { id: student.id }, data: { restrictedAt: now } });
    }
    const traffic = providerTraffic();

    expect(await drain(now)).toMatchObject({ claimed: 1, cancelled: 1, sent: 0, fellBack: 0 });
    expect(providerTraffic()).toEqual(traffic);
    expect(await deliveriesOf(interventionId)).toEqual([
      expect.objectContaining({ id: deliveryId, state: "cancelled", attempts: 0, heldReason: reason, sentAt: null, leaseOwner: null }),
    ]);
    expect(await interventionOf(interventionId)).toMatchObject({ state: "cancelled", channel: null });
    const cancelled = (await auditOf(interventionId)).filter((a) => a.action === "intervention.cancelled");
    expect(cancelled).toHaveLength(1);
    expect(cancelled[0]!.details).toMatchObject({ from: "queued", to: "cancelled", reason });
  });

  describe("quiet hours in the student's timezone", () => {
    const quiet: DispatchSettings = { ...SETTINGS, rules: { ...SETTINGS.rules, quietHours: { from: 21 * 60, to: 8 * 60 } } };
    const night = new Date("2026-11-30T22:30:00Z");

    it("holds a message at 22:30 in London until 08:00 there, then sends it", async () => {
      const student = await makeStudent({ timezone: "Europe/London" });
      const { interventionId, deliveryId, texts } = await queue(student, night);
      const traffic = providerTraffic();

      expect(await dispatchOnce(db(), senders, quiet, night)).toMatchObject({ claimed: 1, held: 1, sent: 0 });
      expect(providerTraffic()).toEqual(traffic);
      expect(await deliveryOf(deliveryId)).toMatchObject({
        state: "pending",
        attempts: 0,
        dueAt: new Date("2026-12-01T08:00:00Z"),
        heldReason: "quiet hours",
        leaseOwner: null,
      });
      expect(await interventionOf(interventionId)).toMatchObject({ state: "queued" });

      // Still quiet a minute before the end; sent at the end.
      expect(await dispatchOnce(db(), senders, quiet, new Date("2026-12-01T07:59:00Z"))).toMatchObject({ claimed: 0 });
      expect(await dispatchOnce(db(), senders, quiet, new Date("2026-12-01T08:00:00Z"))).toMatchObject({ claimed: 1, sent: 1 });
      const sends = sendsTo(student.conversationId);
      expect(sends).toHaveLength(1);
      expect(shownText(sends[0]!.body)).toContain(texts.teams);
      expect(await deliveryOf(deliveryId)).toMatchObject({ state: "sent", heldReason: null });
    });

    it("holds a student in Tokyo at the same instant (07:30 there) until 08:00 Tokyo time", async () => {
      const student = await makeStudent({ timezone: "Asia/Tokyo" });
      const { deliveryId } = await queue(student, night);
      const traffic = providerTraffic();

      expect(await dispatchOnce(db(), senders, quiet, night)).toMatchObject({ claimed: 1, held: 1 });
      expect(providerTraffic()).toEqual(traffic);
      expect(await deliveryOf(deliveryId)).toMatchObject({ state: "pending", dueAt: new Date("2026-11-30T23:00:00Z"), heldReason: "quiet hours" });
    });
  });

  it("holds a message over the weekly cap until the oldest counted message is a week old; an answer to the student is not held", async () => {
    const now = new Date();
    const student = await makeStudent({ teams: false });
    // Three messages in the last 7 days, and one older one that no longer counts.
    for (const daysAgo of [1, 2, 3, 8]) {
      await db().prisma.intervention.create({
        data: {
          studentId: student.id,
          kind: "nudge",
          state: "sent",
          channel: "sms",
          body: `earlier, ${daysAgo} days ago`,
          proposedBy: "rule:no-vle-10-days@1",
          approvedAt: new Date(now.getTime() - daysAgo * DAY_MS),
          deliveries: {
            create: {
              channel: "sms",
              state: "sent",
              attempts: 1,
              dueAt: new Date(now.getTime() - daysAgo * DAY_MS),
              sentAt: new Date(now.getTime() - daysAgo * DAY_MS),
            },
          },
        },
      });
    }
    const nudge = await queue(student, now, { channels: ["sms", "email"] });
    const traffic = providerTraffic();

    expect(await dispatchOnce(db(), senders, SETTINGS, now)).toMatchObject({ claimed: 1, held: 1 });
    expect(providerTraffic()).toEqual(traffic);
    const held = await deliveryOf(nudge.deliveryId);
    expect(held).toMatchObject({ state: "pending", attempts: 0, dueAt: new Date(now.getTime() - 3 * DAY_MS + 7 * DAY_MS) });
    expect(held.heldReason).toMatch(/weekly cap of 3/);
    expect(await interventionOf(nudge.interventionId)).toMatchObject({ state: "queued" });

    // The student wrote in: the answer goes straight back, cap or not.
    const answer = await queue(student, now, { channels: ["sms"], kind: "reply" });
    expect(await dispatchOnce(db(), senders, SETTINGS, now)).toMatchObject({ claimed: 1, sent: 1, held: 0 });
    expect(smsRequestsTo(student.mobile).map((r) => r.form.Body)).toEqual([answer.texts.sms]);
    expect(await interventionOf(answer.interventionId)).toMatchObject({ state: "sent", channel: "sms" });
    expect(await deliveryOf(nudge.deliveryId)).toMatchObject({ state: "pending", dueAt: held.dueAt });
  });

  it("holds a message while the student has paused, until the pause ends", async () => {
    const now = new Date();
    const pausedUntil = new Date(now.getTime() + 14 * DAY_MS);
    const student = await makeStudent({ pausedUntil });
    const { interventionId, deliveryId } = await queue(student, now);
    const traffic = providerTraffic();

    expect(await dispatchOnce(db(), senders, SETTINGS, now)).toMatchObject({ claimed: 1, held: 1 });
    expect(providerTraffic()).toEqual(traffic);
    expect(await deliveryOf(deliveryId)).toMatchObject({ state: "pending", attempts: 0, dueAt: pausedUntil, heldReason: "paused by the student" });
    expect(await interventionOf(interventionId)).toMatchObject({ state: "queued" });
  });

  it("expires a message not sent within expiryDays of approval", async () => {
    const now = new Date();
    const student = await makeStudent();
    const { interventionId, deliveryId } = await queue(student, now, { approvedAt: new Date(now.getTime() - 8 * DAY_MS) });
    const traffic = providerTraffic();

    expect(await dispatchOnce(db(), senders, SETTINGS, now)).toMatchObject({ claimed: 1, expired: 1, sent: 0 });
    expect(providerTraffic()).toEqual(traffic);
    expect(await deliveriesOf(interventionId)).toEqual([
      expect.objectContaining({ id: deliveryId, state: "cancelled", heldReason: "not sent within 7 days of approval" }),
    ]);
    expect(await interventionOf(interventionId)).toMatchObject({ state: "expired" });
    expect((await auditOf(interventionId)).map((a) => a.action)).toContain("intervention.expired");
  });

  it("fails the intervention, saying why, when no channel can reach the student", async () => {
    const now = new Date();
    const student = await makeStudent({ teams: false, mobile: false, email: false });
    const { interventionId } = await queue(student, now);
    const traffic = providerTraffic();

    expect(await drain(now)).toMatchObject({ claimed: 3, fellBack: 2, failed: 1, sent: 0 });
    expect(providerTraffic()).toEqual(traffic);
    expect((await deliveriesOf(interventionId)).map((d) => [d.channel, d.state, d.lastError])).toEqual([
      ["teams", "failed", "no Teams conversation (the app is not installed for the student)"],
      ["sms", "failed", "no mobile number"],
      ["email", "failed", "no email address"],
    ]);
    expect(await interventionOf(interventionId)).toMatchObject({ state: "failed", channel: null });
    const audit = await auditOf(interventionId);
    expect(audit.filter((a) => a.action === "delivery.fallback").map((a) => a.details)).toEqual([
      expect.objectContaining({ from: "teams", to: "sms" }),
      expect.objectContaining({ from: "sms", to: "email" }),
    ]);
    const failed = audit.filter((a) => a.action === "intervention.failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]!.details).toMatchObject({ from: "queued", to: "failed", reason: "no channel could reach the student; last: email: no email address" });
  });

  it("sends each of 50 due messages exactly once when two dispatchers race for them", async () => {
    const now = new Date();
    const students: TestStudent[] = [];
    const queued: Queued[] = [];
    for (let i = 0; i < 50; i++) {
      const student = await makeStudent();
      students.push(student);
      queued.push(await queue(student, now, { channels: i % 2 === 0 ? ["teams", "sms"] : ["sms", "teams"] }));
    }
    // A second dispatcher with its own senders. On PostgreSQL it also has its own connection pool, as
    // another machine would; on SQLite it shares the handle (two handles to one file in one process
    // would wait on each other's locks inside the synchronous driver), as a second thread of one service does.
    const separatePool = db().kind === "postgresql";
    const elsewhere: Database = separatePool ? await openDatabase(database.url) : db();
    try {
      // Both start at once and claim in batches of 10, pass after pass, until nothing is left.
      const dispatcher = async (handle: Database, channels: Map<ChannelName, ChannelSender>, owner: string) => {
        const passes: DispatchFigures[] = [];
        for (let pass = 0; pass < 20; pass++) {
          passes.push(await dispatchOnce(handle, channels, { ...SETTINGS, owner, batchSize: 10 }, now));
          if (passes.at(-1)!.claimed === 0) break;
        }
        return sum(passes);
      };
      const [a, b] = await Promise.all([dispatcher(db(), senders, "host-a:101:aaaaaa"), dispatcher(elsewhere, newSenders(), "host-b:202:bbbbbb")]);
      // Every row claimed once, by one of them, and none lost to the other.
      expect(sum([a, b])).toMatchObject({ claimed: 50, sent: 50, lostLeases: 0, retried: 0, fellBack: 0 });
    } finally {
      if (separatePool) await elsewhere.close();
    }

    students.forEach((student, i) => {
      if (i % 2 === 0) {
        expect(sendsTo(student.conversationId), student.studentNumber).toHaveLength(1);
        expect(smsRequestsTo(student.mobile), student.studentNumber).toHaveLength(0);
      } else {
        expect(twilio.sentTo(student.mobile!), student.studentNumber).toBe(1);
        expect(smsRequestsTo(student.mobile), student.studentNumber).toHaveLength(1);
        expect(sendsTo(student.conversationId), student.studentNumber).toHaveLength(0);
      }
    });
    const deliveries = await db().prisma.delivery.findMany({ where: { id: { in: queued.map((q) => q.deliveryId) } } });
    expect(deliveries.map((d) => d.state)).toEqual(Array(50).fill("sent"));
    expect(deliveries.every((d) => d.attempts === 1 && d.leaseOwner === null)).toBe(true);
    expect(new Set(deliveries.map((d) => d.providerMessageId)).size).toBe(50);
    const sentAudits = await db().prisma.auditLog.findMany({
      where: { action: "intervention.sent", targetId: { in: queued.map((q) => String(q.interventionId)) } },
    });
    expect(sentAudits).toHaveLength(50);
    expect(await db().prisma.delivery.count({ where: { interventionId: { in: queued.map((q) => q.interventionId) } } })).toBe(50);
  });

  it("records a bounce reported after an email was accepted: the delivery and the intervention fail", async () => {
    const now = new Date();
    const student = await makeStudent({ teams: false, mobile: false });
    const { interventionId, deliveryId } = await queue(student, now, { channels: ["email"] });
    expect(await dispatchOnce(db(), senders, SETTINGS, now)).toMatchObject({ sent: 1 });
    const sent = await deliveryOf(deliveryId);
    expect(sent.providerMessageId).toMatch(new RegExp(`^<nudge\\.d${deliveryId}\\.[0-9a-f]{16}@example\\.ac\\.uk>$`));
    expect(smtp.to(student.email!).map((m) => m.messageId)).toEqual([sent.providerMessageId]);

    expect(await recordBounces(db(), [sent.providerMessageId!, "<unknown@example.ac.uk>"], "550 5.1.1 mailbox unavailable")).toBe(1);
    const bounced = await deliveryOf(deliveryId);
    expect(bounced).toMatchObject({ state: "failed", providerStatus: "bounced", lastError: "550 5.1.1 mailbox unavailable" });
    expect(bounced.failedAt).toBeInstanceOf(Date);
    expect(await interventionOf(interventionId)).toMatchObject({ state: "failed" });
    const failed = (await auditOf(interventionId)).filter((a) => a.action === "intervention.failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]!.details).toMatchObject({ from: "sent", to: "failed", reason: "550 5.1.1 mailbox unavailable", deliveryId });

    // The same report again changes nothing.
    expect(await recordBounces(db(), [sent.providerMessageId!])).toBe(0);
    expect((await auditOf(interventionId)).filter((a) => a.action === "intervention.failed")).toHaveLength(1);
  });
});

describe("retryDelayMs", () => {
  const HOUR = 3_600_000;

  it("doubles per attempt from the base", () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, undefined, 1000, () => 1))).toEqual([1000, 2000, 4000, 8000]);
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, undefined, 1000, () => 0))).toEqual([500, 1000, 2000, 4000]);
    // The default base is 30 seconds.
    expect(retryDelayMs(1, undefined, undefined, () => 1)).toBe(30_000);
  });

  it("is capped at an hour", () => {
    expect(retryDelayMs(8, undefined, 30_000, () => 1)).toBe(HOUR);
    expect(retryDelayMs(40, undefined, 30_000, () => 1)).toBe(HOUR);
    expect(retryDelayMs(40, undefined, 30_000, () => 0)).toBe(HOUR / 2);
  });

  it("is never shorter than the provider's Retry-After", () => {
    expect(retryDelayMs(1, 120_000, 1000, () => 0.5)).toBe(120_000);
    expect(retryDelayMs(1, 2 * HOUR, 30_000, () => 1)).toBe(2 * HOUR);
    // A Retry-After shorter than the backoff does not shorten it.
    expect(retryDelayMs(3, 100, 1000, () => 1)).toBe(4000);
    expect(retryDelayMs(3, 0, 1000, () => 0)).toBe(2000);
  });

  it("jitters within [half, full] of the exponential delay", () => {
    for (const attempt of [1, 2, 5, 12]) {
      const full = Math.min(HOUR, 1000 * 2 ** (attempt - 1));
      for (const r of [0, 0.001, 0.25, 0.5, 0.75, 0.999999]) {
        const delay = retryDelayMs(attempt, undefined, 1000, () => r);
        expect(delay).toBeGreaterThanOrEqual(full / 2);
        expect(delay).toBeLessThanOrEqual(full);
      }
      expect(retryDelayMs(attempt, undefined, 1000, () => 0.5)).toBe(Math.round(full * 0.75));
    }
  });
});
