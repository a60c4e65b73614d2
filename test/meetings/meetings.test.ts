/**
 * Invitations to talk: slots from office hours (clock changes, busy times, malformed hours), the
 * invitation approved by the tutor, the student's choice (by SMS "2", racing, taken, invalid), the
 * calendar invitation, the outcome closing the flags, and the notices the scheduler sends.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  chooseSlot,
  dueMeetingNotices,
  inviteToTalk,
  markNotified,
  meetingCalendar,
  MeetingError,
  proposeSlots,
  queueStudentReminder,
  recordOutcome,
  slotLabel,
  type Slot,
} from "../../meetings/index.ts";
import { DEFAULT_POLICY } from "../../interventions/index.ts";
import { AccessRefused, roleScopeKey } from "../../access/index.ts";
import { MAX_SMS_SEGMENTS, smsSegmentsOf } from "../../rules/templates.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { buildWorld, healthy } from "../rules/world.ts";
import { receiveStudentMessage } from "../../conversations/index.ts";

const LONDON = "Europe/London";
const iso = (slots: readonly Slot[]) => slots.map((s) => s.start.toISOString());
const at = (text: string) => new Date(text);

/** Tuesdays 10-12 and Thursdays 14-16. */
const OFFICE_HOURS = [
  { day: "tue", from: "10:00", to: "12:00" },
  { day: "thu", from: "14:00", to: "16:00" },
];
/** Monday 30 November 2026, 09:00 in London (GMT). */
const NOW = at("2026-11-30T09:00:00Z");
const TUE_1 = "2026-12-01T10:00:00.000Z";
const THU_3 = "2026-12-03T14:00:00.000Z";
const TUE_8 = "2026-12-08T10:00:00.000Z";

describe("proposeSlots", () => {
  it("keeps office hours on the tutor's wall clock across the October clock change (Europe/London)", () => {
    // BST ends at 01:00 UTC on Sunday 25 October 2026: Friday 10:00 is 09:00 UTC, Monday 10:00 is 10:00 UTC.
    const slots = proposeSlots(
      [
        { day: "fri", from: "10:00", to: "11:00" },
        { day: "Monday", from: "10:00", to: "11:00" },
      ],
      LONDON,
      at("2026-10-22T09:00:00Z"),
    );
    expect(iso(slots)).toEqual(["2026-10-23T09:00:00.000Z", "2026-10-26T10:00:00.000Z", "2026-10-30T10:00:00.000Z"]);
    expect(slots.map((s) => slotLabel(s, LONDON))).toEqual([
      "Friday 23 October, 10:00 to 10:30",
      "Monday 26 October, 10:00 to 10:30",
      "Friday 30 October, 10:00 to 10:30",
    ]);
    expect(slots.every((s) => s.end.getTime() - s.start.getTime() === 30 * 60_000)).toBe(true);
  });

  it("spreads slots over different days first, then fills in time order, within the horizon", () => {
    const slots = proposeSlots([{ day: "tue", from: "10:00", to: "12:00" }], LONDON, NOW, { count: 4 });
    // Two Tuesdays within 14 days (15 December is beyond): one each, then the earliest others.
    expect(iso(slots)).toEqual([TUE_1, "2026-12-01T10:30:00.000Z", "2026-12-01T11:00:00.000Z", TUE_8]);
  });

  it("keeps the notice period and steps around busy times", () => {
    // 24 hours' notice from Monday 10:07: Tuesday starts at the next quarter hour.
    expect(iso(proposeSlots(OFFICE_HOURS, LONDON, at("2026-11-30T10:07:00Z"), { count: 1 }))).toEqual(["2026-12-01T10:15:00.000Z"]);
    const busy = [{ start: at("2026-12-01T10:00:00Z"), end: at("2026-12-01T10:45:00Z") }];
    expect(iso(proposeSlots(OFFICE_HOURS, LONDON, NOW, { busy, count: 1 }))).toEqual(["2026-12-01T10:45:00.000Z"]);
    const wholeTuesday = [{ start: at("2026-12-01T09:30:00Z"), end: at("2026-12-01T12:00:00Z") }];
    expect(iso(proposeSlots(OFFICE_HOURS, LONDON, NOW, { busy: wholeTuesday }))).toEqual([THU_3, TUE_8, "2026-12-10T14:00:00.000Z"]);
    expect(proposeSlots(OFFICE_HOURS, LONDON, NOW, { horizonDays: 1 })).toEqual([]);
  });

  it("refuses malformed office hours, naming the field", () => {
    const attempt =
      (hours: unknown, zone = LONDON) =>
      () =>
        proposeSlots(hours, zone, NOW);
    expect(attempt([OFFICE_HOURS[0], { day: "wed", from: "25:00", to: "26:00" }])).toThrow(/^officeHours\[1\]\.from: "25:00" is not a time/);
    expect(attempt([{ day: "funday", from: "10:00", to: "12:00" }])).toThrow(/^officeHours\[0\]\.day: "funday" is not a day/);
    expect(attempt([{ day: "tue", from: "12:00", to: "10:00" }])).toThrow(/^officeHours\[0\]\.to: "10:00" is not after "from" \(12:00\)/);
    expect(attempt([{ day: "tue", from: "10:00", to: "12:00", room: "B12" }])).toThrow(/^officeHours\[0\]: unknown field "room"/);
    expect(attempt([{ day: "tue", to: "12:00" }])).toThrow(/^officeHours\[0\]\.from: missing/);
    expect(attempt({ day: "tue" })).toThrow(/^officeHours: .* is not a list of office hours/);
    expect(attempt(null)).toThrow(/the tutor has no office hours configured/);
    expect(attempt([])).toThrow(MeetingError);
    expect(attempt(OFFICE_HOURS, "Mars/Olympus")).toThrow(/^timezone: "Mars\/Olympus" is not a known time zone/);
  });
});

