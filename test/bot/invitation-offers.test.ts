/**
 * An invitation is an offer of times, however it is started: over `/api/messages` with
 * Teams-shaped activities, a tutor approves a suggested invitation (three rules' and the student's
 * own "I need help", merged into one) and an escalation from the digest card; each student gets
 * three bookable times and books one by replying its number. A paused student's times start after
 * the pause; a student paused past the message's expiry gets nothing, and the tutor is told why.
 * The meeting's place is the tutor's office, on the booked cards and in the .ics; the outcome
 * takes a note, and the student card shows the booked meeting and the note.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roleScopeKey, staffByNumber } from "../../access/index.ts";
import { createProactiveMessenger } from "../../bot/index.ts";
import { createLogger } from "../../core/index.ts";
import { dispatchDue } from "../../delivery/outbox.ts";
import { loadApprovalPolicy, proposeFromFlags } from "../../interventions/index.ts";
import { sendMeetingNotices } from "../../meetings/index.ts";
import { checkFiles, runRules, saveAll, setEnabled } from "../../rules/index.ts";
import { createChannelSenders } from "../../server/channel-senders.ts";
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
import { buildWorld, D, except, healthy, isWeekday } from "../rules/world.ts";

const SAM = { id: "29:1sam-offer-id", name: "Sam Okoro", aadObjectId: "6b1d2c9e-0000-4000-8000-0000000001a1" };
const ROBIN = { id: "29:1robin-offer-id", name: "Robin Hale", aadObjectId: "6b1d2c9e-0000-4000-8000-0000000001a2" };
const TUTOR = { id: "29:1tutor-offer-id", name: "Dr Tutor", aadObjectId: "6b1d2c9e-0000-4000-8000-0000000001b1" };
const OFFICE_HOURS = ["mon", "tue", "wed", "thu", "fri"].map((day) => ({ day, from: "10:00", to: "12:00" }));
const OFFICE = "Room 2.14, Hawthorn Building";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const conversationOf = (person: { id: string }) => ({
  conversationType: "personal",
  tenantId: "72f988bf-0000-4000-8000-000000000001",
  id: `a:chat-${person.id}`,
});

/** Nothing on the VLE and every session missed for the last 25 days; the library still visited. */
const absent = except(healthy(), (day, usual) => (day > D - 25 ? { library: usual.library, attendance: isWeekday(day) ? [2, 0, 2] : undefined } : usual));
/** Nothing at all for the last 15 days (the escalation's rule alone). */
const gone = except(healthy(), (day, usual) => (day > D - 15 ? {} : usual));

