import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import restify from "restify";
import smsSegments from "sms-segments-calculator";
import twilio from "twilio";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../core/index.ts";
import { registerSmsRoutes, SMS_HELP_TEXT, type SmsRouteDeps, type StudentMessage } from "../../server/sms-webhooks.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";
import { createApp } from "../../app/index.ts";

const TOKEN = "0123456789abcdef0123456789abcdef";
// Twilio calls the public https address; the test server listens on plain http behind it, as
// the service does behind a TLS terminator.
const PUBLIC = "https://nudge.example.ac.uk";
const ACCOUNT = `AC${"1".repeat(32)}`;
const ADA = "+447700900123";
const SHARED = "+447700900555";
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

let sidCounter = 0;
const newSid = () => `SM${(++sidCounter).toString(16).padStart(32, "0")}`;

/** The fields Twilio posts for an incoming SMS. */
function inboundFields(from: string, body: string, extra: Record<string, string> = {}): Record<string, string> {
  const sid = newSid();
  return {
    ToCountry: "GB",
    ToState: "",
    SmsMessageSid: sid,
    NumMedia: "0",
    ToCity: "",
    FromZip: "",
    SmsSid: sid,
    FromState: "",
    SmsStatus: "received",
    FromCity: "",
    Body: body,
    FromCountry: "GB",
    To: "+447700900001",
    ToZip: "",
    NumSegments: "1",
    MessageSid: sid,
    AccountSid: ACCOUNT,
    From: from,
    ApiVersion: "2010-04-01",
    ...extra,
  };
}

/** The fields of a status callback. */
function statusFields(messageSid: string, status: string, errorCode?: string): Record<string, string> {
  return {
    SmsSid: messageSid,
    SmsStatus: status,
    MessageStatus: status,
    To: ADA,
    MessageSid: messageSid,
    AccountSid: ACCOUNT,
    From: "+447700900001",
    ApiVersion: "2010-04-01",
    ...(errorCode ? { ErrorCode: errorCode } : {}),
  };
}

