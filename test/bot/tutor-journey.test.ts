/**
 * Issue 7's journey on the running service, over `/api/messages` with Teams-shaped activities and
 * a local Bot Connector stand-in: a rule flags a student -> the tutor's digest card -> the tutor
 * approves -> the student gets the nudge card -> "I need help" -> the tutor invites to talk -> the
 * student picks a slot -> both get the calendar invitation (real SMTP on loopback) -> the tutor
 * records the outcome. Then the refusals: strangers, students asking staff commands, and a tutor
 * editing a card's payload to act for another tutor's student.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProactiveMessenger } from "../../bot/index.ts";
import { dispatchDue } from "../../delivery/outbox.ts";
import { proposeFromFlags } from "../../interventions/index.ts";
import { roleScopeKey, staffByNumber } from "../../access/index.ts";
import { checkFiles, runRules, saveAll, setEnabled } from "../../rules/index.ts";
import { sendDigests } from "../../digest/index.ts";
import { sendMeetingNotices } from "../../meetings/index.ts";
import { sendStaffMessages } from "../helpers/staff-outbox.ts";
import { createChannelSenders } from "../../server/channel-senders.ts";
import type { Config } from "../../server/config.ts";
import { testServiceConfig } from "../helpers/service-config.ts";
import { createLogger } from "../../core/index.ts";
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
import { TestSmtpServer } from "../helpers/smtp-sink.ts";
import { buildWorld, D, except, healthy } from "../rules/world.ts";

const STUDENT = { id: "29:1sam-teams-id", name: "Sam Okoro", aadObjectId: "6b1d2c9e-0000-4000-8000-0000000000a1" };
const TUTOR = { id: "29:1tutor-teams-id", name: "Dr Tutor", aadObjectId: "6b1d2c9e-0000-4000-8000-0000000000b1" };
const CO_TUTOR = { id: "29:1cotutor-teams-id", name: "Dr Second", aadObjectId: "6b1d2c9e-0000-4000-8000-0000000000b2" };
const OTHER_TUTOR = { id: "29:1other-teams-id", name: "Dr Other", aadObjectId: "6b1d2c9e-0000-4000-8000-0000000000b3" };
const STRANGER = { id: "29:1stranger-teams-id", name: "Someone", aadObjectId: "6b1d2c9e-0000-4000-8000-0000000000ff" };
const OFFICE_HOURS = ["mon", "tue", "wed", "thu", "fri"].map((day) => ({ day, from: "10:00", to: "12:00" }));

const conversationOf = (person: { id: string }) => ({
  conversationType: "personal",
  tenantId: "72f988bf-0000-4000-8000-000000000001",
  id: `a:chat-${person.id}`,
});

describe("Teams for students and tutors: the whole journey", () => {
  let testDb: TestDatabase;
  let service: RunningService;
  let connector: FakeConnector;
  let smtp: TestSmtpServer;
  let config: Config;
  let base: string;
  let studentId: number;
  let otherStudentId: number;

  const post = async (activity: unknown) => {
    const response = await fetch(`${base}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(activity) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  /** What the bot posted into a person's chat since `from` (proactive or as a turn's reply). */
  const sentTo = (person: { id: string }, from = 0) =>
    connector.calls
      .slice(from)
      .filter((c) => c.method === "POST" && c.path.includes(encodeURIComponent(conversationOf(person).id)) && /\/activities(\/[^/]+)?$/.test(c.path));
  const say = (person: typeof STUDENT, text: string) =>
    post(teamsMessage(connector.serviceUrl, text, { from: person, conversation: conversationOf(person), id: `m-${Math.random()}` }));
  const press = (person: typeof STUDENT, action: { verb: string; data: Record<string, unknown> }, inputs: Record<string, unknown> = {}) =>
    post(teamsCardAction(connector.serviceUrl, action.verb, { ...action.data, ...inputs }, { from: person, conversation: conversationOf(person) }));
  const dispatch = async () => {
    const logger = createLogger("silent");
    const senders = createChannelSenders(config, logger, createProactiveMessenger(config.bot, logger));
    try {
      return await dispatchDue(service.db, senders, { owner: "journey", rules: config.delivery, maxAttempts: 2 });
    } finally {
      await Promise.all([...senders.values()].map((s) => s.close?.()));
    }
  };
  const lastCard = (person: typeof STUDENT, from = 0) => sentTo(person, from).at(-1)?.body?.attachments?.[0]?.content;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    connector = await startFakeConnector();
    smtp = new TestSmtpServer();
    await smtp.start();
    const dir = mkdtempSync(join(tmpdir(), "nudge-journey-"));
    // This university has tutors approve every nudge, so the journey starts on the digest.
    writeFileSync(join(dir, "approval.yaml"), "nudge:\n  system: false\n  roles: [personal_tutor]\n");
    config = testServiceConfig(testDb.url, {
      PUBLIC_BASE_URL: "https://nudge.example.ac.uk",
      NUDGE_CHANNELS: "teams,email",
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: String(smtp.port),
      EMAIL_FROM: "Student Success <nudge@example.ac.uk>",
      NUDGE_LINK_SECRET: "journey-link-secret-of-32-characters-or-more",
      NUDGE_QUIET_HOURS: "off",
      NUDGE_APPROVAL_POLICY: join(dir, "approval.yaml"),
    });
    service = await startService(config, createLogger("silent"));
    base = `http://127.0.0.1:${service.port}`;
    const db = service.db;
    const p = db.prisma;
    const quiet = except(healthy(), (day, usual) => (day > D - 12 ? { ...usual, vle: undefined } : usual));
    const world = await buildWorld(db, [
      { number: "S1", programme: "XA", year: 1, activity: quiet },
      { number: "S2", programme: "XA", year: 1, activity: quiet },
    ]);
    studentId = world.ids.get("S1")!;
    otherStudentId = world.ids.get("S2")!;
    await p.student.update({
      where: { id: studentId },
      data: { givenName: "Sam", familyName: "Okoro", entraObjectId: STUDENT.aadObjectId, email: "sam@student.example.ac.uk", channelOrder: ["teams", "email"] },
    });
    await p.staff.update({ where: { id: world.tutorId }, data: { entraObjectId: TUTOR.aadObjectId, email: "tutor@example.ac.uk", officeHours: OFFICE_HOURS } });
    // A second personal tutor of Sam's, and a tutor whose only tutee is S2.
    const second = await p.staff.create({ data: { staffNumber: "T0002", displayName: "Dr Second", entraObjectId: CO_TUTOR.aadObjectId } });
    const other = await p.staff.create({
      data: { staffNumber: "T0003", displayName: "Dr Other", entraObjectId: OTHER_TUTOR.aadObjectId, officeHours: OFFICE_HOURS },
    });
    for (const s of [second, other])
      await p.staffRoleAssignment.create({ data: { staffId: s.id, role: "personal_tutor", scopeKey: roleScopeKey("personal_tutor") } });
    await p.tutorAssignment.create({ data: { studentId, staffId: second.id, startDate: new Date("2025-09-01") } });
    await p.tutorAssignment.deleteMany({ where: { studentId: otherStudentId } });
    await p.tutorAssignment.create({ data: { studentId: otherStudentId, staffId: other.id, startDate: new Date("2025-09-01") } });

    const checked = checkFiles("rules/library", null);
    const author = (await staffByNumber(db, world.adminNumber))!;
    await saveAll(db, { calendar: checked.calendar, rules: checked.rules }, author);
    await setEnabled(db, "no-vle-10-days", true, author);
  });

  afterAll(async () => {
    await service?.stop();
    await Promise.all([connector?.close(), smtp?.stop()]);
    await testDb?.drop();
  });

  it("knows each person's chat once they install the app, and welcomes the student", async () => {
    for (const person of [STUDENT, TUTOR, CO_TUTOR, OTHER_TUTOR]) {
      const installed = await post(teamsInstallationUpdate(connector.serviceUrl, "add", { from: person, conversation: conversationOf(person) }));
      expect(installed.status).toBeLessThan(300);
    }
    expect(await service.db.prisma.conversationReference.count({ where: { staffId: { not: null } } })).toBe(3);
    expect(shownText(sentTo(STUDENT)[0]?.body)).toMatch(/Nudge/);
    // Staff get no student welcome.
    expect(sentTo(TUTOR)).toHaveLength(0);
  });

  let digestCard: any;
  it("flags the student and sends each of their tutors a digest card; a tutor with nothing new gets none", async () => {
    await runRules(service.db, { asOfDay: D, trigger: "manual", now: new Date() });
    const proposed = await proposeFromFlags(service.db, {
      policy: (await import("../../interventions/index.ts")).loadApprovalPolicy(config.approvalPolicyFile),
      channels: config.channels,
      now: new Date(),
    });
    expect(proposed.interventionsCreated).toBe(2);
    expect(await service.db.prisma.intervention.count({ where: { studentId, state: "awaiting_approval", kind: "nudge" } })).toBe(1);

    const from = connector.calls.length;
    expect(await sendDigests(service.db, new Date())).toMatchObject({ queued: 3, byEmail: 0 });
    expect(await sendStaffMessages(service.db, config)).toMatchObject({ sent: 3, failed: 0 });
    digestCard = lastCard(TUTOR, from);
    expect(digestCard).toMatchObject({ type: "AdaptiveCard", version: "1.5" });
    const text = shownText({ attachments: [{ content: digestCard }] });
    expect(text).toContain("Sam Okoro");
    expect(text).toMatch(/No VLE activity/i);
    expect(text).not.toContain("S2");
    expect(digestCard.refresh.userIds).toEqual([TUTOR.id]);
    expect(cardActions(digestCard).map((a) => a.verb)).toEqual(
      expect.arrayContaining(["digest.approve", "digest.edit", "digest.invite", "digest.refer", "digest.dismiss", "digest.snooze"]),
    );

    // Nothing new since: the next run sends nothing.
    expect(await sendDigests(service.db, new Date())).toMatchObject({ queued: 0, nothingNew: 3 });
  });

  it("refuses a tutor who edits a card's payload to act for another tutor's student, and audits it", async () => {
    const approve = cardActions(digestCard).find((a) => a.verb === "digest.approve")!;
    const othersDigest = await service.db.prisma.tutorDigest.findFirstOrThrow({ where: { staff: { staffNumber: "T0003" } } });
    // Dr Other presses Approve on their own card, with Sam's intervention put into the payload.
    const tampered = await press(OTHER_TUTOR, { verb: "digest.approve", data: { ...approve.data, digestId: othersDigest.id } });
    expect(tampered.status).toBe(200);
    expect(tampered.body.type).toBe("application/vnd.microsoft.activity.message");
    expect(tampered.body.value).toMatch(/can't do that for this student/);
    // And with Dr Tutor's card id: not their card.
    const notTheirs = await press(OTHER_TUTOR, approve);
    expect(notTheirs.body.value).toMatch(/isn't yours/);
    const refusals = await service.db.prisma.auditLog.findMany({ where: { actorId: "T0003", action: "access.refused" } });
    expect(refusals.length).toBe(2);
    expect(refusals.some((r) => r.studentId === studentId)).toBe(true);
    expect(await service.db.prisma.intervention.count({ where: { studentId, state: "awaiting_approval", kind: "nudge" } })).toBe(1);
  });

  it("lets the tutor approve from the card, which updates in place, and the other tutor sees it done", async () => {
    const approve = cardActions(digestCard).find((a) => a.verb === "digest.approve")!;
    const from = connector.calls.length;
    const answer = await press(TUTOR, approve);
    expect(answer.status).toBe(200);
    expect(answer.body.type).toBe("application/vnd.microsoft.card.adaptive");
    const updated = shownText({ attachments: [{ content: answer.body.value }] });
    expect(updated).toMatch(/Nudge approved by Dr Tutor/);
    expect(cardActions(answer.body.value).filter((a) => a.verb === "digest.approve")).toHaveLength(0);
    // Replaced for everyone in the chat (the card has a refresh): an update of the same activity.
    expect(connector.calls.slice(from).some((c) => c.method === "PUT")).toBe(true);

    const coDigest = await service.db.prisma.tutorDigest.findFirstOrThrow({ where: { staff: { staffNumber: "T0002" } } });
    const refreshed = await press(CO_TUTOR, { verb: "digest.refresh", data: { digestId: coDigest.id, page: 1 } });
    expect(shownText({ attachments: [{ content: refreshed.body.value }] })).toMatch(/Nudge approved by Dr Tutor/);
    expect(await service.db.prisma.intervention.findFirstOrThrow({ where: { studentId, kind: "nudge" } })).toMatchObject({ state: "queued" });
  });

  it("sends the student the nudge as a card with one clear next step", async () => {
    const from = connector.calls.length;
    expect(await dispatch()).toMatchObject({ sent: 1 });
    const card = lastCard(STUDENT, from);
    expect(shownText({ attachments: [{ content: card }] })).toMatch(/Hi Sam/);
    expect(cardActions(card).map((a) => a.data.text)).toContain("I need help");

    // "Why did I get this?" on the card: the explanation comes as a chat message, the card stays.
    const why = cardActions(card).find((a) => a.data.text === "why did I get this?")!;
    const before = connector.calls.length;
    const answer = await press(STUDENT, why);
    expect(answer.body.type).toBe("application/vnd.microsoft.card.adaptive");
    expect(shownText({ attachments: [{ content: answer.body.value }] })).toMatch(/Hi Sam/);
    expect(shownText(sentTo(STUDENT, before).at(-1)?.body)).toMatch(
      /^We sent it because we haven't seen you on the VLE .*That's from our "No VLE activity for 10 days" check/,
    );
    expect(await service.db.prisma.reply.findFirstOrThrow({ where: { studentId }, orderBy: { id: "desc" } })).toMatchObject({
      classification: "why",
      channel: "teams",
    });
  });

  it("records 'I need help' and answers with the tutor's name; the tutor's next digest has the invitation", async () => {
    const answer = await say(STUDENT, "I need help");
    expect(answer.status).toBeLessThan(300);
    expect(shownText(sentTo(STUDENT).at(-1)?.body)).toMatch(/Dr (Tutor|Second)/);
    const from = connector.calls.length;
    await say(TUTOR, "digest now");
    digestCard = lastCard(TUTOR, from);
    const text = shownText({ attachments: [{ content: digestCard }] });
    expect(text).toContain("Sam Okoro");
    expect(text).toMatch(/I need help/);
  });

  it("lets the tutor invite the student to talk, with slots from their office hours", async () => {
    const invite = cardActions(digestCard).find((a) => a.verb === "digest.invite")!;
    const answer = await press(TUTOR, invite);
    expect(shownText({ attachments: [{ content: answer.body.value }] })).toMatch(/Invitation to talk sent by Dr Tutor|approved by Dr Tutor/);
    const meeting = await service.db.prisma.meeting.findFirstOrThrow({ where: { studentId } });
    expect(meeting.state).toBe("proposed");
    expect((meeting.proposedSlots as unknown[]).length).toBe(3);
  });

  let meetingId: number;
  it("the student picks a slot from the invitation card, and it is booked", async () => {
    const from = connector.calls.length;
    expect(await dispatch()).toMatchObject({ sent: 1 });
    const card = lastCard(STUDENT, from);
    const slots = cardActions(card).filter((a) => a.verb === "meeting.choose");
    expect(slots).toHaveLength(3);
    const answer = await press(STUDENT, slots[1]!);
    expect(answer.body.type).toBe("application/vnd.microsoft.card.adaptive");
    expect(shownText({ attachments: [{ content: answer.body.value }] })).toMatch(/Booked|booked/);
    const meeting = await service.db.prisma.meeting.findFirstOrThrow({ where: { studentId } });
    meetingId = meeting.id;
    expect(meeting.state).toBe("booked");
    expect(meeting.startsAt?.toISOString()).toBe((meeting.proposedSlots as { start: string }[])[1]!.start);
  });

  it("sends both the calendar invitation: the student by email through the outbox, the tutor in Teams and by email", async () => {
    await dispatch();
    const fromConnector = connector.calls.length;
    expect(await sendMeetingNotices(service.db, 24, new Date())).toMatchObject({ invitations: 1 });
    await sendStaffMessages(service.db, config);
    const toStudent = smtp.received.find((m) => m.rcptTo.includes("sam@student.example.ac.uk") && /text\/calendar/.test(m.raw.toString()));
    const toTutor = smtp.received.find((m) => m.rcptTo.includes("tutor@example.ac.uk") && /text\/calendar/.test(m.raw.toString()));
    expect(toStudent).toBeDefined();
    expect(toTutor).toBeDefined();
    for (const mail of [toStudent!, toTutor!]) expect(mail.raw.toString()).toMatch(/BEGIN:VEVENT[\s\S]*UID:[\s\S]*END:VEVENT/);
    expect(shownText(sentTo(TUTOR, fromConnector).at(-1)?.body)).toContain("Sam");
    // Sent once, however often the job runs.
    expect(await sendMeetingNotices(service.db, 24, new Date())).toMatchObject({ invitations: 0 });
  });

  it("after the meeting asks the tutor for the outcome, which closes the intervention's flags", async () => {
    // The meeting took place: its time is moved to the past (slots are at least a day ahead).
    const ended = new Date(Date.now() - 3_600_000);
    await service.db.prisma.meeting.update({
      where: { id: meetingId },
      data: { startsAt: new Date(ended.getTime() - 1_800_000), endsAt: ended, reminderSentAt: new Date() },
    });
    const from = connector.calls.length;
    expect(await sendMeetingNotices(service.db, 24, new Date())).toMatchObject({ outcomeQuestions: 1 });
    await sendStaffMessages(service.db, config);
    const card = lastCard(TUTOR, from);
    const outcomes = cardActions(card).filter((a) => a.verb === "meeting.outcome");
    expect(outcomes.map((o) => o.data.outcome)).toEqual(["met", "no_show", "support_agreed", "referred"]);

    // A student pressing a staff button is refused.
    expect((await press(STUDENT, outcomes[2]!)).body.value).toMatch(/for staff/);
    const answer = await press(TUTOR, outcomes[2]!);
    expect(shownText({ attachments: [{ content: answer.body.value }] })).toMatch(/Support agreed/);
    const meeting = await service.db.prisma.meeting.findUniqueOrThrow({ where: { id: meetingId } });
    expect(meeting).toMatchObject({ state: "held", outcome: "support_agreed" });
    expect(await service.db.prisma.flag.count({ where: { studentId, state: { in: ["open", "actioned"] } } })).toBe(0);
  });

  it("answers tutor commands, and refuses strangers and students asking staff commands", async () => {
    let from = connector.calls.length;
    await say(TUTOR, "my tutees");
    expect(shownText(sentTo(TUTOR, from).at(-1)?.body)).toContain("Sam Okoro");

    from = connector.calls.length;
    await say(TUTOR, "student Okoro");
    expect(shownText(sentTo(TUTOR, from).at(-1)?.body)).toMatch(/S1/);
    const reads = await service.db.prisma.auditLog.findMany({ where: { actorId: "T0001", action: "student.read", studentId } });
    expect(reads.filter((r) => (r.details as { via?: string }).via === "student command")).toHaveLength(1);

    from = connector.calls.length;
    await say(OTHER_TUTOR, "student S1");
    const outOfScope = shownText(sentTo(OTHER_TUTOR, from).at(-1)?.body);
    // Refused and audited, in the same words as a number nobody has: nothing says S1 exists.
    from = connector.calls.length;
    await say(OTHER_TUTOR, "student S9999999");
    expect(outOfScope.replace("S1", "?")).toBe(shownText(sentTo(OTHER_TUTOR, from).at(-1)?.body).replace("S9999999", "?"));
    expect(outOfScope).toMatch(/can't find a student you can see matching "S1"/);
    expect(await service.db.prisma.auditLog.count({ where: { actorId: "T0003", action: "access.refused", studentId } })).toBeGreaterThanOrEqual(2);

    from = connector.calls.length;
    await say(STUDENT, "my tutees");
    expect(shownText(sentTo(STUDENT, from).at(-1)?.body)).toMatch(/something staff can ask/);

    const stranger = await post(teamsMessage(connector.serviceUrl, "student S1", { from: STRANGER, conversation: conversationOf(STRANGER) }));
    expect(stranger.status).toBeLessThan(300);
    expect(shownText(sentTo(STRANGER).at(-1)?.body)).toMatch(/don't recognise your account/);
    expect(await press(STRANGER, { verb: "digest.approve", data: { digestId: 1, interventionId: 1 } })).toMatchObject({
      body: { value: expect.stringMatching(/don't recognise/) },
    });
  });
});