describe("an invitation is an offer of times, however it is started", () => {
  let testDb: TestDatabase;
  let service: RunningService;
  let connector: FakeConnector;
  let smtp: TestSmtpServer;
  let config: Config;
  let base: string;
  const ids = new Map<string, number>();

  const post = async (activity: unknown) => {
    const response = await fetch(`${base}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(activity) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const sentTo = (person: { id: string }, from = 0) =>
    connector.calls
      .slice(from)
      .filter((c) => c.method === "POST" && c.path.includes(encodeURIComponent(conversationOf(person).id)) && /\/activities(\/[^/]+)?$/.test(c.path));
  const lastCard = (person: { id: string }, from = 0) => sentTo(person, from).at(-1)?.body?.attachments?.[0]?.content;
  const say = (person: typeof SAM, text: string) =>
    post(teamsMessage(connector.serviceUrl, text, { from: person, conversation: conversationOf(person), id: `m-${Math.random()}` }));
  const press = (person: typeof SAM, action: { verb: string; data: Record<string, unknown> }, inputs: Record<string, unknown> = {}) =>
    post(teamsCardAction(connector.serviceUrl, action.verb, { ...action.data, ...inputs }, { from: person, conversation: conversationOf(person) }));
  const dispatch = async () => {
    const logger = createLogger("silent");
    const senders = createChannelSenders(config, logger, createProactiveMessenger(config.bot, logger));
    try {
      return await dispatchDue(service.db, senders, { owner: "offers", rules: config.delivery, maxAttempts: 2 });
    } finally {
      await Promise.all([...senders.values()].map((s) => s.close?.()));
    }
  };
  /** The tutor's digest card, asked for now. */
  const digestNow = async () => {
    const from = connector.calls.length;
    await say(TUTOR, "digest now");
    return lastCard(TUTOR, from);
  };
  /** One student's row on a digest card, as text. */
  const rowOf = (card: any, name: string) => {
    const row = (card.body as any[]).find((item) => item.type === "Container" && item.items?.[0]?.text === name);
    expect(row, `a row for ${name}`).toBeDefined();
    return { text: shownText({ attachments: [{ content: row }] }), actions: cardActions(row) };
  };
  const actionFor = (card: any, verb: string, studentId: number) => {
    const action = cardActions(card).find((a) => a.verb === verb && Number(a.data.studentId) === studentId);
    expect(action, `${verb} for student ${studentId}`).toBeDefined();
    return action!;
  };

  beforeAll(async () => {
    testDb = await createTestDatabase();
    connector = await startFakeConnector();
    smtp = new TestSmtpServer();
    await smtp.start();
    config = testServiceConfig(testDb.url, {
      PUBLIC_BASE_URL: "https://nudge.example.ac.uk",
      NUDGE_CHANNELS: "teams,email",
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: String(smtp.port),
      EMAIL_FROM: "Student Success <nudge@example.ac.uk>",
      NUDGE_LINK_SECRET: "offers-link-secret-of-32-characters-or-more",
      NUDGE_QUIET_HOURS: "off",
      NUDGE_MESSAGE_EXPIRY_DAYS: "7",
    });
    service = await startService(config, createLogger("silent"));
    base = `http://127.0.0.1:${service.port}`;
    const db = service.db;
    const p = db.prisma;
    const world = await buildWorld(db, [
      { number: "S1", programme: "XA", year: 1, activity: absent },
      { number: "S2", programme: "XA", year: 1, activity: gone },
      { number: "S3", programme: "XA", year: 1, activity: gone },
      { number: "S4", programme: "XA", year: 1, activity: gone },
    ]);
    for (const n of ["S1", "S2", "S3", "S4"]) ids.set(n, world.ids.get(n)!);
    const names: Record<string, [string, string]> = { S1: ["Sam", "Okoro"], S2: ["Robin", "Hale"], S3: ["Priya", "Shah"], S4: ["Tom", "Wells"] };
    for (const [n, [givenName, familyName]] of Object.entries(names))
      await p.student.update({ where: { id: ids.get(n)! }, data: { givenName, familyName, email: `${givenName.toLowerCase()}@student.example.ac.uk` } });
    await p.student.update({ where: { id: ids.get("S1")! }, data: { entraObjectId: SAM.aadObjectId, channelOrder: ["teams", "email"] } });
    await p.student.update({ where: { id: ids.get("S2")! }, data: { entraObjectId: ROBIN.aadObjectId } });
    await p.staff.update({
      where: { id: world.tutorId },
      data: { entraObjectId: TUTOR.aadObjectId, email: "tutor@example.ac.uk", officeHours: OFFICE_HOURS, officeLocation: OFFICE },
    });
    // The escalation is the personal tutor's to approve (the default policy).
    await p.staffRoleAssignment.findFirstOrThrow({ where: { staffId: world.tutorId, scopeKey: roleScopeKey("personal_tutor") } });

    const checked = checkFiles("rules/library", null);
    const author = (await staffByNumber(db, world.adminNumber))!;
    await saveAll(db, { calendar: checked.calendar, rules: checked.rules }, author);
    for (const rule of ["consecutive-absences", "low-attendance-and-vle", "no-engagement-14-days"]) await setEnabled(db, rule, true, author);
    for (const person of [SAM, ROBIN, TUTOR])
      await post(teamsInstallationUpdate(connector.serviceUrl, "add", { from: person, conversation: conversationOf(person) }));
  });

  afterAll(async () => {
    await service?.stop();
    await Promise.all([connector?.close(), smtp?.stop()]);
    await testDb?.drop();
  });

  it("merges the student's 'I need help' and two rules' invitations into the one waiting, keeping every flag and auditing the joins", async () => {
    const s1 = ids.get("S1")!;
    await say(SAM, "I need help");
    const help = await service.db.prisma.intervention.findFirstOrThrow({ where: { studentId: s1, kind: "invitation_to_talk" } });
    expect(help).toMatchObject({ state: "awaiting_approval", proposedBy: "student" });

    await runRules(service.db, { asOfDay: D, trigger: "manual", now: new Date() });
    const flags = await service.db.prisma.flag.findMany({ where: { studentId: s1 }, select: { id: true, ruleId: true } });
    expect(flags.map((f) => f.ruleId).sort()).toEqual(["consecutive-absences", "low-attendance-and-vle"]);
    await proposeFromFlags(service.db, { policy: loadApprovalPolicy(config.approvalPolicyFile), channels: config.channels, now: new Date() });

    const waiting = await service.db.prisma.intervention.findMany({
      where: { studentId: s1, kind: "invitation_to_talk", state: { in: ["proposed", "awaiting_approval"] } },
    });
    expect(waiting.map((w) => w.id)).toEqual([help.id]);
    expect(((waiting[0]!.templateData as { flagIds: number[] }).flagIds ?? []).sort()).toEqual(flags.map((f) => f.id).sort());
    const joins = await service.db.prisma.auditLog.findMany({ where: { action: "intervention.merged", targetId: String(help.id) } });
    expect(joins.map((j) => (j.details as { proposedBy: string }).proposedBy).sort()).toEqual([
      expect.stringMatching(/^rule:consecutive-absences@/),
      expect.stringMatching(/^rule:low-attendance-and-vle@/),
    ]);
    expect(await service.db.prisma.flag.count({ where: { studentId: s1, state: "actioned" } })).toBe(2);
  });

  it("approving the suggested invitation gives the student three bookable times and the meeting offer; the row shows that invitation", async () => {
    const s1 = ids.get("S1")!;
    const card = await digestNow();
    const approve = actionFor(card, "digest.approve", s1);
    const answer = await press(TUTOR, approve);
    expect(answer.body.type).toBe("application/vnd.microsoft.card.adaptive");

    const meeting = await service.db.prisma.meeting.findFirstOrThrow({ where: { studentId: s1 } });
    expect(meeting).toMatchObject({ state: "proposed", location: OFFICE });
    expect((meeting.proposedSlots as unknown[]).length).toBe(3);
    const invitation = await service.db.prisma.intervention.findUniqueOrThrow({ where: { id: meeting.interventionId } });
    expect(invitation).toMatchObject({ kind: "invitation_to_talk", state: "queued", proposedBy: "student" });
    expect(
      await service.db.prisma.intervention.count({ where: { studentId: s1, kind: "invitation_to_talk", state: { in: ["proposed", "awaiting_approval"] } } }),
    ).toBe(0);

    const row = rowOf(answer.body.value, "Sam Okoro");
    expect(row.text).toMatch(/✓ Invitation to talk approved by Dr Tutor/);
    // The text beside it is the invitation that went, with the times: no other suggestion's.
    expect(row.text).toContain(invitation.body);
    expect(invitation.body).toMatch(/pick one of the times below/);
    expect(row.text).not.toMatch(/Invitation to talk sent/);
  });

  it("the student books one of the times by replying its number, and is told where", async () => {
    const s1 = ids.get("S1")!;
    const from = connector.calls.length;
    await dispatch();
    const card = lastCard(SAM, from);
    expect(cardActions(card).filter((a) => a.verb === "meeting.choose")).toHaveLength(3);

    const before = connector.calls.length;
    await say(SAM, "2");
    const reply = shownText(sentTo(SAM, before).at(-1)?.body);
    expect(reply).toMatch(/^Booked: /);
    expect(reply).toContain(`Where: ${OFFICE}.`);
    const meeting = await service.db.prisma.meeting.findFirstOrThrow({ where: { studentId: s1 } });
    expect(meeting.state).toBe("booked");
    expect(meeting.startsAt?.toISOString()).toBe((meeting.proposedSlots as { start: string }[])[1]!.start);
  });

  it("puts the office on the tutor's booked card and in both calendar invitations' LOCATION", async () => {
    await dispatch();
    const from = connector.calls.length;
    expect(await sendMeetingNotices(service.db, 24, new Date())).toMatchObject({ invitations: 1 });
    await sendStaffMessages(service.db, config);
    const booked = shownText(sentTo(TUTOR, from).at(-1)?.body);
    expect(booked).toContain("Meeting booked");
    expect(booked).toContain(`Where: ${OFFICE}`);
    const invitations = smtp.received.filter((m) => /text\/calendar/.test(m.raw.toString()));
    expect(invitations.flatMap((m) => m.rcptTo)).toEqual(expect.arrayContaining(["sam@student.example.ac.uk", "tutor@example.ac.uk"]));
    // RFC 5545 escapes the comma; the line may be folded after 75 octets.
    for (const mail of invitations) expect(mail.raw.toString().replace(/\r\n[ \t]/g, "")).toContain("LOCATION:Room 2.14\\, Hawthorn Building");
  });

  it("shows the booked meeting on the tutor's student card, in their time and place", async () => {
    const from = connector.calls.length;
    await say(TUTOR, "student S1");
    const text = shownText(sentTo(TUTOR, from).at(-1)?.body);
    const meeting = await service.db.prisma.meeting.findFirstOrThrow({ where: { studentId: ids.get("S1")! } });
    const when = new Intl.DateTimeFormat("en-GB", { weekday: "long", day: "numeric", month: "long", timeZone: "Europe/London" }).format(meeting.startsAt!);
    expect(text).toContain("Meeting booked");
    expect(text).toMatch(new RegExp(`When: ${when}, \\d\\d:\\d\\d to \\d\\d:\\d\\d`));
    expect(text).toContain(`Where: ${OFFICE}`);
  });

  it("refuses an outcome before the meeting in a plain sentence, then keeps the tutor's note and shows it in the history", async () => {
    const meeting = await service.db.prisma.meeting.findFirstOrThrow({ where: { studentId: ids.get("S1")! } });
    const early = await press(TUTOR, { verb: "meeting.outcome", data: { meetingId: meeting.id, outcome: "met" } });
    expect(early.body.value).toMatch(/^This meeting hasn't started yet: you can record how it went after \d\d:\d\d on \w+day \d{1,2} \w+\.$/);
    expect(early.body.value).not.toMatch(/meeting \d|T\d\d:/);

    const ended = new Date(Date.now() - HOUR);
    await service.db.prisma.meeting.update({
      where: { id: meeting.id },
      data: { startsAt: new Date(ended.getTime() - HOUR / 2), endsAt: ended, reminderSentAt: new Date() },
    });
    const from = connector.calls.length;
    expect(await sendMeetingNotices(service.db, 24, new Date())).toMatchObject({ outcomeQuestions: 1 });
    await sendStaffMessages(service.db, config);
    const card = lastCard(TUTOR, from);
    expect(JSON.stringify(card)).toContain('"id":"note"');
    const agreed = cardActions(card).find((a) => a.data.outcome === "support_agreed")!;
    const note = "Agreed weekly check-ins until the January exams.";
    const answer = await press(TUTOR, agreed, { note });
    expect(shownText({ attachments: [{ content: answer.body.value }] })).toContain(`Note: ${note}`);
    expect(await service.db.prisma.meeting.findUniqueOrThrow({ where: { id: meeting.id } })).toMatchObject({
      state: "held",
      outcome: "support_agreed",
      outcomeNote: note,
    });
    const audit = await service.db.prisma.auditLog.findFirstOrThrow({ where: { action: "meeting.outcome", targetId: String(meeting.id) } });
    expect(audit.details).toMatchObject({ outcome: "support_agreed", note });

    const before = connector.calls.length;
    await say(TUTOR, "student S1");
    expect(shownText(sentTo(TUTOR, before).at(-1)?.body)).toContain(`Meeting, support agreed: "${note}"`);
  });

  it("approving an escalation gives the student three bookable times and the meeting offer too", async () => {
    const s2 = ids.get("S2")!;
    const escalation = await service.db.prisma.intervention.findFirstOrThrow({ where: { studentId: s2, kind: "escalation" } });
    expect(escalation.state).toBe("awaiting_approval");
    const card = await digestNow();
    const approve = actionFor(card, "digest.approve", s2);
    expect(Number(approve.data.interventionId)).toBe(escalation.id);
    const answer = await press(TUTOR, approve);
    expect(rowOf(answer.body.value, "Robin Hale").text).toMatch(/✓ Escalation approved by Dr Tutor, .*: not sent yet/);

    const meeting = await service.db.prisma.meeting.findFirstOrThrow({ where: { studentId: s2 } });
    expect(meeting).toMatchObject({ state: "proposed", interventionId: escalation.id });
    expect((meeting.proposedSlots as unknown[]).length).toBe(3);

    const from = connector.calls.length;
    await dispatch();
    const invitation = lastCard(ROBIN, from);
    expect(cardActions(invitation).filter((a) => a.verb === "meeting.choose")).toHaveLength(3);
    const before = connector.calls.length;
    await say(ROBIN, "1");
    expect(shownText(sentTo(ROBIN, before).at(-1)?.body)).toMatch(/^Booked: /);
    expect(await service.db.prisma.meeting.findUniqueOrThrow({ where: { id: meeting.id } })).toMatchObject({ state: "booked" });
  });

  it("offers a paused student only times after the pause ends, and the tutor's row says it waits, not that it was sent", async () => {
    const s3 = ids.get("S3")!;
    const pausedUntil = new Date(Date.now() + 3 * DAY);
    await service.db.prisma.student.update({ where: { id: s3 }, data: { pausedUntil } });
    const card = await digestNow();
    const answer = await press(TUTOR, actionFor(card, "digest.approve", s3));
    const meeting = await service.db.prisma.meeting.findFirstOrThrow({ where: { studentId: s3 } });
    const slots = (meeting.proposedSlots as { start: string }[]).map((s) => new Date(s.start));
    expect(slots).toHaveLength(3);
    for (const start of slots) expect(start.getTime()).toBeGreaterThanOrEqual(pausedUntil.getTime() + DAY);

    const row = rowOf(answer.body.value, "Priya Shah").text;
    expect(row).toMatch(/✓ Escalation approved by Dr Tutor, [^\n]*: waits until \d{1,2} \w+ \(paused by the student\)$/m);
    expect(row).not.toMatch(/sent/);
    // The outbox holds it until then.
    const delivery = await service.db.prisma.delivery.findFirstOrThrow({ where: { interventionId: meeting.interventionId } });
    expect(delivery.dueAt.getTime()).toBe(pausedUntil.getTime());
  });

  it("tells the tutor plainly when the student is paused past the message's expiry, and sends nothing", async () => {
    const s4 = ids.get("S4")!;
    await service.db.prisma.student.update({ where: { id: s4 }, data: { pausedUntil: new Date(Date.now() + 20 * DAY) } });
    const card = await digestNow();
    const answer = await press(TUTOR, actionFor(card, "digest.invite", s4));
    expect(answer.body.value).toMatch(
      /^Tom has paused messages until \w+day \d{1,2} \w+, so an invitation approved now would expire on \w+day \d{1,2} \w+ before it could reach them\. Nothing was sent/,
    );
    expect(answer.body.value).not.toMatch(/Invitation to talk sent/);
    expect(await service.db.prisma.meeting.count({ where: { studentId: s4 } })).toBe(0);
    expect(await service.db.prisma.intervention.count({ where: { studentId: s4, kind: "invitation_to_talk" } })).toBe(0);
    expect(await service.db.prisma.intervention.findFirstOrThrow({ where: { studentId: s4, kind: "escalation" } })).toMatchObject({
      state: "awaiting_approval",
    });
    const row = rowOf(await digestNow(), "Tom Wells").text;
    expect(row).not.toMatch(/sent/i);
  });
});
