/**
 * Safeguarding end to end on the running service, with real parts at every boundary: a student
 * writes in Teams (activities posted to /api/messages), by SMS (webhooks signed with twilio's own
 * helper) and by email (raw MIME posted to the inbound route). A crisis gets the crisis lines in
 * the answer itself, and the safeguarding contacts get the alert in Teams and by email (a real SMTP
 * server on loopback) in the same outbox cycle; nobody acknowledging escalates it after the set
 * time (clock injected); acknowledging stops that. Distress reaches the tutor within the working
 * hour. Nothing here thanks, opts out or pauses the student.
 */
import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextWorkingInstant } from "../../core/working-hours.ts";
import { escalateUnacknowledged } from "../../safeguarding/index.ts";
import { parseConfig, type Config } from "../../server/config.ts";
import { createLogger } from "../../core/index.ts";
import { conversationSettings } from "../../server/privacy-routes.ts";
import { startService, type RunningService } from "../../server/service.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { cardActions, shownText, startFakeConnector, teamsCardAction, teamsMessage, type FakeConnector } from "../helpers/fake-connector.ts";
import { TestSmtpServer } from "../helpers/smtp-sink.ts";
import { outboxCycle as runOutboxCycle } from "../helpers/staff-outbox.ts";
import { buildWorld, healthy } from "../rules/world.ts";

const TOKEN = "safeguarding-journey-auth-token-0123456789";
const SID = `AC${"b".repeat(32)}`;
const PUBLIC = "https://nudge.example.ac.uk";
const INBOUND = "inbound-token-for-the-safeguarding-journey";
const MOBILE = "+447700900321";
const STUDENT_EMAIL = "sam.email@student.example.ac.uk";
const DUTY = "duty@wellbeing.example.ac.uk";
const aad = (n: number) => `6b1d2c9e-0000-4000-8000-${String(n).padStart(12, "0")}`;
const PEOPLE = {
  teamsStudent: aad(101),
  tutor: aad(201),
  lead: aad(301),
};

