/**
 * The whole path of issue 5 on the running service, with real parts at every boundary: a rule's
 * flag becomes a nudge, the outbox sends it to Teams (a local Bot Connector stand-in), the student
 * answers by SMS (webhooks signed with twilio's own helper), asks for help, the tutor approves the
 * invitation, it goes by SMS (a local Twilio REST stand-in), and the email unsubscribe link works
 * (a real SMTP server on loopback receives the mail).
 */
import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatchDue } from "../../delivery/outbox.ts";
import { readUnsubscribeToken } from "../../channels/unsubscribe-links.ts";
import { approveIntervention, DEFAULT_POLICY, proposeFromFlags } from "../../interventions/index.ts";
import { staffByNumber } from "../../access/index.ts";
import { checkFiles, runRules, saveAll, setEnabled } from "../../rules/index.ts";
import { createChannelSenders } from "../../server/channel-senders.ts";
import { createProactiveMessenger } from "../../bot/index.ts";
import { parseConfig, type Config } from "../../server/config.ts";
import { createLogger } from "../../core/index.ts";
import { startService, type RunningService } from "../../server/service.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { shownText, startFakeConnector, teamsMessage, type FakeConnector } from "../helpers/fake-connector.ts";
import { startFakeTwilio, type FakeTwilio } from "../helpers/fake-twilio.ts";
import { TestSmtpServer } from "../helpers/smtp-sink.ts";
import { buildWorld, D, except, healthy, RUN_TIME } from "../rules/world.ts";

const TOKEN = "journey-auth-token-0123456789abcdef";
const SID = `AC${"a".repeat(32)}`;
const PUBLIC = "https://nudge.example.ac.uk";
const MOBILE = "+447700900123";
const AAD = "6b1d2c9e-0000-4000-8000-00000000a001";

