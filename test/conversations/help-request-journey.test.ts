/**
 * A student's request reaches their tutor within one outbox cycle, on the running service with
 * real parts: the student writes in Teams (activities posted to /api/messages) or by SMS (webhooks
 * signed with twilio's own helper); the tutor has never opened the Nudge app, so Teams cannot reach
 * them and the request arrives by email (a real SMTP server on loopback), not at the next digest.
 */
import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextWorkingInstant } from "../../core/working-hours.ts";
import { parseConfig, type Config } from "../../server/config.ts";
import { createLogger } from "../../core/index.ts";
import { startService, type RunningService } from "../../server/service.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { shownText, startFakeConnector, teamsMessage, type FakeConnector } from "../helpers/fake-connector.ts";
import { TestSmtpServer } from "../helpers/smtp-sink.ts";
import { outboxCycle as runOutboxCycle } from "../helpers/staff-outbox.ts";
import { buildWorld, healthy } from "../rules/world.ts";

const TOKEN = "help-request-journey-auth-token-0123456789";
const SID = `AC${"c".repeat(32)}`;
const PUBLIC = "https://nudge.example.ac.uk";
const MOBILE = "+447700900654";
const TUTOR_EMAIL = "r.okafor@staff.example.ac.uk";
const STUDENT_AAD = "6b1d2c9e-0000-4000-8000-000000000777";

describe("a tutor without Teams gets a student's request by email within one outbox cycle", () => {
  let testDb: TestDatabase;
  let service: RunningService;
  let connector: FakeConnector;
  let smtp: TestSmtpServer;
  let config: Config;
  let base: string;
  const ids = new Map<string, number>();
  const p = () => service.db.prisma;

  /** One outbox cycle as the scheduled job runs it, at `at`. */
  const outboxCycle = (at: Date) => runOutboxCycle(service.db, config, "help-journey", at);
  /** When the request is due: at once in working hours, else the start of the next working day. */
  const cycleTimeFor = async (studentKey: string) => {
    const reply = await p().reply.findFirstOrThrow({ where: { studentId: ids.get(studentKey)! }, orderBy: { id: "desc" } });
    return new Date(Math.max(Date.now(), nextWorkingInstant(reply.receivedAt, config.timezone, config.workingHours).getTime()));
  };
  const mailsToTutor = (since: number) => smtp.received.slice(since).filter((m) => m.rcptTo.includes(TUTOR_EMAIL));

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
      NUDGE_LINK_SECRET: "help-request-journey-link-secret-of-32-chars",
      NUDGE_QUIET_HOURS: "off",
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
      ["T1", "S2"].map((number) => ({ number, programme: "CS", year: 1, activity: healthy() })),
    );
    for (const [key, id] of world.ids) ids.set(key, id);
    await p().student.update({ where: { id: ids.get("T1")! }, data: { givenName: "Tam", familyName: "Teams", entraObjectId: STUDENT_AAD } });
    await p().student.update({ where: { id: ids.get("S2")! }, data: { givenName: "Sol", familyName: "Sms", mobile: MOBILE } });
    // The tutor has an email address and has never opened the app: no Teams conversation exists.
    await p().staff.update({ where: { staffNumber: "T0001" }, data: { displayName: "Dr Rose Okafor", email: TUTOR_EMAIL } });
  });

  afterAll(async () => {
    await service?.stop();
    await connector?.close();
    await smtp?.stop();
    await testDb?.drop();
  });

  it("a help request in Teams: the student is told the tutor will see it, and the tutor gets it by email in the next cycle", async () => {
    const conversation = { conversationType: "personal", tenantId: "72f988bf-0000-4000-8000-000000000001", id: "a:chat-tam" };
    const before = connector.calls.length;
    const response = await fetch(`${base}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(
        teamsMessage(connector.serviceUrl, "I'm really behind with my coursework, could I talk to someone please?", {
          id: "m-help-1",
          from: { id: "29:tam", name: "Tam Teams", aadObjectId: STUDENT_AAD },
          conversation,
        }),
      ),
    });
    expect(response.status).toBeLessThan(300);
    const answer = connector.calls
      .slice(before)
      .filter((c) => c.method === "POST")
      .map((c) => shownText(c.body))
      .join("\n");
    expect(answer).toContain("Dr Rose Okafor");
    expect(answer).not.toMatch(/thanks for your reply/i);
    expect(await p().reply.findFirstOrThrow({ where: { studentId: ids.get("T1")! } })).toMatchObject({ classification: "needs_help" });

    const mails = smtp.received.length;
    const figures = await outboxCycle(await cycleTimeFor("T1"));
    expect(figures.staff.fellBack).toBeGreaterThanOrEqual(1);
    const [mail, ...more] = mailsToTutor(mails);
    expect(more).toEqual([]);
    expect(mail?.parsed.subject).toBe("Asked for help: Tam Teams");
    expect(mail?.parsed.text).toContain("I'm really behind with my coursework, could I talk to someone please?");
    expect(mail?.parsed.text).toContain("T1");
  });

  it("HELP by SMS after a nudge reaches the tutor by email in the same way", async () => {
    const fields = { MessageSid: "SM20000000000000000000000000000001", AccountSid: SID, From: MOBILE, To: "+447700900999", Body: "HELP" };
    const signature = twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}/api/sms/inbound`, fields);
    // A nudge the student answers: HELP then means "I'd like help", not the carrier keyword alone.
    const nudge = await p().intervention.create({
      data: {
        studentId: ids.get("S2")!,
        kind: "nudge",
        state: "sent",
        channel: "sms",
        body: "Hi Sol, checking in. Reply HELP and we'll be in touch.",
        proposedBy: "rule:r@1",
        templateData: { texts: {}, flagIds: [], evidence: [] },
      },
    });
    const response = await fetch(`${base}/api/sms/inbound`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
      body: new URLSearchParams(fields).toString(),
    });
    expect(response.status).toBe(200);
    expect(await p().reply.findFirstOrThrow({ where: { studentId: ids.get("S2")! } })).toMatchObject({
      classification: "needs_help",
      interventionId: nudge.id,
    });

    const mails = smtp.received.length;
    await outboxCycle(await cycleTimeFor("S2"));
    const subjects = mailsToTutor(mails).map((m) => m.parsed.subject);
    expect(subjects).toEqual(["Asked for help: Sol Sms"]);
  });

  it("a message Nudge does not recognise is passed to the tutor by email to read, not left for the digest", async () => {
    const fields = {
      MessageSid: "SM20000000000000000000000000000002",
      AccountSid: SID,
      From: MOBILE,
      To: "+447700900999",
      Body: "what time is the lecture on friday",
    };
    const signature = twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}/api/sms/inbound`, fields);
    const response = await fetch(`${base}/api/sms/inbound`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
      body: new URLSearchParams(fields).toString(),
    });
    expect(response.status).toBe(200);
    const mails = smtp.received.length;
    await outboxCycle(await cycleTimeFor("S2"));
    const [mail] = mailsToTutor(mails);
    expect(mail?.parsed.subject).toBe("Replied to Nudge: Sol Sms");
    expect(mail?.parsed.text).toContain("what time is the lecture on friday");
  });
});
