/**
 * Invitations to talk with the tutor's calendar on Microsoft Graph (a local Graph and sign-in):
 * Graph's busy times kept out of the slots, office hours alone when Graph fails (and the audit
 * says why), the booked meeting as a Teams meeting in the tutor's calendar with no .ics to either
 * of them, the join link stored and shown, and the .ics emails again when Graph refuses the event.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeDigest } from "../../digest/cards.ts";
import { createGraphCalendar, graphTutorCalendar } from "../../integrations/graph-calendar.ts";
import { invitationCardData } from "../../meetings/cards.ts";
import { chooseSlot, inviteToTalk, queueStudentReminder, type Slot, type TutorCalendar } from "../../meetings/index.ts";
import { DEFAULT_POLICY } from "../../interventions/index.ts";
import { receiveStudentMessage } from "../../conversations/index.ts";
import { sendMeetingNotices } from "../../meetings/index.ts";
import { serviceJobs } from "../../server/service-jobs.ts";
import { openDatabase } from "../../prisma/index.ts";
import { parseConfig } from "../../server/config.ts";
import { createLogger } from "../../core/index.ts";
import { startService, type RunningService } from "../../server/service.ts";
import { createTestDatabase, useMigratedDatabase, type TestDatabase } from "../helpers/database.ts";
import { cardActions, startFakeConnector, teamsCardAction, type FakeConnector } from "../helpers/fake-connector.ts";
import { fakeGraphSettings, startFakeGraph, type FakeGraph } from "../helpers/fake-graph.ts";
import { buildWorld, healthy } from "../rules/world.ts";
import { createApp } from "../../app/index.ts";

const LONDON = "Europe/London";
const TUTOR_EMAIL = "okafor@uni.example";
const OFFICE_HOURS = [
  { day: "tue", from: "10:00", to: "12:00" },
  { day: "thu", from: "14:00", to: "16:00" },
];
const at = (text: string) => new Date(text);
const iso = (slots: readonly Slot[]) => slots.map((s) => s.start.toISOString());
/** Monday 30 November 2026, 09:00 in London (GMT). */
const NOW = at("2026-11-30T09:00:00Z");
const TUE_8 = "2026-12-08T10:00:00.000Z";