describe("a student in crisis or distress reaches a person at once", () => {
  let testDb: TestDatabase;
  let service: RunningService;
  let connector: FakeConnector;
  let smtp: TestSmtpServer;
  let config: Config;
  let base: string;
  const ids = new Map<string, number>();
  const p = () => service.db.prisma;

  /** One outbox cycle as the scheduled job runs it: staff first, then students; at `at` (default now). */
  const outboxCycle = (at?: Date) => runOutboxCycle(service.db, config, "journey", at);
  const conversation = (who: string) => ({ conversationType: "personal", tenantId: "72f988bf-0000-4000-8000-000000000001", id: `a:chat-${who}` });
  const teams = async (who: keyof typeof PEOPLE, text: string) => {
    const from = connector.calls.length;
    const response = await fetch(`${base}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(
        teamsMessage(connector.serviceUrl, text, {
          id: `m-${Math.random()}`,
          from: { id: `29:${who}`, name: who, aadObjectId: PEOPLE[who] },
          conversation: conversation(who),
        }),
      ),
    });
    expect(response.status).toBeLessThan(300);
    return connector.calls.slice(from).filter((c) => c.method === "POST" && c.path.includes(encodeURIComponent(conversation(who).id)));
  };
  const sms = async (body: string, messageSid: string) => {
    const fields = { MessageSid: messageSid, AccountSid: SID, From: MOBILE, To: "+447700900999", Body: body };
    const signature = twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}/api/sms/inbound`, fields);
    const response = await fetch(`${base}/api/sms/inbound`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
      body: new URLSearchParams(fields).toString(),
    });
    expect(response.status).toBe(200);
    return (/<Message>([\s\S]*?)<\/Message>/.exec(await response.text())?.[1] ?? "")
      .replace(/&apos;/g, "'")
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, "&");
  };
  const email = async (text: string, messageId: string) => {
    const mime = [
      `From: Sam Email <${STUDENT_EMAIL}>`,
      "To: replies@example.ac.uk",
      "Subject: Re: checking in",
      `Message-ID: <${messageId}@mail.example.ac.uk>`,
      "Date: Mon, 7 Dec 2026 10:00:00 +0000",
      "Content-Type: text/plain; charset=utf-8",
      "",
      text,
      "",
    ].join("\r\n");
    const response = await fetch(`${base}/api/email/inbound`, {
      method: "POST",
      headers: { "content-type": "message/rfc822", authorization: `Bearer ${INBOUND}` },
      body: mime,
    });
    expect(response.status).toBe(200);
  };
  const mailTo = (address: string, since = 0) => smtp.received.slice(since).filter((m) => m.rcptTo.includes(address));
  const teamsTo = (who: keyof typeof PEOPLE, since: number) =>
    connector.calls.slice(since).filter((c) => c.method === "POST" && c.path.includes(encodeURIComponent(conversation(who).id)));
  const student = (key: string) => p().student.findUniqueOrThrow({ where: { id: ids.get(key)! } });

  beforeAll(async () => {
    testDb = await createTestDatabase();
    connector = await startFakeConnector();
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
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: String(smtp.port),
      EMAIL_FROM: "Student Success <nudge@example.ac.uk>",
      NUDGE_EMAIL_INBOUND_TOKEN: INBOUND,
      NUDGE_LINK_SECRET: "safeguarding-journey-link-secret-of-32-chars",
      NUDGE_QUIET_HOURS: "off",
      NUDGE_SAFEGUARDING_CONTACTS: `W0001,${DUTY}`,
      NUDGE_SAFEGUARDING_ESCALATION_CONTACTS: "W0002",
      NUDGE_SAFEGUARDING_ESCALATE_MINUTES: "30",
      NUDGE_WELLBEING_CONTACT: "Student Wellbeing: 01234 567890, wellbeing@example.ac.uk",
      NUDGE_OUTBOX_SCHEDULE: "0 0 1 1 *",
      NUDGE_RULES_SCHEDULE: "0 0 1 1 *",
      NUDGE_DIGEST_SCHEDULE: "0 0 1 1 *",
      NUDGE_MEETING_NOTICES_SCHEDULE: "0 0 1 1 *",
      NUDGE_RETENTION_SCHEDULE: "0 0 1 1 *",
      NUDGE_SAFEGUARDING_SCHEDULE: "0 0 1 1 *",
    });
    service = await startService(config, createLogger("silent"));
    base = `http://127.0.0.1:${service.port}`;
    const world = await buildWorld(
      service.db,
      ["T1", "S2", "E3"].map((number) => ({ number, programme: "CS", year: 1, activity: healthy() })),
    );
    for (const [key, id] of world.ids) ids.set(key, id);
    await p().student.update({ where: { id: ids.get("T1")! }, data: { givenName: "Tam", familyName: "Teams", entraObjectId: PEOPLE.teamsStudent } });
    await p().student.update({ where: { id: ids.get("S2")! }, data: { givenName: "Sol", familyName: "Sms", mobile: MOBILE } });
    await p().student.update({ where: { id: ids.get("E3")! }, data: { givenName: "Sam", familyName: "Email", email: STUDENT_EMAIL } });
    await p().staff.update({ where: { staffNumber: "T0001" }, data: { entraObjectId: PEOPLE.tutor, email: "tutor@example.ac.uk" } });
    for (const [number, name, address, entra] of [
      ["W0001", "Wellbeing Lead", "lead@example.ac.uk", PEOPLE.lead],
      ["W0002", "Head of Wellbeing", "head@example.ac.uk", null],
    ] as const) {
      const staff = await p().staff.create({ data: { staffNumber: number, displayName: name, email: address, entraObjectId: entra } });
      await p().staffRoleAssignment.create({ data: { staffId: staff.id, role: "safeguarding", scopeKey: "safeguarding" } });
    }
    // The tutor and the lead have the app: their first message stores the conversation.
    await teams("tutor", "hello");
    await teams("lead", "hello");
  });

  afterAll(async () => {
    await service?.stop();
    await connector?.close();
    await smtp?.stop();
    await testDb?.drop();
  });

  it("in Teams: the crisis lines in the same turn, and the lead's Teams card and both emails in the same outbox cycle", async () => {
    const answers = await teams("teamsStudent", "honestly i cant see the point anymore, i want to kill myself");
    const answer = answers.map((a) => shownText(a.body)).join("\n");
    expect(answer).toMatch(/116 123/);
    expect(answer).toMatch(/SHOUT to 85258/);
    expect(answer).toMatch(/999/);
    expect(answer).toContain("Student Wellbeing: 01234 567890");
    expect(answer).not.toMatch(/thank|reply STOP|unsubscribe/i);
    const reply = await p().reply.findFirstOrThrow({ where: { studentId: ids.get("T1")! }, include: { concern: true } });
    expect(reply).toMatchObject({ classification: "crisis", safeguarding: "crisis" });
    expect(reply.concern).toMatchObject({ level: "crisis", state: "open" });

    const calls = connector.calls.length;
    const mails = smtp.received.length;
    const figures = await outboxCycle();
    expect(figures.staff.sent).toBeGreaterThanOrEqual(4);
    const card = teamsTo("lead", calls).at(-1)?.body?.attachments?.[0]?.content;
    expect(shownText({ attachments: [{ content: card }] })).toContain("Urgent: a student may be at risk");
    expect(shownText({ attachments: [{ content: card }] })).toContain("i want to kill myself");
    expect(cardActions(card).map((a) => a.verb)).toContain("safeguarding.acknowledge");
    for (const address of ["lead@example.ac.uk", DUTY]) {
      const [mail] = mailTo(address, mails);
      expect(mail?.parsed.subject, address).toMatch(/^URGENT: Urgent: a student may be at risk \(T1\)/);
      expect(mail?.parsed.text).toContain("i want to kill myself");
      expect(mail?.parsed.text).toMatch(new RegExp(`${PUBLIC}/safeguarding/acknowledge/\\S+`));
    }
    // The personal tutor is told too, in Teams.
    expect(teamsTo("tutor", calls).length).toBeGreaterThanOrEqual(1);
    const after = await student("T1");
    expect({ teams: after.teamsOptOutAt, paused: after.pausedUntil }).toEqual({ teams: null, paused: null });
  });

  it("by SMS: the crisis lines in the TwiML answer, alerts sent, the student not opted out", async () => {
    const answer = await sms("End it all tonight. i cant do this", "SM10000000000000000000000000000001");
    expect(answer).toMatch(/116 123/);
    expect(answer).toMatch(/999/);
    expect(answer).not.toMatch(/thank|STOP/i);
    const mails = smtp.received.length;
    await outboxCycle();
    expect(mailTo(DUTY, mails).map((m) => m.parsed.subject)).toEqual([expect.stringMatching(/\(S2\)$/)]);
    expect((await student("S2")).smsOptOutAt).toBeNull();
  });

  it("by email: the answer comes back by email with the crisis lines, in the same cycle as the alerts", async () => {
    await email("I've taken all my tablets. Sorry.", "crisis-by-email");
    const mails = smtp.received.length;
    await outboxCycle();
    const [answer] = mailTo(STUDENT_EMAIL, mails);
    expect(answer?.parsed.text).toMatch(/116 123/);
    expect(answer?.parsed.text).not.toMatch(/thanks for your reply/i);
    expect(mailTo(DUTY, mails).map((m) => m.parsed.subject)).toEqual([expect.stringMatching(/\(E3\)$/)]);
    expect((await student("E3")).emailOptOutAt).toBeNull();
  });

  it("escalates what nobody acknowledged after 30 minutes, once, and not what someone acknowledged", async () => {
    const concerns = await p().safeguardingConcern.findMany({ where: { level: "crisis" }, orderBy: { id: "asc" }, include: { student: true } });
    expect(concerns.map((c) => c.student.studentNumber)).toEqual(["T1", "S2", "E3"]);
    // The lead presses "I'm handling this" on the Teams card about T1.
    const pressed = await fetch(`${base}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(
        teamsCardAction(
          connector.serviceUrl,
          "safeguarding.acknowledge",
          { concernId: concerns[0]!.id },
          { from: { id: "29:lead", name: "lead", aadObjectId: PEOPLE.lead }, conversation: conversation("lead") },
        ),
      ),
    });
    const card = (await pressed.json()) as { value?: unknown };
    expect(shownText({ attachments: [{ content: card.value }] })).toMatch(/✓ Acknowledged by Wellbeing Lead at \d\d:\d\d/);
    // S2's is acknowledged through the link in the duty mailbox's email: the page first, then its button.
    const link = /https:\/\/nudge\.example\.ac\.uk(\/safeguarding\/acknowledge\/\S+)/.exec(
      smtp.received.find((m) => m.rcptTo.includes(DUTY) && m.parsed.subject?.endsWith("(S2)"))!.parsed.text!,
    )![1]!;
    const page = await fetch(`${base}${link}`);
    expect(await page.text()).toContain("I'm handling this");
    expect((await p().safeguardingConcern.findUniqueOrThrow({ where: { id: concerns[1]!.id } })).state).toBe("open");
    expect((await fetch(`${base}${link}`, { method: "POST" })).status).toBe(200);
    expect(await p().safeguardingConcern.findUniqueOrThrow({ where: { id: concerns[1]!.id } })).toMatchObject({ state: "acknowledged", acknowledgedBy: DUTY });
    // A forged link changes nothing.
    expect((await fetch(`${base}${link.slice(0, -3)}AAA`, { method: "POST" })).status).toBe(404);

    const settings = conversationSettings(config).safeguarding;
    const early = await escalateUnacknowledged(service.db, settings, new Date(concerns[2]!.raisedAt.getTime() + 29 * 60_000));
    expect(early.escalated).toBe(0);
    const late = new Date(concerns[2]!.raisedAt.getTime() + 31 * 60_000);
    expect((await escalateUnacknowledged(service.db, settings, late)).escalated).toBe(1);
    expect((await escalateUnacknowledged(service.db, settings, late)).escalated).toBe(0);
    const mails = smtp.received.length;
    await outboxCycle(late);
    const escalated = mailTo("head@example.ac.uk", mails);
    expect(escalated.map((m) => m.parsed.subject)).toEqual([expect.stringMatching(/^URGENT: Not yet acknowledged\. Urgent: a student may be at risk \(E3\)$/)]);
    const audit = await p().auditLog.findMany({
      where: { action: { in: ["safeguarding.raised", "safeguarding.acknowledged", "safeguarding.escalated"] } },
      orderBy: { id: "asc" },
    });
    expect(audit.map((a) => a.action)).toEqual([
      "safeguarding.raised",
      "safeguarding.raised",
      "safeguarding.raised",
      "safeguarding.acknowledged",
      "safeguarding.acknowledged",
      "safeguarding.escalated",
    ]);
  });

  it("distress: a kind answer with support, and the tutor told within the working hour", async () => {
    const answers = await teams("teamsStudent", "sorry i've missed lectures, my nan died last week");
    const answer = answers.map((a) => shownText(a.body)).join("\n");
    expect(answer).toMatch(/I'm so sorry for your loss/);
    expect(answer).toContain("Student Wellbeing");
    expect(answer).not.toMatch(/thanks for your reply/i);
    const reply = await p().reply.findFirstOrThrow({ where: { studentId: ids.get("T1")!, classification: "distress" }, include: { concern: true } });
    expect(reply.concern).toMatchObject({ level: "distress", state: "open", escalateAt: null });
    const notice = await p().staffMessage.findFirstOrThrow({ where: { concernId: reply.concern!.id } });
    const due = nextWorkingInstant(reply.receivedAt, config.timezone, config.workingHours);
    expect(notice.dueAt.getTime()).toBe(due.getTime());
    // Inside working hours that is at once; outside them, the start of the next working day.
    if (due.getTime() === reply.receivedAt.getTime()) expect(notice.dueAt.getTime() - reply.receivedAt.getTime()).toBeLessThanOrEqual(3_600_000);
    const calls = connector.calls.length;
    await outboxCycle(new Date(Math.max(Date.now(), due.getTime())));
    const card = teamsTo("tutor", calls).at(-1)?.body?.attachments?.[0]?.content;
    expect(shownText({ attachments: [{ content: card }] })).toContain("my nan died last week");
    expect(cardActions(card).map((a) => a.verb)).toContain("safeguarding.circumstances");
    expect((await student("T1")).teamsOptOutAt).toBeNull();
  });
});
