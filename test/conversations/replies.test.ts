/**
 * Each row of "what happens today" in the safeguarding issue, on the real reply path and the real
 * database: what the student is told and what is done. SMS HELP and Teams "help" go over the
 * service's own routes (the Twilio webhook, signed with twilio's helper; /api/messages).
 */
import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { receiveStudentMessage } from "../../conversations/index.ts";
import { smsSegmentsOf } from "../../rules/templates.ts";
import type { FlagEvidence } from "../../rules/flags.ts";
import { parseConfig } from "../../server/config.ts";
import { createLogger } from "../../core/index.ts";
import { startService, type RunningService } from "../../server/service.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { shownText, startFakeConnector, teamsMessage, type FakeConnector } from "../helpers/fake-connector.ts";
import { buildWorld, D, healthy, RUN_TIME } from "../rules/world.ts";

const TOKEN = "replies-test-auth-token-0123456789abcdef";
const SID = `AC${"c".repeat(32)}`;
const PUBLIC = "https://nudge.example.ac.uk";
const AAD = "6b1d2c9e-0000-4000-8000-0000000000e1";
const INBOUND = "replies-test-inbound-email-token";
const MX = "mx.example.ac.uk";
const R6_EMAIL = "r6@student.example.ac.uk";

describe("what students say, and what happens", () => {
  let testDb: TestDatabase;
  let service: RunningService;
  let connector: FakeConnector;
  let base: string;
  const ids = new Map<string, number>();
  const p = () => service.db.prisma;
  const now = new Date();
  const say = (number: string, text: string, channel: "teams" | "sms" | "email" = "teams") =>
    receiveStudentMessage(service.db, { studentId: ids.get(number)!, channel, text }, { answerInline: channel !== "email", now });

  const sms = async (number: string, body: string) => {
    const from = (await p().student.findUniqueOrThrow({ where: { id: ids.get(number)! } })).mobile!;
    const fields = {
      MessageSid: `SM${Math.random().toString(16).slice(2).padEnd(32, "0").slice(0, 32)}`,
      AccountSid: SID,
      From: from,
      To: "+447700900999",
      Body: body,
    };
    const signature = twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}/api/sms/inbound`, fields);
    const response = await fetch(`${base}/api/sms/inbound`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
      body: new URLSearchParams(fields).toString(),
    });
    return (/<Message>([\s\S]*?)<\/Message>/.exec(await response.text())?.[1] ?? "").replace(/&apos;/g, "'");
  };
  const teams = async (text: string) => {
    const from = connector.calls.length;
    await fetch(`${base}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(
        teamsMessage(connector.serviceUrl, text, { id: `m-${Math.random()}`, from: { id: "29:replies", name: "Student", aadObjectId: AAD } }),
      ),
    });
    return connector.calls
      .slice(from)
      .filter((c) => c.method === "POST")
      .map((c) => shownText(c.body))
      .join("\n");
  };
  /** A message that reached the student, as the outbox leaves it, with its evidence. */
  const sentNudge = async (number: string, evidence: FlagEvidence[], channel: "teams" | "sms" = "sms") =>
    p().intervention.create({
      data: {
        studentId: ids.get(number)!,
        kind: "nudge",
        state: "sent",
        channel,
        body: "Hi, checking in. Reply HELP if you'd like a chat.",
        proposedBy: "rule:r@1",
        templateData: { texts: {}, flagIds: [], evidence: evidence as object[] },
      },
    });

  beforeAll(async () => {
    testDb = await createTestDatabase();
    connector = await startFakeConnector();
    service = await startService(
      parseConfig({
        PORT: "0",
        HOST: "127.0.0.1",
        DATABASE_URL: testDb.url,
        LOG_LEVEL: "silent",
        PUBLIC_BASE_URL: PUBLIC,
        NUDGE_CHANNELS: "teams,sms",
        TWILIO_ACCOUNT_SID: SID,
        TWILIO_AUTH_TOKEN: TOKEN,
        TWILIO_FROM: "+447700900999",
        NUDGE_QUIET_HOURS: "off",
        NUDGE_OUTBOX_SCHEDULE: "0 0 1 1 *",
        NUDGE_RULES_SCHEDULE: "0 0 1 1 *",
        NUDGE_DIGEST_SCHEDULE: "0 0 1 1 *",
        NUDGE_MEETING_NOTICES_SCHEDULE: "0 0 1 1 *",
        NUDGE_RETENTION_SCHEDULE: "0 0 1 1 *",
        NUDGE_SAFEGUARDING_SCHEDULE: "0 0 1 1 *",
        NUDGE_EMAIL_INBOUND_TOKEN: INBOUND,
        NUDGE_EMAIL_TRUSTED_AUTHSERV_ID: MX,
      }),
      createLogger("silent"),
    );
    base = `http://127.0.0.1:${service.port}`;
    const world = await buildWorld(
      service.db,
      ["R1", "R2", "R3", "R4", "R5", "R6", "R7"].map((number) => ({ number, programme: "XA", year: 1, activity: healthy() })),
    );
    for (const [number, id] of world.ids) {
      ids.set(number, id);
      await p().student.update({ where: { id }, data: { mobile: `+4477009001${String(id).padStart(2, "0")}` } });
    }
    await p().student.update({ where: { id: ids.get("R7")! }, data: { entraObjectId: AAD } });
    await p().student.update({ where: { id: ids.get("R6")! }, data: { email: R6_EMAIL } });
  });

  /** An email posted by the mail system to the inbound route, as sent with `headers`. */
  const email = async (text: string, headers: string[] = []) => {
    const mime = [
      `From: R Six <${R6_EMAIL}>`,
      "To: replies@example.ac.uk",
      "Subject: Re: checking in",
      `Message-ID: <${Math.random()}@mail.example>`,
      ...headers,
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

  afterAll(async () => {
    await service?.stop();
    await connector?.close();
    await testDb?.drop();
  });

  it("an email that only claims to be from the student changes nothing: the tutor is asked to confirm and the student is told at their own address", async () => {
    const r6 = ids.get("R6")!;
    const before = await p().auditLog.count({ where: { studentId: r6, actorKind: "student" } });
    for (const text of ["please withdraw my consent", "pause my messages for 8 weeks", "what data do you hold about me?", "stop", "please delete my data"])
      await email(text);
    const student = await p().student.findUniqueOrThrow({ where: { id: r6 } });
    expect({ paused: student.pausedUntil, emailOptOut: student.emailOptOutAt }).toEqual({ paused: null, emailOptOut: null });
    expect(await p().consent.count({ where: { studentId: r6 } })).toBe(0);
    expect(await p().dataRequest.count({ where: { studentId: r6 } })).toBe(0);
    // Nothing in the student's name: the mail system received an email, that is all.
    expect(await p().auditLog.count({ where: { studentId: r6, actorKind: "student" } })).toBe(before);
    expect(await p().auditLog.count({ where: { studentId: r6, action: "reply.unverified_request" } })).toBe(5);
    const toTutor = await p().staffMessage.findMany({ where: { studentId: r6, subject: { startsWith: "Please confirm a request" } } });
    expect(toTutor).toHaveLength(5);
    expect(toTutor[0]!.text).toContain("could not be verified as theirs");
    // The answer goes to the address on record, never to whoever sent it.
    const answers = await p().intervention.findMany({ where: { studentId: r6, kind: "reply" }, include: { deliveries: true } });
    expect(answers.map((a) => a.body)).toEqual(Array(5).fill(expect.stringContaining("nothing has changed yet")));
    expect(answers.every((a) => a.deliveries.every((d) => d.channel === "email"))).toBe(true);
  });

  it("the same requests are acted on when the sender is proven: the mail system vouches for it, or it answers one of our emails", async () => {
    const r6 = ids.get("R6")!;
    await email("stop", [`Authentication-Results: ${MX}; dkim=pass header.d=student.example.ac.uk; dmarc=pass header.from=student.example.ac.uk`]);
    expect((await p().student.findUniqueOrThrow({ where: { id: r6 } })).emailOptOutAt).not.toBeNull();
    const ours = "<nudge.d999.0a1b2c3d4e5f6071@example.ac.uk>";
    const nudge = await p().intervention.create({ data: { studentId: r6, kind: "nudge", state: "sent", body: "Hi", proposedBy: "rule:t@1" } });
    await p().delivery.create({ data: { interventionId: nudge.id, channel: "email", state: "sent", dueAt: new Date(), providerMessageId: ours } });
    await email("pause my messages for 2 weeks", [`In-Reply-To: ${ours}`]);
    expect((await p().student.findUniqueOrThrow({ where: { id: r6 } })).pausedUntil).not.toBeNull();
  });

  it('"End of my tether, can\'t cope", "End" and "cancel" in Teams do not opt out; by SMS only the whole keyword does', async () => {
    for (const text of ["End of my tether, can't cope", "End", "cancel"]) await say("R1", text, "teams");
    expect((await p().student.findUniqueOrThrow({ where: { id: ids.get("R1")! } })).teamsOptOutAt).toBeNull();
    await sms("R1", "End of my tether, can't cope");
    expect((await p().student.findUniqueOrThrow({ where: { id: ids.get("R1")! } })).smsOptOutAt).toBeNull();
    expect(await p().reply.findFirst({ where: { studentId: ids.get("R1")!, channel: "sms" } })).toMatchObject({ classification: "distress" });
    await sms("R1", "END");
    expect((await p().student.findUniqueOrThrow({ where: { id: ids.get("R1")! } })).smsOptOutAt).not.toBeNull();
  });

  it("SMS HELP after a nudge asks the tutor for a chat (and keeps the service information); without one it gets the service information only", async () => {
    const alone = await sms("R2", "HELP");
    expect(alone).toMatch(/^Nudge sends study support messages/);
    expect(await p().intervention.count({ where: { studentId: ids.get("R2")!, kind: "invitation_to_talk" } })).toBe(0);
    await sentNudge("R2", []);
    const answer = await sms("R2", "HELP");
    expect(answer).toMatch(/We've asked Dr Tutor to get in touch/);
    expect(answer).toMatch(/Reply STOP to opt out/);
    expect(await p().intervention.findFirstOrThrow({ where: { studentId: ids.get("R2")!, kind: "invitation_to_talk" } })).toMatchObject({
      state: "awaiting_approval",
    });
    // The tutor hears in working hours, in Teams or else by email, not at the next digest.
    expect(await p().staffMessage.findFirstOrThrow({ where: { studentId: ids.get("R2")!, kind: "student_request" } })).toMatchObject({
      channel: "teams",
      fallback: "email",
    });
  });

  it('Teams "help" after a nudge reaches the tutor; before any nudge it lists what can be said', async () => {
    expect(await teams("help")).toMatch(/You can say:/);
    await sentNudge("R7", [], "teams");
    expect(await teams("help")).toMatch(/We've asked Dr Tutor to get in touch/);
    expect(await p().intervention.count({ where: { studentId: ids.get("R7")!, kind: "invitation_to_talk" } })).toBe(1);
  });

  it('"who can see my data?" answers from the notice, "show me my data" shows it, only "what data do you hold" opens a request, "delete my data" asks for erasure, and a second request joins the first', async () => {
    const who = await say("R3", "who can see my data?");
    expect(who).toMatchObject({ classification: "privacy_question" });
    expect(who.answer).toMatch(/your personal tutor/);
    expect(who.answer).toMatch(/never for marks/);
    expect((await say("R3", "show me my data")).classification).toBe("my_data");
    expect(await p().dataRequest.count({ where: { studentId: ids.get("R3")! } })).toBe(0);
    const copy = await say("R3", "what data do you hold about me?");
    const again = await say("R3", "can I get a copy of everything you have on me");
    const erase = await say("R3", "delete my data");
    const requests = await p().dataRequest.findMany({ where: { studentId: ids.get("R3")! }, orderBy: { id: "asc" } });
    expect(requests.map((r) => r.kind)).toEqual(["access", "erasure"]);
    expect(copy.answer).toContain(`DR-${requests[0]!.id}`);
    expect(again.answer).toMatch(new RegExp(`already asked for a copy of your data .*DR-${requests[0]!.id}`));
    expect(erase).toMatchObject({ classification: "erasure" });
    expect(erase.answer).toContain(`DR-${requests[1]!.id}`);
  });

  it('"how is my attendance?" and "what labels have you put on me?": in Teams a card with the figures and open flags; by SMS where to see them, without figures', async () => {
    const studentId = ids.get("R4")!;
    await p().rule.create({ data: { id: "quiet-vle", title: "Quiet on the VLE" } });
    await p().flag.create({
      data: {
        studentId,
        ruleId: "quiet-vle",
        ruleVersion: 1,
        periodKey: "x",
        day: D,
        state: "open",
        evidence: {
          asOf: "2026-11-20",
          rule: { id: "quiet-vle", version: 1, title: "Quiet on the VLE", condition: "" },
          metrics: { vle_days_since_last: { value: 12, unit: "days", window: "", description: "" } },
          sources: {},
          cohort: "",
          lastVleDate: "2026-11-08",
        },
      },
    });
    const teamsAnswer = await say("R4", "how is my attendance?");
    expect(teamsAnswer.classification).toBe("my_data");
    const card = shownText({ attachments: [{ content: teamsAnswer.card }] });
    expect(card).toContain("What Nudge sees about you");
    expect(card).toMatch(/Days on the VLE, last 14 days/);
    expect(card).toContain("Quiet on the VLE");
    expect(card).toContain("We haven't seen you on the VLE since 8 November.");
    const bySms = await say("R4", "what labels have you put on me?", "sms");
    expect(bySms.classification).toBe("my_data");
    expect(bySms.card).toBeUndefined();
    expect(bySms.answer).toMatch(/in Teams/);
    expect(bySms.answer).not.toMatch(/\d/);
  });

  it('"start", "resume" and "unpause" undo a stop or a pause; "opt in" grants consent only where it was withdrawn', async () => {
    const studentId = ids.get("R5")!;
    await say("R5", "stop");
    expect((await p().student.findUniqueOrThrow({ where: { id: studentId } })).teamsOptOutAt).not.toBeNull();
    expect((await say("R5", "start")).answer).toMatch(/Welcome back/);
    expect((await p().student.findUniqueOrThrow({ where: { id: studentId } })).teamsOptOutAt).toBeNull();
    await say("R5", "pause for 2 weeks");
    expect((await p().student.findUniqueOrThrow({ where: { id: studentId } })).pausedUntil).not.toBeNull();
    expect((await say("R5", "unpause")).answer).toMatch(/pause has ended/);
    expect((await p().student.findUniqueOrThrow({ where: { id: studentId } })).pausedUntil).toBeNull();
    expect((await say("R5", "resume")).answer).toMatch(/nothing to restart/);
    // Consent never withdrawn: "opt in" records nothing.
    await say("R5", "opt in");
    expect(await p().consent.count({ where: { studentId, purpose: "analytics" } })).toBe(0);
    await say("R5", "withdraw my consent");
    expect((await say("R5", "opt in")).answer).toMatch(/use your engagement data again/);
    expect((await p().consent.findMany({ where: { studentId, purpose: "analytics" }, orderBy: { id: "asc" } })).map((c) => c.state)).toEqual([
      "withdrawn",
      "granted",
    ]);
  });

  it('"ok but actually I\'m not fine" is not thanks: it reaches a person as distress', async () => {
    const outcome = await say("R6", "ok but actually I'm not fine");
    expect(outcome).toMatchObject({ classification: "distress", safeguarding: "distress" });
    expect(outcome.answer).not.toMatch(/thank/i);
  });

  it('"why" in plain words: no definitions or units, nothing said twice; by SMS two segments at most, with no date or figure', async () => {
    const evidence = (rule: string, metrics: Record<string, number>): FlagEvidence => ({
      asOf: "2026-11-30",
      rule: { id: rule, version: 1, title: rule === "a" ? "Quiet on the VLE" : "Missing sessions", condition: "" },
      metrics: Object.fromEntries(
        Object.entries(metrics).map(([k, v]) => [
          k,
          { value: v, unit: k.startsWith("attendance") ? "fraction (0-1)" : "days", window: "", description: "catalogue text that must not appear" },
        ]),
      ),
      sources: { vle: { lastDataDay: "2026-11-30", lastLoadedAt: null } },
      cohort: "XA year 1",
      lastVleDate: "2026-11-03",
    });
    await sentNudge("R6", [
      evidence("a", { vle_days_since_last: 27 }),
      evidence("b", { vle_days_since_last: 27, attendance_rate_28d: 0.333, sessions_expected_28d: 6 }),
    ]);
    const teamsWhy = (
      await receiveStudentMessage(service.db, { studentId: ids.get("R6")!, channel: "teams", text: "why did I get this" }, { answerInline: true, now })
    ).answer!;
    expect(teamsWhy).toMatch(/^We sent it because we haven't seen you on the VLE since 3 November and you've been to 2 of your last 6 sessions\./);
    expect(teamsWhy.match(/3 November/g)).toHaveLength(1);
    expect(teamsWhy).not.toMatch(/fraction|ratio|catalogue text|0\.333/);
    expect(teamsWhy.split(/(?<=\.)\s+/).length).toBeLessThanOrEqual(3);
    const smsWhy = (await receiveStudentMessage(service.db, { studentId: ids.get("R6")!, channel: "sms", text: "why" }, { answerInline: true, now: RUN_TIME }))
      .answer!;
    expect(smsSegmentsOf(smsWhy).segments).toBeLessThanOrEqual(2);
    expect(smsWhy).not.toMatch(/\d|November/);
    expect(smsWhy).toMatch(/haven't seen much of you on the VLE recently and you've missed some of your sessions recently/);
  });
});