describe("a message's journey through the service", () => {
  let testDb: TestDatabase;
  let service: RunningService;
  let connector: FakeConnector;
  let fakeTwilio: FakeTwilio;
  let smtp: TestSmtpServer;
  let config: Config;
  let base: string;
  let studentId: number;
  const dispatch = async () => {
    const logger = createLogger("silent");
    const senders = createChannelSenders(config, logger, createProactiveMessenger(config.bot, logger));
    try {
      return await dispatchDue(service.db, senders, { owner: "journey", rules: config.delivery, maxAttempts: 2 });
    } finally {
      await Promise.all([...senders.values()].map((s) => s.close?.()));
    }
  };
  const sms = async (body: string, messageSid: string, signWith = TOKEN) => {
    const fields = { MessageSid: messageSid, AccountSid: SID, From: MOBILE, To: "+447700900999", Body: body };
    const signature = twilio.getExpectedTwilioSignature(signWith, `${PUBLIC}/api/sms/inbound`, fields);
    const response = await fetch(`${base}/api/sms/inbound`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
      body: new URLSearchParams(fields).toString(),
    });
    return { status: response.status, body: await response.text() };
  };

  beforeAll(async () => {
    testDb = await createTestDatabase();
    connector = await startFakeConnector();
    fakeTwilio = await startFakeTwilio();
    smtp = new TestSmtpServer();
    await smtp.start();
    config = parseConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: testDb.url,
      LOG_LEVEL: "silent",
      PUBLIC_BASE_URL: PUBLIC,
      NUDGE_CHANNELS: "teams,sms,email",
      TWILIO_ACCOUNT_SID: SID,
      TWILIO_AUTH_TOKEN: TOKEN,
      TWILIO_FROM: "+447700900999",
      TWILIO_API_BASE_URL: fakeTwilio.url,
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: String(smtp.port),
      EMAIL_FROM: "Student Success <nudge@example.ac.uk>",
      EMAIL_REPLY_TO: "replies@example.ac.uk",
      NUDGE_LINK_SECRET: "journey-link-secret-of-32-characters-or-more",
      NUDGE_QUIET_HOURS: "off",
      // The test dispatches itself; the job's slot never comes during the test.
      NUDGE_OUTBOX_SCHEDULE: "0 0 1 1 *",
      NUDGE_RULES_SCHEDULE: "0 0 1 1 *",
    });
    service = await startService(config, createLogger("silent"));
    base = `http://127.0.0.1:${service.port}`;

    const db = service.db;
    const quiet = except(healthy(), (day, usual) => (day > D - 12 ? { ...usual, vle: undefined } : usual));
    const world = await buildWorld(db, [{ number: "S1", programme: "XA", year: 2, activity: quiet }]);
    studentId = world.ids.get("S1")!;
    await db.prisma.student.update({
      where: { id: studentId },
      data: { givenName: "Sam", entraObjectId: AAD, mobile: MOBILE, email: "sam@student.example.ac.uk" },
    });
    const checked = checkFiles("rules/library", null);
    const author = (await staffByNumber(db, world.adminNumber))!;
    await saveAll(db, { calendar: checked.calendar, rules: checked.rules }, author);
    await setEnabled(db, "no-vle-10-days", true, author);
  });

  afterAll(async () => {
    await service.stop();
    await Promise.all([connector.close(), fakeTwilio.close(), smtp.stop()]);
    await testDb.drop();
  });

  it("stores the student's Teams conversation when they first write to the bot", async () => {
    const response = await fetch(`${base}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(teamsMessage(connector.serviceUrl, "hello", { from: { id: "29:1student-teams-id", name: "Sam", aadObjectId: AAD } })),
    });
    expect(response.status).toBeLessThan(300);
    const reference = await service.db.prisma.conversationReference.findUniqueOrThrow({ where: { studentId } });
    expect(reference).toMatchObject({ teamsUserId: "29:1student-teams-id", serviceUrl: connector.serviceUrl, unavailableAt: null });
  });

  it("flags the student, queues the rule's nudge and sends it by Teams, first in the rule's order", async () => {
    await runRules(service.db, { asOfDay: D, trigger: "manual", now: RUN_TIME });
    const proposed = await proposeFromFlags(service.db, { policy: DEFAULT_POLICY, channels: config.channels, now: new Date() });
    expect(proposed).toMatchObject({ interventionsCreated: 1, autoApproved: 1 });
    const before = connector.calls.length;
    const figures = await dispatch();
    expect(figures).toMatchObject({ claimed: 1, sent: 1, failed: 0 });
    const sent = connector.calls.slice(before).filter((c) => c.method === "POST" && /\/activities$/.test(c.path));
    expect(sent).toHaveLength(1);
    // A card with the text and its buttons.
    expect(shownText(sent[0]!.body)).toMatch(/^Hi Sam, /);
    const nudge = await service.db.prisma.intervention.findFirstOrThrow({ where: { studentId, kind: "nudge" }, include: { deliveries: true } });
    expect(nudge).toMatchObject({ state: "sent", channel: "teams" });
    expect(nudge.deliveries[0]!.providerMessageId).toBeTruthy();
    expect(fakeTwilio.requests).toHaveLength(0);
  });

  it("answers an SMS 'why?' with the evidence, and refuses a forged one with nothing recorded", async () => {
    const forged = await sms("why?", "SM00000000000000000000000000000001", "not-the-token-at-all-0000000000");
    expect(forged.status).toBe(403);
    expect(await service.db.prisma.reply.count({ where: { channel: "sms" } })).toBe(0);

    const why = await sms("why did I get this?", "SM00000000000000000000000000000002");
    expect(why.status).toBe(200);
    expect(why.body).toContain("<Message>");
    // By SMS: what was noticed in plain words, with neither figures nor dates (POLICY P13).
    const message = /<Message>([^<]*)<\/Message>/.exec(why.body)![1]!;
    expect(message).toMatch(/^We sent it because we haven.{1,6}t seen much of you on the VLE recently\./);
    expect(message).not.toMatch(/\d/);
    const reply = await service.db.prisma.reply.findFirstOrThrow({ where: { studentId, channel: "sms" } });
    expect(reply).toMatchObject({ channel: "sms", classification: "why" });
    // Replayed by Twilio: recorded once.
    await sms("why did I get this?", "SM00000000000000000000000000000002");
    expect(await service.db.prisma.reply.count({ where: { channel: "sms" } })).toBe(1);
  });

  it("answers 'why?' in Teams in the same turn, with the figures (inside the university's tenant)", async () => {
    const before = connector.calls.length;
    const activity = teamsMessage(connector.serviceUrl, "why did I get this?", {
      id: "1700000000777",
      from: { id: "29:1student-teams-id", name: "Sam", aadObjectId: AAD },
    });
    const response = await fetch(`${base}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(activity) });
    expect(response.status).toBeLessThan(300);
    const answers = connector.calls.slice(before).filter((c) => c.method === "POST" && /\/activities/.test(c.path));
    expect(answers).toHaveLength(1);
    // In Teams: the same in plain words with the day, and the check by its name.
    expect(answers[0]!.body.text).toMatch(
      /^We sent it because we haven't seen you on the VLE (since \d{1,2} [A-Z][a-z]+|for \d+ days)\. That's from our "No VLE activity for 10 days" check, on data up to \d{1,2} [A-Z][a-z]+\./,
    );
    expect(answers[0]!.body.text).not.toMatch(/fraction|ratio|Figures:/);
    expect(await service.db.prisma.reply.findFirstOrThrow({ where: { channel: "teams", classification: "why" } })).toMatchObject({
      providerMessageId: "teams:a:1personal-chat-id:1700000000777",
    });
  });

  it("turns 'I need help' into an invitation the tutor approves, sent by SMS as the student wrote by SMS", async () => {
    const help = await sms("I need help with my coursework", "SM00000000000000000000000000000003");
    expect(help.body).toContain("We've asked Dr Tutor to get in touch");
    const invitation = await service.db.prisma.intervention.findFirstOrThrow({ where: { studentId, kind: "invitation_to_talk" } });
    expect(invitation.state).toBe("awaiting_approval");
    const before = fakeTwilio.requests.length;
    expect(await dispatch()).toMatchObject({ sent: 0 }); // nothing leaves before a person approves

    await approveIntervention(service.db, { interventionId: invitation.id, staffNumber: "T0001" }, DEFAULT_POLICY);
    expect(await dispatch()).toMatchObject({ sent: 1 });
    const sent = fakeTwilio.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.form).toMatchObject({ To: MOBILE, StatusCallback: `${PUBLIC}/api/sms/status` });
    expect(sent[0]!.form.Body).toContain("Could we have a short chat?");
    expect(await service.db.prisma.intervention.findUniqueOrThrow({ where: { id: invitation.id } })).toMatchObject({ state: "sent", channel: "sms" });
  });

  it("texts STOP: opted out of SMS, so the next message goes by the next channel (email), with a working unsubscribe link", async () => {
    const stop = await sms("STOP", "SM00000000000000000000000000000004");
    expect(stop.status).toBe(200);
    expect((await service.db.prisma.student.findUniqueOrThrow({ where: { id: studentId } })).smsOptOutAt).not.toBeNull();

    const message = await service.db.prisma.intervention.create({
      data: {
        studentId,
        kind: "staff_message",
        state: "awaiting_approval",
        body: "Hi Sam, just checking in after our chat.",
        subject: "Checking in",
        channelOrder: ["sms", "email"],
        proposedBy: "staff:T0001",
      },
    });
    await approveIntervention(service.db, { interventionId: message.id, staffNumber: "T0001" }, DEFAULT_POLICY);
    const twilioBefore = fakeTwilio.requests.length;
    const figures = await dispatch();
    expect(figures).toMatchObject({ fellBack: 1, sent: 1 });
    expect(fakeTwilio.requests.length).toBe(twilioBefore); // nothing to an opted-out number
    const mail = smtp.received.at(-1)!;
    expect(mail.rcptTo).toEqual(["sam@student.example.ac.uk"]);
    expect(mail.parsed.text).toContain("Hi Sam, just checking in after our chat.");
    expect(mail.parsed.replyTo?.text).toBe("replies@example.ac.uk");
    const unsubscribe = mail.raw.toString().match(/^List-Unsubscribe:\s*<(https:[^>]+)>/im)![1]!; // the header may fold
    expect(mail.raw.toString()).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click/im);
    const token = new URL(unsubscribe).searchParams.get("t")!;
    expect(readUnsubscribeToken(config.linkSecret, token)).toBe(studentId);

    const oneClick = await fetch(`${base}/api/email/unsubscribe?t=${encodeURIComponent(token)}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(oneClick.status).toBe(200);
    expect((await service.db.prisma.student.findUniqueOrThrow({ where: { id: studentId } })).emailOptOutAt).not.toBeNull();
    const optOuts = await service.db.prisma.auditLog.findMany({ where: { studentId, action: "channel.opt_out" }, orderBy: { id: "asc" } });
    expect(optOuts.map((a) => a.targetId)).toEqual(["sms", "email"]);
  });
});
