/**
 * A tutor's Refer reaches the team that takes referrals, over the running service: the digest's
 * Refer button pressed in Teams (`/api/messages`) opens a case, the named member of the Student
 * Centre gets its Teams card (the Bot Connector stand-in) and the shared mailbox its email (a real
 * SMTP server on loopback) in one staff outbox cycle; the case is acknowledged and closed from the
 * card and from the signed link, a forged or altered link changes nothing, and the tutor's student
 * card says where it stands. With no destination set up, Refer says so and the student is sent
 * nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { staffByNumber } from "../../access/index.ts";
import { createLogger } from "../../core/index.ts";
import { sendDigests } from "../../digest/index.ts";
import { DEFAULT_POLICY, proposeFromFlags, type ApprovalPolicy } from "../../interventions/index.ts";
import { checkFiles, runRules, saveAll, setEnabled } from "../../rules/index.ts";
import type { Config } from "../../server/config.ts";
import { startService, type RunningService } from "../../server/service.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import {
  cardActions,
  shownText,
  startFakeConnector,
  teamsCardAction,
  teamsInstallationUpdate,
  teamsMessage,
  type FakeConnector,
} from "../helpers/fake-connector.ts";
import { testServiceConfig } from "../helpers/service-config.ts";
import { TestSmtpServer } from "../helpers/smtp-sink.ts";
import { sendStaffMessages } from "../helpers/staff-outbox.ts";
import { buildWorld, D, except, healthy } from "../rules/world.ts";

const PUBLIC = "https://nudge.example.ac.uk";
const MAILBOX = "studentcentre@example.ac.uk";
const TEAM = "the Student Centre's support team";
const aad = (n: number) => `6b1d2c9e-0000-4000-8000-${String(n).padStart(12, "0")}`;
const PEOPLE = {
  tutor: { id: "29:ref-tutor", name: "Dr Tutor", aadObjectId: aad(501) },
  centre: { id: "29:ref-centre", name: "Casey Centre", aadObjectId: aad(502) },
  other: { id: "29:ref-other", name: "Olly Other", aadObjectId: aad(503) },
};
type Who = keyof typeof PEOPLE;
const conversation = (who: Who) => ({ conversationType: "personal", tenantId: "72f988bf-0000-4000-8000-000000000001", id: `a:chat-ref-${who}` });
// Every nudge waits for the tutor, so each flagged student has a row (and a Refer button) on the digest.
const POLICY: ApprovalPolicy = { ...DEFAULT_POLICY, nudge: { system: false, roles: ["personal_tutor"] } };

describe("a referral reaches the team that takes it", () => {
  let testDb: TestDatabase;
  let service: RunningService;
  let unconfigured: RunningService;
  let connector: FakeConnector;
  let smtp: TestSmtpServer;
  let config: Config;
  let digest: any;
  const ids = new Map<string, number>();
  const p = () => service.db.prisma;

  const press = async (on: RunningService, who: Who, verb: string, data: Record<string, unknown>) => {
    const response = await fetch(`http://127.0.0.1:${on.port}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(teamsCardAction(connector.serviceUrl, verb, data, { from: PEOPLE[who], conversation: conversation(who) })),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { value: any }).value;
  };
  const teamsTo = (who: Who, since: number) =>
    connector.calls.slice(since).filter((c) => c.method === "POST" && c.path.includes(encodeURIComponent(conversation(who).id)));
  const referAction = (name: string) => cardActions(digest).find((a) => a.verb === "digest.refer" && a.data.studentId === ids.get(name))!;
  const linkIn = (text: string) => new RegExp(`${PUBLIC.replace(/\./g, "\\.")}(/referrals/case/\\S+)`).exec(text)![1]!;
  const base = () => `http://127.0.0.1:${service.port}`;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    connector = await startFakeConnector();
    smtp = new TestSmtpServer();
    await smtp.start();
    const common = {
      NUDGE_CHANNELS: "teams,email",
      PUBLIC_BASE_URL: PUBLIC,
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: String(smtp.port),
      EMAIL_FROM: "Student Success <nudge@example.ac.uk>",
      NUDGE_LINK_SECRET: "referral-journey-link-secret-of-32-characters",
      NUDGE_QUIET_HOURS: "off",
    };
    config = testServiceConfig(testDb.url, { ...common, NUDGE_REFERRAL_DESTINATIONS: `C0001, ${MAILBOX}`, NUDGE_REFERRAL_TEAM: TEAM });
    service = await startService(config, createLogger("silent"));
    // The same database, served by a service where referrals are not set up.
    unconfigured = await startService(testServiceConfig(testDb.url, common), createLogger("silent"));

    const quiet = except(healthy(), (day, usual) => (day > D - 12 ? { ...usual, vle: undefined } : usual));
    const world = await buildWorld(service.db, [
      ...["S1", "S2", "S3"].map((number) => ({ number, programme: "XA", year: 1, activity: quiet })),
      ...["H1", "H2", "H3"].map((number) => ({ number, programme: "XA", year: 1, activity: healthy() })),
    ]);
    for (const [number, id] of world.ids) ids.set(number, id);
    await p().student.update({ where: { id: ids.get("S1")! }, data: { givenName: "Sam", familyName: "Rivers", email: "sam.rivers@student.example.ac.uk" } });
    await p().staff.update({ where: { id: world.tutorId }, data: { entraObjectId: PEOPLE.tutor.aadObjectId } });
    for (const [number, name, who] of [
      ["C0001", "Casey Centre", "centre"],
      ["C0002", "Olly Other", "other"],
    ] as const) {
      const staff = await p().staff.create({
        data: { staffNumber: number, displayName: name, email: `${who}@example.ac.uk`, entraObjectId: PEOPLE[who].aadObjectId },
      });
      await p().staffRoleAssignment.create({ data: { staffId: staff.id, role: "student_centre", scopeKey: "student_centre" } });
    }
    for (const who of ["tutor", "centre", "other"] as const) {
      const installed = await fetch(`${base()}/api/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(teamsInstallationUpdate(connector.serviceUrl, "add", { from: PEOPLE[who], conversation: conversation(who) })),
      });
      expect(installed.status).toBeLessThan(300);
    }
    const checked = checkFiles("rules/library", null);
    const author = (await staffByNumber(service.db, world.adminNumber))!;
    await saveAll(service.db, { calendar: checked.calendar, rules: checked.rules }, author);
    await setEnabled(service.db, "no-vle-10-days", true, author);
    await runRules(service.db, { asOfDay: D, trigger: "manual", now: new Date() });
    expect(await proposeFromFlags(service.db, { policy: POLICY, channels: ["teams"], now: new Date() })).toMatchObject({ interventionsCreated: 3 });
    expect(await sendDigests(service.db, new Date())).toMatchObject({ queued: 1 });
    const since = connector.calls.length;
    expect(await sendStaffMessages(service.db, config)).toMatchObject({ sent: 1 });
    digest = teamsTo("tutor", since).at(-1)!.body.attachments[0].content;
  });

  afterAll(async () => {
    await unconfigured?.stop();
    await service?.stop();
    await connector?.close();
    await smtp?.stop();
    await testDb?.drop();
  });

  it("with no destination set up, Refer tells the tutor so, and nothing is queued for the student", async () => {
    const studentId = ids.get("S3")!;
    const answer = await press(unconfigured, "tutor", "digest.refer", { ...referAction("S3").data, [`note-${studentId}`]: "struggling" });
    expect(answer).toBe(
      "Referrals aren't set up yet, so I haven't referred this student and they haven't been told anything. Please ask your Nudge administrator to say where referrals go (NUDGE_REFERRAL_DESTINATIONS); in the meantime, contact the Student Centre yourself.",
    );
    expect(await p().intervention.count({ where: { studentId, kind: "referral" } })).toBe(0);
    expect(await p().referralCase.count({ where: { studentId } })).toBe(0);
    expect(await p().delivery.count({ where: { intervention: { studentId, kind: "referral" } } })).toBe(0);
  });

  it("Refer opens a case; the named member of staff gets the Teams card and the mailbox the email in one outbox cycle", async () => {
    const studentId = ids.get("S1")!;
    await press(service, "tutor", "digest.refer", { ...referAction("S1").data, [`note-${studentId}`]: "Money worries; working long shifts" });
    const kase = await p().referralCase.findFirstOrThrow({ where: { studentId } });
    expect(kase).toMatchObject({ kind: "referral", destination: TEAM, note: "Money worries; working long shifts", state: "open", acknowledgedAt: null });
    const referral = await p().intervention.findUniqueOrThrow({ where: { id: kase.interventionId } });
    expect(referral).toMatchObject({ kind: "referral", state: "queued" });
    expect(referral.body).toBe(
      "Hi Sam, it's Dr Tutor. I've passed your details to the Student Centre's support team, who will get in touch with you. You can also reply here if you'd like a chat with me.",
    );

    const since = connector.calls.length;
    const mails = smtp.received.length;
    const figures = await sendStaffMessages(service.db, config);
    expect(figures).toMatchObject({ sent: 2 });
    const [card] = teamsTo("centre", since);
    const shown = shownText(card!.body);
    expect(shown).toContain("Referral from Dr Tutor");
    expect(shown).toContain("Student: Sam Rivers (S1)");
    expect(shown).toContain("Money worries; working long shifts");
    expect(shown).toMatch(/No VLE activity for \d+ days/);
    expect(shown).toContain("[Acknowledge]");
    expect(teamsTo("other", since)).toEqual([]);
    const [mail] = smtp.received.slice(mails).filter((m) => m.rcptTo.includes(MAILBOX));
    expect(mail!.parsed.subject).toBe("Referral from Dr Tutor about Sam Rivers (S1)");
    expect(mail!.parsed.text).toContain("Note from Dr Tutor:\nMoney worries; working long shifts");
    expect(mail!.parsed.text).toMatch(/- No VLE activity for \d+ days/);
    expect(linkIn(mail!.parsed.text!)).toMatch(/^\/referrals\/case\/\d+\./);
  });

  it("acknowledged and closed from the Teams card, by the person it was sent to only; the tutor's card says where it stands", async () => {
    const kase = await p().referralCase.findFirstOrThrow({ where: { studentId: ids.get("S1")! } });
    const refused = await press(service, "other", "referral.acknowledge", { caseId: kase.id });
    expect(refused).toBe("Sorry, you can't do that for this student. The attempt has been recorded.");
    expect(await p().auditLog.count({ where: { action: "access.refused", targetType: "referral_case", targetId: String(kase.id) } })).toBe(1);

    const acknowledged = await press(service, "centre", "referral.acknowledge", { caseId: kase.id });
    expect(shownText({ attachments: [{ content: acknowledged }] })).toMatch(/✓ Acknowledged by Casey Centre at \d\d:\d\d/);
    expect(cardActions(acknowledged).map((a) => a.verb)).toEqual(["referral.close"]);
    const after = await p().referralCase.findUniqueOrThrow({ where: { id: kase.id } });
    expect(after).toMatchObject({ state: "acknowledged", acknowledgedBy: "C0001" });
    expect(after.acknowledgedAt).toBeInstanceOf(Date);

    // The tutor asks about the student: the case is on the card.
    const since = connector.calls.length;
    const asked = await fetch(`${base()}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(teamsMessage(connector.serviceUrl, "student S1", { id: "m-ask-s1", from: PEOPLE.tutor, conversation: conversation("tutor") })),
    });
    expect(asked.status).toBeLessThan(300);
    expect(
      teamsTo("tutor", since)
        .map((c) => shownText(c.body))
        .join("\n"),
    ).toMatch(/Referred to the Student Centre's support team on [^:]+: acknowledged by Casey Centre/);

    const noOutcome = await press(service, "centre", "referral.close", { caseId: kase.id, [`outcomeNote-${kase.id}`]: "x" });
    expect(noOutcome).toBe("Please choose an outcome before closing the referral.");
    const closed = await press(service, "centre", "referral.close", {
      caseId: kase.id,
      [`outcome-${kase.id}`]: "supported",
      [`outcomeNote-${kase.id}`]: "Booked a money advice appointment for Thursday.",
    });
    expect(shownText({ attachments: [{ content: closed }] })).toMatch(/✓ Closed at .*: support arranged\. Booked a money advice appointment for Thursday\./);
    expect(cardActions(closed)).toEqual([]);
    expect(await p().referralCase.findUniqueOrThrow({ where: { id: kase.id } })).toMatchObject({
      state: "closed",
      outcome: "supported",
      outcomeNote: "Booked a money advice appointment for Thursday.",
      acknowledgedBy: "C0001",
    });
    const audit = await p().auditLog.findMany({ where: { targetType: "referral_case", targetId: String(kase.id) }, orderBy: { id: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["referral.case_opened", "access.refused", "referral.case_acknowledged", "referral.case_closed"]);
  });

  it("acknowledged and closed from the signed link in the mailbox's email; a forged or altered link is refused", async () => {
    const studentId = ids.get("S2")!;
    await press(service, "tutor", "digest.refer", { ...referAction("S2").data });
    const kase = await p().referralCase.findFirstOrThrow({ where: { studentId } });
    const mails = smtp.received.length;
    await sendStaffMessages(service.db, config);
    const mail = smtp.received.slice(mails).find((m) => m.rcptTo.includes(MAILBOX))!;
    expect(mail.parsed.text).toContain("Note from Dr Tutor:\nNo note was given.");
    const link = linkIn(mail.parsed.text!);

    // Opening the link changes nothing (mail scanners open links).
    const shown = await fetch(`${base()}${link}`);
    expect(shown.status).toBe(200);
    const html = await shown.text();
    expect(html).toContain(">Acknowledge</button>");
    expect(html).toContain("Referral of S2 (S2) from Dr Tutor to the Student Centre&#39;s support team.");
    expect((await p().referralCase.findUniqueOrThrow({ where: { id: kase.id } })).state).toBe("open");

    // Forged: the signature altered; foreign: the same signature with another case's number.
    const [, name, mac] = link.split("/").at(-1)!.split(".");
    const forged = `${link.slice(0, -3)}${link.endsWith("AAA") ? "BBB" : "AAA"}`;
    const other = await p().referralCase.findFirstOrThrow({ where: { studentId: ids.get("S1")! } });
    const foreign = `/referrals/case/${other.id}.${name}.${mac}`;
    const safeguardingToken = `/safeguarding/acknowledge/${link.split("/").at(-1)}`;
    for (const bad of [forged, foreign]) {
      const response = await fetch(`${base()}${bad}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "action=acknowledge",
      });
      expect(response.status).toBe(404);
      expect(await response.text()).toContain("This link is not valid");
    }
    // A case link is no safeguarding link either.
    expect((await fetch(`${base()}${safeguardingToken}`, { method: "POST" })).status).toBe(404);
    expect((await p().referralCase.findUniqueOrThrow({ where: { id: kase.id } })).state).toBe("open");

    const acknowledged = await fetch(`${base()}${link}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "action=acknowledge",
    });
    expect(acknowledged.status).toBe(200);
    expect(await acknowledged.text()).toContain(`Acknowledged by ${MAILBOX} at`);
    expect(await p().referralCase.findUniqueOrThrow({ where: { id: kase.id } })).toMatchObject({ state: "acknowledged", acknowledgedBy: MAILBOX });

    const closed = await fetch(`${base()}${link}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ action: "close", outcome: "no_contact", note: "Three calls, no answer; wrote to them." }).toString(),
    });
    expect(closed.status).toBe(200);
    expect(await closed.text()).toContain("could not reach the student. Three calls, no answer; wrote to them.");
    expect(await p().referralCase.findUniqueOrThrow({ where: { id: kase.id } })).toMatchObject({
      state: "closed",
      outcome: "no_contact",
      outcomeNote: "Three calls, no answer; wrote to them.",
    });
    const audit = await p().auditLog.findMany({ where: { targetType: "referral_case", targetId: String(kase.id) }, orderBy: { id: "asc" } });
    expect(audit.map((a) => [a.action, a.actorKind === "system" ? "link" : a.actorKind])).toEqual([
      ["referral.case_opened", "staff"],
      ["referral.case_acknowledged", "link"],
      ["referral.case_closed", "link"],
    ]);
  });
});