describe.each(databaseKindsUnderTest())("Twilio webhooks on %s", (kind) => {
  const database = useMigratedDatabase(kind);
  let server: restify.Server;
  let base: string;
  let ada: number;
  let logLines: string[];
  const calls: Array<StudentMessage & { duplicate: boolean }> = [];
  let settings: Pick<SmsRouteDeps, "twilio" | "publicBaseUrl">;

  /** Stands in for the interventions module's handler: records once per MessageSid. */
  const recorded = new Set<string>();
  const onStudentMessage: SmsRouteDeps["onStudentMessage"] = async (message) => {
    const duplicate = recorded.has(message.providerMessageId);
    recorded.add(message.providerMessageId);
    calls.push({ ...message, duplicate });
    return duplicate ? { duplicate } : { duplicate, answer: `You said: ${message.text}` };
  };

  async function post(path: string, fields: Record<string, string>, options: { signature?: string | null; signedUrl?: string } = {}) {
    const signature =
      options.signature === undefined ? twilio.getExpectedTwilioSignature(TOKEN, options.signedUrl ?? `${PUBLIC}${path}`, fields) : options.signature;
    const response = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...(signature === null ? {} : { "x-twilio-signature": signature }) },
      body: new URLSearchParams(fields).toString(),
    });
    return { status: response.status, type: response.headers.get("content-type"), body: await response.text() };
  }

  const student = (id: number) => database.db.prisma.student.findUniqueOrThrow({ where: { id } });
  const audits = (action: string) => database.db.prisma.auditLog.findMany({ where: { action }, orderBy: { id: "asc" } });

  async function sentSms(): Promise<{ sid: string; deliveryId: number; interventionId: number }> {
    const { prisma } = database.db;
    const intervention = await prisma.intervention.create({
      data: {
        studentId: ada,
        kind: "nudge",
        state: "sent",
        channel: "sms",
        body: "We noticed you have not logged in this week.",
        proposedBy: "rule:no-vle-10-days@1",
      },
    });
    const sid = newSid();
    const delivery = await prisma.delivery.create({
      data: {
        interventionId: intervention.id,
        channel: "sms",
        state: "sent",
        dueAt: new Date(),
        attempts: 1,
        sentAt: new Date(),
        providerMessageId: sid,
        providerStatus: "queued",
      },
    });
    return { sid, deliveryId: delivery.id, interventionId: intervention.id };
  }

  beforeAll(async () => {
    const { prisma } = database.db;
    ada = (await prisma.student.create({ data: { studentNumber: "S3001", givenName: "Ada", mobile: ADA } })).id;
    await prisma.student.create({ data: { studentNumber: "S3002", mobile: SHARED } });
    await prisma.student.create({ data: { studentNumber: "S3003", mobile: SHARED } });

    logLines = [];
    const logs = new Writable({ write: (chunk, _encoding, done) => void (logLines.push(String(chunk)), done()) });
    server = restify.createServer({ name: "nudge-test", handleUncaughtExceptions: false });
    server.use(restify.plugins.bodyParser({ mapParams: false, maxBodySize: 1024 * 1024 }));
    settings = { twilio: { authToken: TOKEN }, publicBaseUrl: PUBLIC };
    // Getters: a test can switch the configuration off without rebuilding the server.
    registerSmsRoutes(server, {
      app: createApp(database.db),
      logger: createLogger("info", logs),
      get twilio() {
        return settings.twilio;
      },
      get publicBaseUrl() {
        return settings.publicBaseUrl;
      },
      onStudentMessage,
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });
  beforeEach(() => {
    calls.length = 0;
    logLines.length = 0;
    settings = { twilio: { authToken: TOKEN }, publicBaseUrl: PUBLIC };
  });

  describe("inbound messages", () => {
    it("hands a signed reply to the handler once and answers with its text as TwiML", async () => {
      const fields = inboundFields(ADA, "why did I get this?");
      const response = await post("/api/sms/inbound", fields);

      expect(response.status).toBe(200);
      expect(response.type).toMatch(/^text\/xml/);
      expect(response.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Message>You said: why did I get this?</Message></Response>');
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ studentId: ada, channel: "sms", text: "why did I get this?", providerMessageId: fields.MessageSid, duplicate: false });
      expect(calls[0]!.receivedAt).toBeInstanceOf(Date);
    });

    it("refuses a forged or unsigned request with 403, records nothing and logs no phone number", async () => {
      const stop = inboundFields(ADA, "STOP");
      const forged = twilio.getExpectedTwilioSignature("not-the-auth-token-not-the-token", `${PUBLIC}/api/sms/inbound`, stop);
      expect((await post("/api/sms/inbound", stop, { signature: forged })).status).toBe(403);
      expect((await post("/api/sms/inbound", stop, { signature: null })).status).toBe(403);
      // Signed correctly, then the body changed on the way.
      const signature = twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}/api/sms/inbound`, stop);
      expect((await post("/api/sms/inbound", { ...stop, Body: "hello" }, { signature })).status).toBe(403);

      expect(calls).toHaveLength(0);
      expect((await student(ada)).smsOptOutAt).toBeNull();
      expect(await audits("channel.opt_out")).toHaveLength(0);
      const warnings = logLines.map((line) => JSON.parse(line)).filter((line) => line.level === 40);
      expect(warnings.map((w) => w.reason)).toEqual(["X-Twilio-Signature does not match", "missing X-Twilio-Signature", "X-Twilio-Signature does not match"]);
      expect(logLines.join("")).not.toContain(ADA.slice(1));
    });

    it("refuses a request signed for the internal http address instead of the public https one", async () => {
      const fields = inboundFields(ADA, "hello");
      const response = await post("/api/sms/inbound", fields, { signedUrl: `${base}/api/sms/inbound` });
      expect(response.status).toBe(403);
      expect(calls).toHaveLength(0);
    });

    it("lets the handler see a replayed request (same MessageSid) as a duplicate and answers it with empty TwiML", async () => {
      const fields = inboundFields(ADA, "thanks, I will log in today");
      const first = await post("/api/sms/inbound", fields);
      const replay = await post("/api/sms/inbound", fields);

      expect(first.body).toContain("<Message>You said: thanks, I will log in today</Message>");
      expect(replay.status).toBe(200);
      expect(replay.body).toBe(EMPTY_TWIML);
      expect(calls.map((c) => [c.providerMessageId, c.duplicate])).toEqual([
        [fields.MessageSid, false],
        [fields.MessageSid, true],
      ]);
    });

    it("opts out on STOP (any case, trimmed), audited once, with an empty answer", async () => {
      const stop = inboundFields(ADA, "  Stop ");
      const response = await post("/api/sms/inbound", stop);
      expect(response.status).toBe(200);
      expect(response.body).toBe(EMPTY_TWIML);
      expect((await student(ada)).smsOptOutAt).toBeInstanceOf(Date);
      // Replayed: already opted out, nothing more is written.
      await post("/api/sms/inbound", stop);

      const entries = await audits("channel.opt_out");
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        actorKind: "student",
        actorId: "S3001",
        targetType: "channel",
        targetId: "sms",
        studentId: ada,
        details: { source: "sms-keyword:STOP" },
      });
      expect(calls).toHaveLength(0);
    });

    it("opts back in on START", async () => {
      expect((await student(ada)).smsOptOutAt).not.toBeNull();
      const response = await post("/api/sms/inbound", inboundFields(ADA, "start"));
      expect(response.body).toBe(EMPTY_TWIML);
      expect((await student(ada)).smsOptOutAt).toBeNull();
      expect(await audits("channel.opt_in")).toMatchObject([{ actorId: "S3001", details: { source: "sms-keyword:START" } }]);
      expect(calls).toHaveLength(0);
    });

    it("a replayed signed START after a later STOP changes nothing: each keyword message acts once", async () => {
      const start = inboundFields(ADA, "START");
      await post("/api/sms/inbound", start);
      expect((await student(ada)).smsOptOutAt).toBeNull();
      await post("/api/sms/inbound", inboundFields(ADA, "STOP"));
      const stoppedAt = (await student(ada)).smsOptOutAt;
      expect(stoppedAt).toBeInstanceOf(Date);
      // Twilio (or anyone holding the captured, validly signed request) sends the old START again.
      const replay = await post("/api/sms/inbound", start);
      expect(replay.status).toBe(200);
      expect(replay.body).toBe(EMPTY_TWIML);
      expect((await student(ada)).smsOptOutAt).toEqual(stoppedAt);
      // A new START, with its own MessageSid, still opts back in.
      await post("/api/sms/inbound", inboundFields(ADA, "START"));
      expect((await student(ada)).smsOptOutAt).toBeNull();
    });

    it("honours Advanced Opt-Out's OptOutType for a custom keyword", async () => {
      await post("/api/sms/inbound", inboundFields(ADA, "Arret", { OptOutType: "STOP" }));
      expect((await student(ada)).smsOptOutAt).not.toBeNull();
      expect((await audits("channel.opt_out")).at(-1)).toMatchObject({ details: { source: "sms-keyword:ARRET" } });
      await post("/api/sms/inbound", inboundFields(ADA, "UNSTOP"));
      expect((await student(ada)).smsOptOutAt).toBeNull();
      expect(calls).toHaveLength(0);
    });

    it("hands HELP to the reply handler (a request for a chat after a nudge, else the one-segment service text)", async () => {
      expect(new smsSegments.SegmentedMessage(SMS_HELP_TEXT).segmentsCount).toBe(1);
      const response = await post("/api/sms/inbound", inboundFields(ADA, "help"));
      expect(response.status).toBe(200);
      expect(response.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Message>You said: help</Message></Response>`);
      // Advanced Opt-Out has answered HELP itself: recorded all the same, with no second answer.
      expect((await post("/api/sms/inbound", inboundFields(ADA, "HELP", { OptOutType: "HELP" }))).body).toBe(EMPTY_TWIML);
      expect(calls.map((c) => c.text)).toEqual(["help", "HELP"]);
    });

    it("treats a sentence containing a keyword as a reply, not an opt-out", async () => {
      const response = await post("/api/sms/inbound", inboundFields(ADA, "please stop sending these"));
      expect(response.body).toContain("<Message>You said: please stop sending these</Message>");
      expect(calls).toHaveLength(1);
      expect((await student(ada)).smsOptOutAt).toBeNull();
    });

    it("answers a number no student has with empty TwiML and records nothing", async () => {
      const before = await database.db.prisma.auditLog.count();
      const response = await post("/api/sms/inbound", inboundFields("+447700900999", "STOP"));
      expect(response.status).toBe(200);
      expect(response.body).toBe(EMPTY_TWIML);
      expect(calls).toHaveLength(0);
      expect(await database.db.prisma.auditLog.count()).toBe(before);
    });

    it("opts out every student of a shared number, but records no reply from it", async () => {
      await post("/api/sms/inbound", inboundFields(SHARED, "hello?"));
      expect(calls).toHaveLength(0);
      await post("/api/sms/inbound", inboundFields(SHARED, "QUIT"));
      const shared = await database.db.prisma.student.findMany({ where: { mobile: SHARED } });
      expect(shared.map((s) => s.smsOptOutAt)).toEqual([expect.any(Date), expect.any(Date)]);
    });

    it("answers 503 when Twilio is not configured", async () => {
      settings = {};
      expect((await post("/api/sms/inbound", inboundFields(ADA, "hello"))).status).toBe(503);
      settings = { twilio: { authToken: TOKEN } };
      expect((await post("/api/sms/status", statusFields(newSid(), "sent"))).status).toBe(503);
      expect(calls).toHaveLength(0);
    });
  });

  describe("status callbacks", () => {
    const delivery = (id: number) => database.db.prisma.delivery.findUniqueOrThrow({ where: { id }, include: { intervention: true } });
    const auditsOf = (deliveryId: number) => database.db.prisma.auditLog.findMany({ where: { targetType: "delivery", targetId: String(deliveryId) } });

    it("moves sent to delivered, the intervention with it, audited once", async () => {
      const sms = await sentSms();
      expect((await post("/api/sms/status", statusFields(sms.sid, "sent"))).status).toBe(204);
      expect(await delivery(sms.deliveryId)).toMatchObject({ state: "sent", providerStatus: "sent", deliveredAt: null });
      expect(await auditsOf(sms.deliveryId)).toHaveLength(0);

      expect((await post("/api/sms/status", statusFields(sms.sid, "delivered"))).status).toBe(204);
      await post("/api/sms/status", statusFields(sms.sid, "delivered")); // replayed
      const row = await delivery(sms.deliveryId);
      expect(row).toMatchObject({ state: "delivered", providerStatus: "delivered" });
      expect(row.deliveredAt).toBeInstanceOf(Date);
      expect(row.intervention.state).toBe("delivered");
      expect(await auditsOf(sms.deliveryId)).toMatchObject([
        {
          actorKind: "system",
          actorId: "sms-status",
          action: "delivery.delivered",
          studentId: ada,
          details: { channel: "sms", interventionId: sms.interventionId, providerStatus: "delivered" },
        },
      ]);
      expect(await database.db.prisma.auditLog.count({ where: { action: "intervention.delivered", targetId: String(sms.interventionId) } })).toBe(1);
    });

    it("keeps delivered when a late 'sent' or 'failed' arrives after it", async () => {
      const sms = await sentSms();
      await post("/api/sms/status", statusFields(sms.sid, "delivered"));
      await post("/api/sms/status", statusFields(sms.sid, "sent"));
      await post("/api/sms/status", statusFields(sms.sid, "sending"));
      await post("/api/sms/status", statusFields(sms.sid, "undelivered", "30003"));
      const row = await delivery(sms.deliveryId);
      expect(row).toMatchObject({ state: "delivered", providerStatus: "delivered", failedAt: null, lastError: null });
      expect(row.intervention.state).toBe("delivered");
      expect((await auditsOf(sms.deliveryId)).map((a) => a.action)).toEqual(["delivery.delivered"]);
    });

    it("records failed with its ErrorCode and leaves the intervention to the dispatcher", async () => {
      const sms = await sentSms();
      expect((await post("/api/sms/status", statusFields(sms.sid, "failed", "30008"))).status).toBe(204);
      const row = await delivery(sms.deliveryId);
      expect(row).toMatchObject({ state: "failed", providerStatus: "failed" });
      expect(row.failedAt).toBeInstanceOf(Date);
      expect(row.lastError).toContain("30008");
      expect(row.intervention.state).toBe("sent");
      expect(await auditsOf(sms.deliveryId)).toMatchObject([
        { action: "delivery.failed", studentId: ada, details: { errorCode: "30008", providerStatus: "failed" } },
      ]);
    });

    it("answers 204 for an unknown Message SID and writes nothing", async () => {
      const before = { audits: await database.db.prisma.auditLog.count(), deliveries: await database.db.prisma.delivery.findMany({ orderBy: { id: "asc" } }) };
      const response = await post("/api/sms/status", statusFields(newSid(), "delivered"));
      expect(response.status).toBe(204);
      expect(await database.db.prisma.auditLog.count()).toBe(before.audits);
      expect(await database.db.prisma.delivery.findMany({ orderBy: { id: "asc" } })).toEqual(before.deliveries);
    });

    it("refuses a forged status callback and changes nothing", async () => {
      const sms = await sentSms();
      const fields = statusFields(sms.sid, "delivered");
      const signature = twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}/api/sms/status`, statusFields(sms.sid, "sent"));
      expect((await post("/api/sms/status", fields, { signature })).status).toBe(403);
      expect(await delivery(sms.deliveryId)).toMatchObject({ state: "sent", providerStatus: "queued" });
    });

    it("checks the signature over the query string too", async () => {
      const sms = await sentSms();
      const response = await post("/api/sms/status?attempt=1", statusFields(sms.sid, "delivered"));
      expect(response.status).toBe(204);
      expect((await delivery(sms.deliveryId)).state).toBe("delivered");
    });

    it("applies concurrent replays of one receipt once", async () => {
      const sms = await sentSms();
      const responses = await Promise.all(Array.from({ length: 4 }, () => post("/api/sms/status", statusFields(sms.sid, "delivered"))));
      expect(responses.map((r) => r.status)).toEqual([204, 204, 204, 204]);
      expect(await auditsOf(sms.deliveryId)).toHaveLength(1);
    });
  });
});