describe("meetings", () => {
  const database = useMigratedDatabase();
  const db = () => database.db;
  let ids: Map<string, number>;
  let tutorId: number;
  const student = (number: string) => ids.get(number)!;
  const meetingOf = (number: string) => db().prisma.meeting.findFirstOrThrow({ where: { studentId: student(number) }, orderBy: { id: "desc" } });

  beforeAll(async () => {
    const world = await buildWorld(
      db(),
      ["S1", "S2", "S3", "S4"].map((number) => ({ number, programme: "XA", year: 1, activity: healthy() })),
    );
    ids = world.ids;
    tutorId = world.tutorId;
    const p = db().prisma;
    await p.staff.update({
      where: { id: tutorId },
      data: { displayName: "Dr Okafor", email: "okafor@uni.example", officeHours: OFFICE_HOURS, timezone: LONDON },
    });
    // A personal tutor with office hours but no tutees: may not invite or record outcomes for these students.
    const other = await p.staff.create({ data: { staffNumber: "T0002", displayName: "Dr Other", officeHours: OFFICE_HOURS } });
    await p.staffRoleAssignment.create({ data: { staffId: other.id, role: "personal_tutor", scopeKey: roleScopeKey("personal_tutor") } });
    await p.student.update({
      where: { id: student("S1") },
      data: { givenName: "Jamie", familyName: "Reid", email: "jamie@students.example", mobile: "+447700900001", channelOrder: ["sms", "email"] },
    });
    await p.student.update({ where: { id: student("S2") }, data: { givenName: "Alex", mobile: "+447700900002" } });
    await p.student.update({ where: { id: student("S3") }, data: { givenName: "Sam", email: "sam@students.example" } });
    await p.student.update({ where: { id: student("S4") }, data: { givenName: "Robin", email: "robin@students.example" } });
  });

  describe("inviting", () => {
    it("approves the student's own 'I need help' proposal with the tutor's slots, texts and decision, and queues it", async () => {
      const help = await receiveStudentMessage(db(), { studentId: student("S1"), channel: "teams", text: "I need help" }, { answerInline: true, now: NOW });
      const invited = await inviteToTalk(db(), { studentId: student("S1"), staffNumber: "T0001", note: "missed two tutorials" }, DEFAULT_POLICY, NOW);
      expect(invited.interventionId).toBe(help.proposedInvitationId);
      expect(iso(invited.slots)).toEqual([TUE_1, THU_3, TUE_8]);

      const intervention = await db().prisma.intervention.findUniqueOrThrow({ where: { id: invited.interventionId }, include: { deliveries: true } });
      expect(intervention).toMatchObject({
        state: "queued",
        approvedById: tutorId,
        approvedAt: NOW,
        decisionNote: "missed two tutorials",
        proposedBy: "student",
      });
      // The order of the student's own request (they wrote in Teams) is kept.
      expect(intervention.channelOrder).toEqual(["teams", "email", "sms"]);
      expect(intervention.deliveries.map((d) => [d.channel, d.state])).toEqual([["teams", "pending"]]);
      const data = intervention.templateData as any;
      expect(data.meetingId).toBe(invited.meetingId);
      expect(data.texts.sms).toBe(
        "Hi Jamie, it's Dr Okafor. Could we have a short chat? Reply 1, 2 or 3: 1) Tue 1 Dec 10:00 2) Thu 3 Dec 14:00 3) Tue 8 Dec 10:00",
      );
      expect(smsSegmentsOf(data.texts.sms).segments).toBeLessThanOrEqual(MAX_SMS_SEGMENTS);
      expect(data.texts.teams).toMatch(/^Hi Jamie, it's Dr Okafor\. .*pick one of the times below/);
      expect(data.texts.email.subject).toBe("A short chat with Dr Okafor");
      expect(data.texts.email.body).toContain(
        "1) Tuesday 1 December, 10:00 to 10:30\n2) Thursday 3 December, 14:00 to 14:30\n3) Tuesday 8 December, 10:00 to 10:30",
      );
      expect(data.texts.email.body).toContain("reply with 1, 2 or 3");
      expect(JSON.stringify(data.texts)).not.toContain("tutorials"); // the tutor's note stays with staff
      expect(intervention.body).toBe(data.texts.teams);

      const meeting = await db().prisma.meeting.findUniqueOrThrow({ where: { id: invited.meetingId } });
      expect(meeting).toMatchObject({ state: "proposed", tutorId, studentId: student("S1"), interventionId: invited.interventionId, startsAt: null });
      expect(meeting.proposedSlots).toEqual(invited.slots.map((s) => ({ start: s.start.toISOString(), end: s.end.toISOString() })));
      const audit = await db().prisma.auditLog.findFirstOrThrow({ where: { action: "meeting.proposed", targetId: String(meeting.id) } });
      expect(audit).toMatchObject({ actorKind: "staff", actorId: "T0001", studentId: student("S1") });
      const approved = await db().prisma.auditLog.findFirstOrThrow({ where: { action: "intervention.approved", targetId: String(invited.interventionId) } });
      expect(approved).toMatchObject({ actorId: "T0001" });
      expect(approved.details).toMatchObject({ from: "awaiting_approval", meetingId: meeting.id });
    });

    it("refuses a second invitation while the first waits for an answer", async () => {
      await expect(inviteToTalk(db(), { studentId: student("S1"), staffNumber: "T0001" }, DEFAULT_POLICY, NOW)).rejects.toThrow(
        /^Jamie already has an invitation to talk from Dr Okafor waiting for an answer/,
      );
      expect(await db().prisma.meeting.count({ where: { studentId: student("S1") } })).toBe(1);
      expect(await db().prisma.intervention.count({ where: { studentId: student("S1"), kind: "invitation_to_talk" } })).toBe(1);
    });

    it("refuses a tutor who is not the student's, audits the refusal and creates nothing", async () => {
      await expect(inviteToTalk(db(), { studentId: student("S2"), staffNumber: "T0002" }, DEFAULT_POLICY, NOW)).rejects.toThrow(AccessRefused);
      const refusal = await db().prisma.auditLog.findFirstOrThrow({ where: { action: "access.refused", actorId: "T0002", studentId: student("S2") } });
      expect(refusal.details).toMatchObject({ capability: "intervention.decide" });
      expect(await db().prisma.meeting.count({ where: { studentId: student("S2") } })).toBe(0);
      expect(await db().prisma.intervention.count({ where: { studentId: student("S2") } })).toBe(0);
      expect(await db().prisma.auditLog.count({ where: { action: "meeting.proposed", studentId: student("S2") } })).toBe(0);
    });

    it("proposes one for the tutor when the student asked for nothing, in the student's order, through the whole lifecycle", async () => {
      const invited = await inviteToTalk(db(), { studentId: student("S3"), staffNumber: "T0001" }, DEFAULT_POLICY, NOW);
      expect(iso(invited.slots)).toEqual([TUE_1, THU_3, TUE_8]);
      const intervention = await db().prisma.intervention.findUniqueOrThrow({ where: { id: invited.interventionId } });
      expect(intervention).toMatchObject({ kind: "invitation_to_talk", state: "queued", proposedBy: "staff:T0001", approvedById: tutorId });
      expect(intervention.channelOrder).toEqual(["teams", "email", "sms"]);
      const trail = await db().prisma.auditLog.findMany({
        where: { targetType: "intervention", targetId: String(invited.interventionId) },
        orderBy: { id: "asc" },
      });
      expect(trail.map((t) => t.action)).toEqual(["intervention.proposed", "intervention.awaiting_approval", "intervention.approved", "intervention.queued"]);
    });
  });

  describe("choosing a slot", () => {
    it("books '2' sent by SMS, answers on SMS, and queues the calendar invitation by email", async () => {
      const meeting = await meetingOf("S1");
      const outcome = await receiveStudentMessage(
        db(),
        { studentId: student("S1"), channel: "sms", text: " 2. ", providerMessageId: "SM-slot-1" },
        { answerInline: true, now: at("2026-11-30T10:00:00Z") },
      );
      expect(outcome.meeting).toEqual({ meetingId: meeting.id, booked: true });
      expect(outcome.answer).toBe(
        "Booked: Thursday 3 December, 14:00 to 14:30 with Dr Okafor. A calendar invitation is on its way to your email. If you can't make it after all, reply here to let Dr Okafor know.",
      );

      const booked = await db().prisma.meeting.findUniqueOrThrow({ where: { id: meeting.id } });
      expect(booked).toMatchObject({ state: "booked", startsAt: at(THU_3), endsAt: at("2026-12-03T14:30:00Z"), icsUid: `meeting-${meeting.id}@nudge` });
      const audit = await db().prisma.auditLog.findFirstOrThrow({ where: { action: "meeting.booked", targetId: String(meeting.id) } });
      expect(audit).toMatchObject({ actorKind: "student", actorId: "S1" });
      expect(audit.details).toMatchObject({ choice: 2, channel: "sms" });

      const reply = await db().prisma.reply.findUniqueOrThrow({ where: { providerMessageId: "SM-slot-1" } });
      expect(reply).toMatchObject({ text: " 2. ", channel: "sms" });
      const answer = await db().prisma.intervention.findFirstOrThrow({
        where: { studentId: student("S1"), kind: "reply", body: outcome.answer! },
        include: { deliveries: true },
      });
      expect(answer).toMatchObject({ state: "sent", channel: "sms" });

      const calendar = await db().prisma.intervention.findMany({
        where: { studentId: student("S1"), dedupeKey: `meeting:${meeting.id}:calendar:REQUEST` },
        include: { deliveries: true },
      });
      expect(calendar).toHaveLength(1);
      expect(calendar[0]!.channelOrder).toEqual(["email"]);
      expect(calendar[0]).toMatchObject({
        kind: "reply",
        state: "queued",
        approvedById: null,
        subject: "Booked: a chat with Dr Okafor, Thursday 3 December, 14:00 to 14:30",
      });
      expect(calendar[0]!.templateData).toMatchObject({ calendar: { meetingId: meeting.id, method: "REQUEST" }, evidence: [], flagIds: [] });
      expect(calendar[0]!.deliveries.map((d) => [d.channel, d.state])).toEqual([["email", "pending"]]);
      const approval = await db().prisma.auditLog.findFirstOrThrow({ where: { action: "intervention.approved", targetId: String(calendar[0]!.id) } });
      expect(approval.details).toMatchObject({ policy: "the calendar invitation for a meeting the student booked" });
    });

    it("answers a second choice after booking with the booking, changing nothing", async () => {
      const again = await receiveStudentMessage(
        db(),
        { studentId: student("S1"), channel: "sms", text: "option 3" },
        { answerInline: true, now: at("2026-11-30T10:05:00Z") },
      );
      expect(again.meeting?.booked).toBe(true);
      expect(again.answer).toBe("You're already booked: Thursday 3 December, 14:00 to 14:30 with Dr Okafor.");
      expect((await meetingOf("S1")).startsAt).toEqual(at(THU_3));
      expect(await db().prisma.auditLog.count({ where: { action: "meeting.booked", studentId: student("S1") } })).toBe(1);
    });

    it("offers the remaining slots when the chosen one was taken meanwhile", async () => {
      const before = await meetingOf("S3");
      const taken = await chooseSlot(db(), { studentId: student("S3"), choice: 2, channel: "teams" }, at("2026-11-30T10:10:00Z"));
      expect(taken).toMatchObject({ booked: false, startsAt: null, meetingId: before.id });
      expect(taken.answer).toBe(
        "Sorry, Thursday 3 December, 14:00 to 14:30 has just been taken. Still free: 1) Tue 1 Dec 10:00 3) Tue 8 Dec 10:00. Reply 1 or 3.",
      );
      expect((await meetingOf("S3")).state).toBe("proposed");
    });

    it("lists the valid choices for an invalid one, and refuses another student's meeting", async () => {
      const invalid = await chooseSlot(db(), { studentId: student("S3"), choice: 7, channel: "sms" }, at("2026-11-30T10:10:00Z"));
      expect(invalid).toMatchObject({ booked: false, startsAt: null });
      expect(invalid.answer).toBe("Sorry, 7 isn't one of the times offered. Please reply 1 or 3: 1) Tue 1 Dec 10:00 3) Tue 8 Dec 10:00");
      // A slot that has passed is not offered either.
      const late = await chooseSlot(db(), { studentId: student("S3"), choice: 1, channel: "sms" }, at("2026-12-01T10:00:00Z"));
      expect(late.answer).toBe("Sorry, Tuesday 1 December, 10:00 to 10:30 has already passed. Still free: 3) Tue 8 Dec 10:00. Reply 3.");

      const audits = await db().prisma.auditLog.count();
      const s1 = await meetingOf("S1");
      await expect(chooseSlot(db(), { studentId: student("S3"), choice: 1, meetingId: s1.id, channel: "teams" }, at("2026-11-30T10:10:00Z"))).rejects.toThrow(
        MeetingError,
      );
      expect(await db().prisma.meeting.findUniqueOrThrow({ where: { id: s1.id } })).toEqual(s1);
      expect(await db().prisma.auditLog.count()).toBe(audits);
      expect((await meetingOf("S3")).state).toBe("proposed");
    });

    it("leaves the tutor's booked meetings out of later invitations", async () => {
      const s2 = await inviteToTalk(db(), { studentId: student("S2"), staffNumber: "T0001" }, DEFAULT_POLICY, at("2026-11-30T10:00:00Z"));
      const s4 = await inviteToTalk(db(), { studentId: student("S4"), staffNumber: "T0001" }, DEFAULT_POLICY, at("2026-11-30T10:00:00Z"));
      // Jamie has Thursday 14:00-14:30: Thursday's first free slot is 14:30.
      expect(iso(s2.slots)).toEqual([TUE_1, "2026-12-03T14:30:00.000Z", TUE_8]);
      expect(iso(s4.slots)).toEqual(iso(s2.slots));
      const intervention = await db().prisma.intervention.findUniqueOrThrow({ where: { id: s2.interventionId } });
      expect((intervention.templateData as any).texts.sms).toContain("2) Thu 3 Dec 14:30");
    });

    it("books a time two students pick at once for only one of them", async () => {
      const when = at("2026-11-30T11:00:00Z");
      const results = await Promise.all([
        chooseSlot(db(), { studentId: student("S2"), choice: 2, channel: "sms" }, when),
        chooseSlot(db(), { studentId: student("S4"), choice: 2, channel: "teams" }, when),
      ]);
      expect(results.map((r) => r.booked).sort()).toEqual([false, true]);
      const loser = results.find((r) => !r.booked)!;
      expect(loser.answer).toMatch(/^Sorry, Thursday 3 December, 14:30 to 15:00 has just been taken\. Still free: 1\) Tue 1 Dec 10:00 3\) Tue 8 Dec 10:00/);
      const atThatTime = await db().prisma.meeting.count({ where: { tutorId, state: "booked", startsAt: at("2026-12-03T14:30:00Z") } });
      expect(atThatTime).toBe(1);
    });

    it("books once when the same student's choice arrives twice at once", async () => {
      const meeting = await meetingOf("S3");
      const when = at("2026-11-30T11:05:00Z");
      const results = await Promise.all([
        chooseSlot(db(), { studentId: student("S3"), choice: 3, channel: "teams" }, when),
        chooseSlot(db(), { studentId: student("S3"), choice: 3, channel: "sms" }, when),
        chooseSlot(db(), { studentId: student("S3"), choice: 3, channel: "email" }, when),
      ]);
      expect(results.every((r) => r.booked && r.startsAt?.toISOString() === TUE_8)).toBe(true);
      expect(results.filter((r) => r.answer.startsWith("Booked:"))).toHaveLength(1);
      expect(await db().prisma.auditLog.count({ where: { action: "meeting.booked", targetId: String(meeting.id) } })).toBe(1);
      expect(await db().prisma.intervention.count({ where: { studentId: student("S3"), kind: "reply", dedupeKey: { startsWith: "meeting:" } } })).toBe(1);
    });
  });

  describe("the calendar invitation", () => {
    /** Unfolded content lines (RFC 5545 3.1). */
    const lines = (ics: string) =>
      ics
        .replace(/\r?\n[ \t]/g, "")
        .split(/\r?\n/)
        .filter(Boolean);
    const property = (all: string[], name: string) => all.filter((l) => l.startsWith(`${name}:`) || l.startsWith(`${name};`));

    it("is one event for both, organised by the tutor, both attending with RSVP", async () => {
      const meeting = await meetingOf("S1");
      const calendar = await meetingCalendar(db(), meeting.id, "REQUEST");
      expect(calendar).toMatchObject({ filename: `meeting-${meeting.id}.ics`, method: "REQUEST" });
      const all = lines(calendar.content);
      expect(all[0]).toBe("BEGIN:VCALENDAR");
      expect(all.at(-1)).toBe("END:VCALENDAR");
      expect(property(all, "METHOD")).toEqual(["METHOD:REQUEST"]);
      expect(property(all, "UID")).toEqual([`UID:meeting-${meeting.id}@nudge`]);
      expect(property(all, "DTSTART")).toEqual(["DTSTART:20261203T140000Z"]);
      expect(property(all, "DTEND")).toEqual(["DTEND:20261203T143000Z"]);
      expect(property(all, "SEQUENCE")).toEqual(["SEQUENCE:0"]);
      expect(property(all, "SUMMARY")).toEqual(["SUMMARY:Chat: Jamie and Dr Okafor"]);
      const [organizer] = property(all, "ORGANIZER");
      expect(organizer).toMatch(/CN="?Dr Okafor"?/);
      expect(organizer!.toLowerCase()).toContain("mailto:okafor@uni.example");
      const attendees = property(all, "ATTENDEE");
      expect(attendees).toHaveLength(2);
      expect(attendees.every((a) => a.includes("RSVP=TRUE"))).toBe(true);
      expect(attendees.map((a) => a.toLowerCase().split("mailto:")[1]).sort()).toEqual(["jamie@students.example", "okafor@uni.example"]);
    });

    it("withdraws the same event with CANCEL, and refuses a meeting with no booked time", async () => {
      const meeting = await meetingOf("S1");
      const all = lines((await meetingCalendar(db(), meeting.id, "CANCEL")).content);
      expect(property(all, "METHOD")).toEqual(["METHOD:CANCEL"]);
      expect(property(all, "STATUS")).toEqual(["STATUS:CANCELLED"]);
      expect(property(all, "UID")).toEqual([`UID:meeting-${meeting.id}@nudge`]);
      expect(property(all, "SEQUENCE")).toEqual(["SEQUENCE:1"]);
      const unbooked = await db().prisma.meeting.findFirstOrThrow({ where: { state: "proposed" } });
      await expect(meetingCalendar(db(), unbooked.id, "REQUEST")).rejects.toThrow(/has no booked time/);
    });
  });

  describe("notices", () => {
    const WEDNESDAY = at("2026-12-02T15:00:00Z");

    it("lists what is due, and lets one caller claim each notice", async () => {
      const s1 = await meetingOf("S1");
      const s3 = await meetingOf("S3");
      const thursday = await db().prisma.meeting.findFirstOrThrow({ where: { state: "booked", startsAt: at("2026-12-03T14:30:00Z") } });
      const due = await dueMeetingNotices(db(), WEDNESDAY, { reminderHours: 24 });
      expect(due.tutorInvitations.map((n) => n.meetingId).sort()).toEqual([s1.id, s3.id, thursday.id].sort());
      expect(due.reminders.map((n) => n.meetingId)).toEqual([s1.id, thursday.id]);
      expect(due.reminders[0]).toMatchObject({ id: s1.id, studentId: student("S1"), tutorId, startsAt: at(THU_3) });
      expect(due.outcomeRequests).toEqual([]);

      const claims = await Promise.all([markNotified(db(), s1.id, "reminderSentAt", WEDNESDAY), markNotified(db(), s1.id, "reminderSentAt", WEDNESDAY)]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await markNotified(db(), s1.id, "tutorNotifiedAt", WEDNESDAY)).toBe(true);
      const after = await dueMeetingNotices(db(), WEDNESDAY);
      expect(after.reminders.map((n) => n.meetingId)).toEqual([thursday.id]);
      expect(after.tutorInvitations.map((n) => n.meetingId)).not.toContain(s1.id);

      const ended = await dueMeetingNotices(db(), at("2026-12-03T14:45:00Z"));
      expect(ended.outcomeRequests.map((n) => n.meetingId)).toEqual([s1.id]);
    });

    it("queues the student's reminder once, on their channels, approved by the system", async () => {
      const s1 = await meetingOf("S1");
      const first = await queueStudentReminder(db(), s1.id, WEDNESDAY);
      expect(first.created).toBe(true);
      const reminder = await db().prisma.intervention.findUniqueOrThrow({ where: { id: first.interventionId }, include: { deliveries: true } });
      expect(reminder).toMatchObject({ kind: "reply", state: "queued", approvedById: null });
      expect(reminder.channelOrder).toEqual(["sms", "email", "teams"]); // Jamie's preference first
      expect(reminder.deliveries.map((d) => d.channel)).toEqual(["sms"]);
      const texts = (reminder.templateData as any).texts;
      expect(texts.sms).toBe("Reminder: your chat with Dr Okafor is tomorrow at 14:00. If you can't make it, reply to let them know.");
      expect(texts.teams).toContain("is tomorrow at 14:00 (Thursday 3 December, 14:00 to 14:30)");
      expect(texts.email.subject).toBe("Reminder: your chat with Dr Okafor tomorrow at 14:00");
      expect(await queueStudentReminder(db(), s1.id, WEDNESDAY)).toEqual({ interventionId: first.interventionId, created: false });
      expect(await db().prisma.intervention.count({ where: { dedupeKey: `meeting:${s1.id}:reminder` } })).toBe(1);
    });
  });

  describe("the outcome", () => {
    const AFTER = at("2026-12-03T15:00:00Z");
    let flags: Record<"recent" | "snoozed" | "old" | "dismissed" | "unrelated", number>;

    beforeAll(async () => {
      const p = db().prisma;
      const s1 = student("S1");
      await p.rule.create({ data: { id: "no-vle-10-days", title: "No VLE activity for 10 days" } });
      const flag = (periodKey: string, state: "actioned" | "snoozed" | "dismissed" | "open") =>
        p.flag.create({ data: { studentId: s1, ruleId: "no-vle-10-days", ruleVersion: 1, periodKey, day: 0, state, evidence: {} } }).then((f) => f.id);
      flags = {
        recent: await flag("2026-11-24", "actioned"),
        snoozed: await flag("2026-11-25", "snoozed"),
        old: await flag("2026-10-20", "actioned"),
        dismissed: await flag("2026-11-26", "dismissed"),
        unrelated: await flag("2026-11-27", "open"),
      };
      // A nudge five days before the invitation (with its flags), and one from long before.
      await p.intervention.create({
        data: {
          studentId: s1,
          kind: "nudge",
          state: "sent",
          body: "Hi Jamie",
          proposedBy: "rule:no-vle-10-days@1",
          flagId: flags.recent,
          templateData: { texts: {}, evidence: [], flagIds: [flags.recent, flags.snoozed, flags.dismissed] },
          createdAt: at("2026-11-25T07:00:00Z"),
        },
      });
      await p.intervention.create({
        data: {
          studentId: s1,
          kind: "nudge",
          state: "sent",
          body: "Hi Jamie",
          proposedBy: "rule:no-vle-10-days@1",
          flagId: flags.old,
          createdAt: at("2026-10-21T07:00:00Z"),
        },
      });
    });

    it("is refused before the meeting starts, and to a tutor who is not the student's (audited)", async () => {
      const s1 = await meetingOf("S1");
      await expect(recordOutcome(db(), { meetingId: s1.id, staffNumber: "T0001", outcome: "met" }, at("2026-12-03T13:59:00Z"))).rejects.toThrow(
        /has not started yet/,
      );
      await expect(recordOutcome(db(), { meetingId: s1.id, staffNumber: "T0002", outcome: "met" }, AFTER)).rejects.toThrow(AccessRefused);
      const refusal = await db().prisma.auditLog.findFirstOrThrow({ where: { action: "access.refused", actorId: "T0002", studentId: student("S1") } });
      expect(refusal.details).toMatchObject({ capability: "student.contact" });
      expect(await db().prisma.meeting.findUniqueOrThrow({ where: { id: s1.id } })).toMatchObject({ state: "booked", outcome: null });
      expect(await db().prisma.flag.count({ where: { studentId: student("S1"), state: "closed" } })).toBe(0);
    });

    it("records it once and closes the flags behind the invitation and the recent nudges", async () => {
      const s1 = await meetingOf("S1");
      const result = await recordOutcome(db(), { meetingId: s1.id, staffNumber: "T0001", outcome: "support_agreed" }, AFTER);
      expect(result).toEqual({ meetingId: s1.id, state: "held", outcome: "support_agreed", flagsClosed: 2 });
      expect(await db().prisma.meeting.findUniqueOrThrow({ where: { id: s1.id } })).toMatchObject({
        state: "held",
        outcome: "support_agreed",
        outcomeRecordedAt: AFTER,
        outcomeRecordedById: tutorId,
      });
      const state = async (id: number) => db().prisma.flag.findUniqueOrThrow({ where: { id } });
      expect(await state(flags.recent)).toMatchObject({ state: "closed", closedAt: AFTER, closedReason: "meeting: support_agreed" });
      expect(await state(flags.snoozed)).toMatchObject({ state: "closed", closedReason: "meeting: support_agreed" });
      expect((await state(flags.old)).state).toBe("actioned");
      expect((await state(flags.dismissed)).state).toBe("dismissed");
      expect((await state(flags.unrelated)).state).toBe("open");
      const audit = await db().prisma.auditLog.findFirstOrThrow({ where: { action: "meeting.outcome", targetId: String(s1.id) } });
      expect(audit).toMatchObject({ actorKind: "staff", actorId: "T0001", studentId: student("S1") });
      expect(audit.details).toMatchObject({ outcome: "support_agreed", flagsClosed: 2 });

      await expect(recordOutcome(db(), { meetingId: s1.id, staffNumber: "T0001", outcome: "met" }, AFTER)).rejects.toThrow(
        /already recorded by Dr Okafor on 2026-12-03: support agreed/,
      );
      expect((await db().prisma.meeting.findUniqueOrThrow({ where: { id: s1.id } })).outcome).toBe("support_agreed");
    });

    it("marks a no-show as such, and lets the tutor invite the student again afterwards", async () => {
      const thursday = await db().prisma.meeting.findFirstOrThrow({ where: { state: "booked", startsAt: at("2026-12-03T14:30:00Z") } });
      expect((await recordOutcome(db(), { meetingId: thursday.id, staffNumber: "T0001", outcome: "no_show" }, AFTER)).state).toBe("no_show");
      const again = await inviteToTalk(db(), { studentId: thursday.studentId, staffNumber: "T0001" }, DEFAULT_POLICY, AFTER);
      // Sam's Tuesday 8 December is booked: the next Tuesday is 15 December.
      expect(iso(again.slots)).toEqual(["2026-12-08T10:30:00.000Z", "2026-12-10T14:00:00.000Z", "2026-12-15T10:00:00.000Z"]);
    });
  });
});