describe("invitations to talk with the tutor's Microsoft Graph calendar", () => {
  const database = useMigratedDatabase();
  const db = () => database.db;
  /** What the meeting notices queued for staff in the staff outbox, from here on. */
  const staffOutbox = async () => {
    const since = (await db().prisma.staffMessage.aggregate({ _max: { id: true } }))._max.id ?? 0;
    return async () => {
      const rows = await db().prisma.staffMessage.findMany({ where: { id: { gt: since }, kind: "meeting_notice" }, orderBy: { id: "asc" } });
      return { teams: rows.filter((r) => r.channel === "teams"), email: rows.filter((r) => r.channel === "email") };
    };
  };
  let graph: FakeGraph;
  let calendar: TutorCalendar;
  let ids: Map<string, number>;
  let tutorId: number;
  const student = (number: string) => ids.get(number)!;
  const meetingOf = (number: string) => db().prisma.meeting.findFirstOrThrow({ where: { studentId: student(number) }, orderBy: { id: "desc" } });
  const proposedAudit = (meetingId: number) => db().prisma.auditLog.findFirstOrThrow({ where: { action: "meeting.proposed", targetId: String(meetingId) } });
  const studentIcs = (meetingId: number) => db().prisma.intervention.findMany({ where: { dedupeKey: `meeting:${meetingId}:calendar:REQUEST` } });

  beforeAll(async () => {
    graph = await startFakeGraph();
    calendar = graphTutorCalendar(createGraphCalendar(fakeGraphSettings(graph)));
    const world = await buildWorld(
      db(),
      ["S1", "S2", "S3", "S4", "S5"].map((number) => ({ number, programme: "XA", year: 1, activity: healthy() })),
    );
    ids = world.ids;
    tutorId = world.tutorId;
    const p = db().prisma;
    await p.staff.update({ where: { id: tutorId }, data: { displayName: "Dr Okafor", email: TUTOR_EMAIL, officeHours: OFFICE_HOURS, timezone: LONDON } });
    const names: Record<string, string> = { S1: "Jamie", S2: "Alex", S3: "Sam", S4: "Robin", S5: "Kit" };
    for (const [number, name] of Object.entries(names)) {
      await p.student.update({
        where: { id: student(number) },
        data: { givenName: name, familyName: "Reid", email: `${name.toLowerCase()}@students.example` },
      });
    }
    // Tuesday morning taken by a department meeting, and a tentative hold on Thursday's first half hour.
    graph.setBusy(TUTOR_EMAIL, [
      { start: "2026-12-01T09:30:00Z", end: "2026-12-01T11:15:00Z", status: "busy" },
      { start: "2026-12-03T14:00:00Z", end: "2026-12-03T14:30:00Z", status: "tentative" },
      { start: "2026-12-10T14:00:00Z", end: "2026-12-10T16:00:00Z", status: "free" },
    ]);
  });

  afterAll(async () => {
    await graph?.close();
  });

  it("keeps the tutor's Graph busy times out of the slots offered, and says so in the audit", async () => {
    const invited = await inviteToTalk(db(), { studentId: student("S1"), staffNumber: "T0001" }, DEFAULT_POLICY, NOW, calendar);
    expect(iso(invited.slots)).toEqual(["2026-12-01T11:15:00.000Z", "2026-12-03T14:30:00.000Z", TUE_8]);

    const request = graph.requests.find((r) => r.path.endsWith("/calendar/getSchedule"))!;
    expect(request.path).toBe(`/v1.0/users/${TUTOR_EMAIL}/calendar/getSchedule`);
    expect(request.body.startTime).toEqual({ dateTime: "2026-11-30T09:00:00", timeZone: "UTC" });
    expect(request.body.endTime).toEqual({ dateTime: "2026-12-15T09:00:00", timeZone: "UTC" });
    expect((await proposedAudit(invited.meetingId)).details).toMatchObject({ tutorCalendar: { freeBusy: "calendar", busyTimes: 2 } });
    const intervention = await db().prisma.intervention.findUniqueOrThrow({ where: { id: invited.interventionId } });
    expect(intervention.templateData).toMatchObject({ bookInTutorCalendar: true, meetingId: invited.meetingId });
  });

  it("offers the office hours alone when Graph fails, says why, and still invites", async () => {
    graph.fail({ status: 500, code: "InternalServerError", message: "Something went wrong." });
    const invited = await inviteToTalk(db(), { studentId: student("S2"), staffNumber: "T0001" }, DEFAULT_POLICY, NOW, calendar);
    expect(iso(invited.slots)).toEqual(["2026-12-01T10:00:00.000Z", "2026-12-03T14:00:00.000Z", TUE_8]);
    expect((await proposedAudit(invited.meetingId)).details).toMatchObject({
      tutorCalendar: {
        freeBusy: "office hours only",
        reason: "the tutor's calendar could not be read: Graph free/busy: HTTP 500 InternalServerError: Something went wrong.",
      },
    });
    expect(await db().prisma.intervention.findUniqueOrThrow({ where: { id: invited.interventionId } })).toMatchObject({ state: "queued" });
  });

  it("books the chosen time as a Teams meeting in the tutor's calendar, with no .ics to either of them", async () => {
    const booked = await chooseSlot(db(), { studentId: student("S1"), choice: 1, channel: "teams" }, at("2026-11-30T10:00:00Z"));
    expect(booked).toMatchObject({ booked: true, startsAt: at("2026-12-01T11:15:00Z") });
    expect(booked.answer).toContain("A calendar invitation is on its way to your email.");
    const meeting = await meetingOf("S1");
    // Graph sends the student its own invitation: a .ics as well would be the same meeting twice.
    expect(await studentIcs(meeting.id)).toHaveLength(0);

    const queued = await staffOutbox();
    const figures = await sendMeetingNotices(db(), 24, at("2026-11-30T10:05:00Z"), calendar);
    const { teams, email } = await queued();
    expect(figures).toMatchObject({ invitations: 1, calendarEvents: 1, calendarFallbacks: 0 });

    expect(graph.events).toHaveLength(1);
    const event = graph.events[0]!;
    expect(event.user).toBe(TUTOR_EMAIL);
    expect(event.body).toMatchObject({
      subject: "Chat: Jamie and Dr Okafor",
      start: { dateTime: "2026-12-01T11:15:00", timeZone: "UTC" },
      end: { dateTime: "2026-12-01T11:45:00", timeZone: "UTC" },
      attendees: [{ emailAddress: { address: "jamie@students.example", name: "Jamie Reid" }, type: "required" }],
      isOnlineMeeting: true,
      onlineMeetingProvider: "teamsForBusiness",
      transactionId: `meeting-${meeting.id}@nudge`,
    });
    const stored = await meetingOf("S1");
    expect(stored).toMatchObject({ state: "booked", graphEventId: event.id, onlineMeetingUrl: event.joinUrl });
    const audit = await db().prisma.auditLog.findFirstOrThrow({ where: { action: "meeting.calendar_event", targetId: String(meeting.id) } });
    expect(audit).toMatchObject({ actorKind: "system", studentId: student("S1") });
    expect(audit.details).toMatchObject({ eventId: event.id, onlineMeeting: true, studentInvited: true });

    // The tutor sees it booked with the join button, and gets no .ics: the event is in their calendar.
    expect(email).toHaveLength(0);
    expect(teams).toHaveLength(1);
    const card = JSON.stringify(teams[0]!.card);
    expect(card).toContain(event.joinUrl);
    expect(card).toContain("It's in your calendar, with the Teams link.");
    expect(await studentIcs(meeting.id)).toHaveLength(0);

    // The student finds the link on their booked card and in the reminder.
    expect((await invitationCardData(db(), meeting.id, at("2026-11-30T10:05:00Z"))).booked).toMatchObject({ onlineMeetingUrl: event.joinUrl });
    const reminder = await queueStudentReminder(db(), meeting.id, at("2026-11-30T12:00:00Z"));
    const texts = ((await db().prisma.intervention.findUniqueOrThrow({ where: { id: reminder.interventionId } })).templateData as any).texts;
    expect(texts.teams).toContain(`Online: ${event.joinUrl}`);

    // Once: the notice is claimed, so the job running again makes no second event.
    expect(await sendMeetingNotices(db(), 24, at("2026-11-30T10:10:00Z"), calendar)).toMatchObject({ invitations: 0, calendarEvents: 0 });
    expect(graph.events).toHaveLength(1);
  });

  it("falls back to the .ics emails for both when Graph refuses the event", async () => {
    const invited = await inviteToTalk(db(), { studentId: student("S3"), staffNumber: "T0001" }, DEFAULT_POLICY, NOW, calendar);
    // Jamie has Tuesday 11:15 and Graph the rest of that morning: nothing on 1 December. The "free" item on the 10th is no obstacle.
    expect(iso(invited.slots)).toEqual(["2026-12-03T14:30:00.000Z", TUE_8, "2026-12-10T14:00:00.000Z"]);
    await chooseSlot(db(), { studentId: student("S3"), choice: 1, channel: "sms" }, at("2026-11-30T10:00:00Z"));
    const meeting = await meetingOf("S3");
    expect(await studentIcs(meeting.id)).toHaveLength(0);

    graph.fail({ status: 403, code: "ErrorAccessDenied", message: "Access is denied. Check credentials and try again." });
    const queued = await staffOutbox();
    expect(await sendMeetingNotices(db(), 24, at("2026-11-30T10:05:00Z"), calendar)).toMatchObject({ invitations: 1, calendarEvents: 0, calendarFallbacks: 1 });
    const { email } = await queued();

    expect(graph.events).toHaveLength(1); // only Jamie's
    expect(await meetingOf("S3")).toMatchObject({ graphEventId: null, onlineMeetingUrl: null });
    const ics = await studentIcs(meeting.id);
    expect(ics).toHaveLength(1);
    expect(ics[0]).toMatchObject({ state: "queued", channelOrder: ["email"] });
    expect(ics[0]!.templateData).toMatchObject({ calendar: { meetingId: meeting.id, method: "REQUEST" } });
    expect(email).toHaveLength(1);
    expect(email[0]!.calendar).toMatchObject({ method: "REQUEST", filename: `meeting-${meeting.id}.ics` });
    const fallback = await db().prisma.auditLog.findFirstOrThrow({ where: { action: "meeting.calendar_fallback", targetId: String(meeting.id) } });
    expect(fallback.details).toMatchObject({
      reason: "the tutor's calendar did not take the event: Graph create event: HTTP 403 ErrorAccessDenied: Access is denied. Check credentials and try again.",
      studentInvitation: "by email (.ics)",
    });
  });

  it("leaves an invitation made without the calendar to the .ics emails, even once Graph is configured", async () => {
    const before = graph.requests.length;
    const invited = await inviteToTalk(db(), { studentId: student("S4"), staffNumber: "T0001" }, DEFAULT_POLICY, NOW);
    expect(graph.requests.length).toBe(before);
    expect((await proposedAudit(invited.meetingId)).details).not.toHaveProperty("tutorCalendar");
    await chooseSlot(db(), { studentId: student("S4"), choice: 3, channel: "email" }, at("2026-11-30T10:00:00Z"));
    const meeting = await meetingOf("S4");
    expect(await studentIcs(meeting.id)).toHaveLength(1);

    const queued = await staffOutbox();
    expect(await sendMeetingNotices(db(), 24, at("2026-11-30T10:05:00Z"), calendar)).toMatchObject({ invitations: 1, calendarEvents: 0, calendarFallbacks: 0 });
    expect(graph.events).toHaveLength(1);
    expect((await queued()).email).toHaveLength(1);
    expect(await studentIcs(meeting.id)).toHaveLength(1);
  });

  it("is what the service's meeting-notices job uses when GRAPH_* are configured", async () => {
    await inviteToTalk(db(), { studentId: student("S5"), staffNumber: "T0001" }, DEFAULT_POLICY, NOW, calendar);
    await chooseSlot(db(), { studentId: student("S5"), choice: 1, channel: "teams" }, at("2026-11-30T10:00:00Z"));
    const config = parseConfig({
      DATABASE_URL: database.url,
      GRAPH_TENANT_ID: graph.tenantId,
      GRAPH_CLIENT_ID: graph.clientId,
      GRAPH_CLIENT_SECRET: graph.clientSecret,
      GRAPH_BASE_URL: graph.graphUrl,
      GRAPH_LOGIN_BASE_URL: graph.loginUrl,
    });
    const job = serviceJobs(createApp(db()), config, { senders: () => new Map() }).find((j) => j.name === "meeting-notices")!;
    expect(await job.run({ scheduledFor: new Date(), trigger: "manual" } as never)).toMatchObject({ invitations: 1, calendarEvents: 1 });
    const meeting = await meetingOf("S5");
    expect(graph.events.at(-1)).toMatchObject({ id: meeting.graphEventId, body: { attendees: [{ emailAddress: { address: "kit@students.example" } }] } });
  });
});

describe("the tutor's 'Invite to talk' in Teams, on a service with GRAPH_* configured", () => {
  const TUTOR = { id: "29:1tutor-teams-id", name: "Dr Okafor", aadObjectId: "6b1d2c9e-0000-4000-8000-0000000000b1" };
  let testDb: TestDatabase;
  let graph: FakeGraph;
  let connector: FakeConnector;
  let service: RunningService;
  let studentId: number;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    [graph, connector] = await Promise.all([startFakeGraph(), startFakeConnector()]);
    // The people exist before the service starts, so its start-up catch-up runs never wait on this bulk load.
    const setup = await openDatabase(testDb.url, { migrate: true });
    try {
      const world = await buildWorld(setup, [{ number: "S1", programme: "XA", year: 1, activity: healthy() }]);
      studentId = world.ids.get("S1")!;
      await setup.prisma.staff.update({
        where: { id: world.tutorId },
        data: { displayName: "Dr Okafor", email: TUTOR_EMAIL, entraObjectId: TUTOR.aadObjectId, officeHours: OFFICE_HOURS, timezone: LONDON },
      });
      await setup.prisma.student.update({ where: { id: studentId }, data: { givenName: "Jamie", email: "jamie@students.example" } });
      await receiveStudentMessage(setup, { studentId, channel: "teams", text: "I need help" }, { answerInline: true });
    } finally {
      await setup.close();
    }
    const never = "0 0 1 1 *";
    const config = parseConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: testDb.url,
      LOG_LEVEL: "silent",
      NUDGE_OUTBOX_SCHEDULE: never,
      NUDGE_RULES_SCHEDULE: never,
      NUDGE_DIGEST_SCHEDULE: never,
      NUDGE_MEETING_NOTICES_SCHEDULE: never,
      NUDGE_RETENTION_SCHEDULE: never,
      GRAPH_TENANT_ID: graph.tenantId,
      GRAPH_CLIENT_ID: graph.clientId,
      GRAPH_CLIENT_SECRET: graph.clientSecret,
      GRAPH_BASE_URL: graph.graphUrl,
      GRAPH_LOGIN_BASE_URL: graph.loginUrl,
    });
    service = await startService(config, createLogger("silent"));
    // On SQLite a start-up catch-up run (xAPI retention) holding the writer would only slow the test down.
    for (let waited = 0; waited < 10_000 && (await service.db.prisma.jobRun.count({ where: { status: "running" } })) > 0; waited += 50)
      await new Promise((r) => setTimeout(r, 50));
  });

  afterAll(async () => {
    await service?.stop();
    await Promise.all([graph?.close(), connector?.close()]);
    await testDb?.drop();
  });

  it("offers slots clear of the tutor's Graph calendar", async () => {
    const db = service.db;
    // The tutor is away for the coming week: every slot offered must come after it.
    const back = new Date(Date.now() + 7 * 86_400_000);
    graph.setBusy(TUTOR_EMAIL, [{ start: new Date().toISOString(), end: back.toISOString(), status: "oof" }]);
    const digest = (await composeDigest(db, "T0001", "asked", [TUTOR.id]))!;
    const invite = cardActions(digest.card).find((a) => a.verb === "digest.invite")!;

    const conversation = { conversationType: "personal", tenantId: "72f988bf-0000-4000-8000-000000000001", id: `a:chat-${TUTOR.id}` };
    const response = await fetch(`http://127.0.0.1:${service.port}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(teamsCardAction(connector.serviceUrl, invite.verb, invite.data, { from: TUTOR, conversation })),
    });
    expect(response.status).toBe(200);

    expect(graph.requests.filter((r) => r.path === `/v1.0/users/${TUTOR_EMAIL}/calendar/getSchedule`)).toHaveLength(1);
    const meeting = await db.prisma.meeting.findFirstOrThrow({ where: { studentId } });
    const slots = meeting.proposedSlots as { start: string }[];
    expect(slots).toHaveLength(3);
    expect(slots.every((s) => new Date(s.start) >= back)).toBe(true);
    const audit = await db.prisma.auditLog.findFirstOrThrow({ where: { action: "meeting.proposed", targetId: String(meeting.id) } });
    expect(audit.details).toMatchObject({ tutorCalendar: { freeBusy: "calendar", busyTimes: 1 } });
  });
});
