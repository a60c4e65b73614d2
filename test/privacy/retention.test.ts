/**
 * Retention (POLICY P9): contact details go once the course has ended, with waiting messages; a
 * year on the record is anonymised, with aggregate counts kept; students still enrolled, records
 * under restriction and records without an end date are left alone. Repeatable, audited, and
 * with a dry run that changes nothing, checked through the real command line.
 */
import { describe, expect, it } from "vitest";
import { academicYear, anonymousNumber, runRetention, type RetentionReport } from "../../privacy/index.ts";
import type { Database } from "../../prisma/index.ts";
import { serviceJobs } from "../../server/service-jobs.ts";
import { parseConfig } from "../../server/config.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";
import { runNudge } from "../helpers/processes.ts";
import { createApp } from "../../app/index.ts";

const DAY_MS = 86_400_000;
const SETTINGS = { contactDays: 0, anonymiseDays: 365, timezone: "Europe/London" };

/** Today's day number in the institution's timezone, as the job counts it. */
function londonToday(): number {
  const text = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
  return Date.parse(`${text}T00:00:00Z`) / DAY_MS;
}
const dayDate = (daysFromToday: number) => new Date((londonToday() + daysFromToday) * DAY_MS);

/** Tables that hold a student's rows, with how to find them. */
const BY_STUDENT = [
  "ProgrammeEnrolment",
  "ModuleEnrolment",
  "TutorAssignment",
  "ExtenuatingCircumstance",
  "EngagementDaily",
  "Attendance",
  "Submission",
  "ActivityStatement",
  "Flag",
  "Intervention",
  "Reply",
  "Meeting",
  "ReferralCase",
  "ConversationReference",
  "Consent",
  "DataRequest",
];
const ALL_TABLES = ["Student", ...BY_STUDENT, "Delivery", "RuleFeedback", "AuditLog", "AnonymisedStatistic"];

const sorted = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();

/** Every row of the student's, in every table that holds them (the audit log apart). */
async function rowsOf(db: Database, studentId: number): Promise<Record<string, unknown[]>> {
  const rows: Record<string, unknown[]> = { Student: await db.sql.query(`SELECT * FROM "Student" WHERE "id" = $1`, [studentId]) };
  for (const table of BY_STUDENT) rows[table] = await db.sql.query(`SELECT * FROM "${table}" WHERE "studentId" = $1`, [studentId]);
  rows.Delivery = await db.sql.query(`SELECT d.* FROM "Delivery" d JOIN "Intervention" i ON i."id" = d."interventionId" WHERE i."studentId" = $1`, [studentId]);
  rows.RuleFeedback = await db.sql.query(`SELECT f.* FROM "RuleFeedback" f JOIN "Flag" g ON g."id" = f."flagId" WHERE g."studentId" = $1`, [studentId]);
  return Object.fromEntries(Object.entries(rows).map(([table, list]) => [table, sorted(list)]));
}

/** The whole database, table by table. */
async function snapshot(db: Database): Promise<Record<string, string[]>> {
  const tables: Record<string, string[]> = {};
  for (const table of ALL_TABLES) tables[table] = sorted(await db.sql.query(`SELECT * FROM "${table}"`));
  return tables;
}

const _figuresOf = (report: RetentionReport) => {
  const { dryRun: _dryRun, ...figures } = report;
  return figures;
};

describe.each(databaseKindsUnderTest())("retention on %s", (kind) => {
  const database = useMigratedDatabase(kind);
  const ids = { ended: 0, sending: 0, enrolled: 0, endsToday: 0, old: 0, restricted: 0, noEndDate: 0 };
  /** What the anonymised student's record said, none of which may be left. */
  const OLD_TEXTS = [
    "Carys",
    "Cadwaladr",
    "Caz",
    "S0400003",
    "carys",
    "+447700900403",
    "photos.example",
    "laptop",
    "Room 4.03",
    "meet.example",
    "SMold0001",
    "SMreply",
    "feel ill",
    "AAMk",
  ];
  let untouchedBefore: Record<string, unknown>;
  let expectedFigures: Omit<RetentionReport, "dryRun">;
  const oldDates = { end: dayDate(-400), nudge: dayDate(-430), invitation: dayDate(-420), flag: dayDate(-431), reply: dayDate(-429) };

  async function seed(): Promise<void> {
    const p = database.db.prisma;
    const tutor = await p.staff.create({ data: { staffNumber: "T0001", displayName: "Dr Tutor" } });
    await p.rule.create({ data: { id: "no-vle-10-days", title: "No VLE activity for 10 days" } });
    const student = (number: string, data: Record<string, unknown>) =>
      p.student.create({
        data: {
          studentNumber: number,
          givenName: "Given",
          familyName: "Family",
          email: `${number.toLowerCase()}@student.example.ac.uk`,
          mobile: "+447700900100",
          ...data,
        },
      });
    const queued = async (studentId: number, channel: "sms" | "email" | "teams") => {
      const intervention = await p.intervention.create({
        data: { studentId, kind: "nudge", state: "queued", body: "Hello, a quick note", proposedBy: "rule:no-vle-10-days@1", approvedAt: new Date() },
      });
      await p.delivery.create({ data: { interventionId: intervention.id, channel, dueAt: new Date(Date.now() + 3_600_000) } });
      return intervention.id;
    };

    // Course ended yesterday: contact details go at once with the default settings.
    const ended = await student("S0100001", {
      enrolmentStatus: "completed",
      enrolmentEndDate: dayDate(-1),
      photoUrl: "https://photos.example/a.jpg",
      entraObjectId: "0a0a0a0a-0000-4000-8000-000000000001",
    });
    ids.ended = ended.id;
    await p.conversationReference.create({
      data: {
        studentId: ended.id,
        teamsUserId: "29:ended",
        conversationId: "a:ended",
        serviceUrl: "https://smba.example",
        reference: { user: { id: "29:ended" } },
      },
    });
    await queued(ended.id, "sms");
    await p.intervention.create({
      data: { studentId: ended.id, kind: "referral", state: "awaiting_approval", body: "Referral to Student Support", proposedBy: "rule:no-vle-10-days@1" },
    });
    await p.flag.create({
      data: { studentId: ended.id, ruleId: "no-vle-10-days", ruleVersion: 1, periodKey: "p1", day: londonToday() - 2, evidence: { metrics: {} } },
    });

    // Ended too, but a message to them is being sent right now: that send is left to finish.
    ids.sending = (await student("S0100007", { enrolmentStatus: "completed", enrolmentEndDate: dayDate(-3) })).id;
    const inFlight = await p.intervention.create({
      data: { studentId: ids.sending, kind: "nudge", state: "queued", body: "Hello", proposedBy: "rule:no-vle-10-days@1", approvedAt: new Date() },
    });
    await p.delivery.create({
      data: {
        interventionId: inFlight.id,
        channel: "email",
        state: "sending",
        dueAt: new Date(),
        leaseOwner: "host:1:abc#1",
        leaseUntil: new Date(Date.now() + 3_600_000),
      },
    });

    // Still enrolled, and a course that ends today (still on it today): untouched.
    const enrolled = await student("S0200002", { enrolmentEndDate: dayDate(200), entraObjectId: "0a0a0a0a-0000-4000-8000-000000000002" });
    ids.enrolled = enrolled.id;
    await p.conversationReference.create({
      data: { studentId: enrolled.id, teamsUserId: "29:enrolled", conversationId: "a:enrolled", serviceUrl: "https://smba.example", reference: {} },
    });
    await queued(enrolled.id, "teams");
    ids.endsToday = (await student("S0200003", { enrolmentEndDate: dayDate(0) })).id;

    // Ended 400 days ago, with a full history: anonymised.
    const old = await student("S0400003", {
      givenName: "Carys",
      familyName: "Cadwaladr",
      preferredName: "Caz",
      email: "carys.cadwaladr@student.example.ac.uk",
      mobile: "+447700900403",
      photoUrl: "https://photos.example/carys.jpg",
      entraObjectId: "0a0a0a0a-0000-4000-8000-000000000003",
      disability: "A",
      ethnicity: "10",
      healthCode: "H1",
      enrolmentStatus: "withdrawn",
      enrolmentEndDate: oldDates.end,
    });
    ids.old = old.id;
    const programme = await p.programme.create({ data: { code: "COMP", title: "Computing" } });
    const module = await p.module.create({ data: { code: "CS101", title: "Programming" } });
    const instance = await p.moduleInstance.create({ data: { moduleId: module.id, presentationCode: "2024", startDate: dayDate(-700) } });
    const event = await p.timetableEvent.create({ data: { externalId: "ev-1", moduleInstanceId: instance.id, kind: "lecture", startsAt: dayDate(-450) } });
    const assessment = await p.assessment.create({ data: { externalId: "as-1", moduleInstanceId: instance.id, title: "Essay", kind: "coursework" } });
    await p.programmeEnrolment.create({
      data: { studentId: old.id, programmeId: programme.id, yearOfStudy: 1, startDate: dayDate(-700), endDate: oldDates.end, status: "withdrawn" },
    });
    await p.moduleEnrolment.create({ data: { studentId: old.id, moduleInstanceId: instance.id } });
    await p.tutorAssignment.create({ data: { studentId: old.id, staffId: tutor.id, startDate: dayDate(-700) } });
    await p.extenuatingCircumstance.create({ data: { studentId: old.id, fromDate: dayDate(-460), toDate: dayDate(-450) } });
    await database.db.sql.query(
      `INSERT INTO "EngagementDaily" ("studentId", "day", "source", "moduleInstanceKey", "count") VALUES ($1, $2, 'vle', 0, 5), ($1, $3, 'library', 0, 1)`,
      [old.id, londonToday() - 450, londonToday() - 449],
    );
    await p.attendance.create({ data: { studentId: old.id, eventId: event.id, mark: "present" } });
    await p.submission.create({ data: { studentId: old.id, assessmentId: assessment.id, status: "late", score: 48 } });
    await p.activityStatement.create({
      data: {
        id: "6f1c1a52-0000-4000-8000-000000000003",
        studentId: old.id,
        day: londonToday() - 450,
        source: "vle",
        verb: "viewed",
        raw: JSON.stringify({ actor: { name: "Carys Cadwaladr" } }),
      },
    });
    const flag = await p.flag.create({
      data: {
        studentId: old.id,
        ruleId: "no-vle-10-days",
        ruleVersion: 1,
        periodKey: "p0",
        day: londonToday() - 431,
        state: "actioned",
        raisedAt: oldDates.flag,
        evidence: { metrics: { vle_days_since_last: { value: 12 } }, student: "Carys" },
      },
    });
    await p.ruleFeedback.create({
      data: { ruleId: "no-vle-10-days", flagId: flag.id, staffId: tutor.id, verdict: "useful", comment: "Carys said she was feeling ill" },
    });
    const nudge = await p.intervention.create({
      data: {
        studentId: old.id,
        flagId: flag.id,
        kind: "nudge",
        state: "delivered",
        createdAt: oldDates.nudge,
        proposedBy: "rule:no-vle-10-days@1",
        approvedAt: oldDates.nudge,
        subject: "Carys, a quick check-in",
        body: "Hi Caz, we noticed you have not opened Moodle",
        originalBody: "Hi Carys, we noticed",
        decisionNote: "Carys asked for texts",
        templateData: { texts: { sms: "Hi Caz" }, evidence: [{ student: "Carys" }], flagIds: [flag.id] },
      },
    });
    await p.delivery.create({
      data: {
        interventionId: nudge.id,
        channel: "sms",
        state: "delivered",
        dueAt: oldDates.nudge,
        providerMessageId: "SMold0001",
        lastError: "21610: +447700900403 unsubscribed",
        sentAt: oldDates.nudge,
      },
    });
    await p.reply.create({
      data: {
        studentId: old.id,
        interventionId: nudge.id,
        channel: "sms",
        text: "thanks, my laptop broke",
        classification: "thanks",
        receivedAt: oldDates.reply,
        providerMessageId: "SMreply0001",
      },
    });
    const invitation = await p.intervention.create({
      data: {
        studentId: old.id,
        kind: "invitation_to_talk",
        state: "sent",
        createdAt: oldDates.invitation,
        proposedBy: "staff:1",
        body: "Dr Tutor would like to meet you, Carys",
      },
    });
    await p.meeting.create({
      data: {
        interventionId: invitation.id,
        studentId: old.id,
        tutorId: tutor.id,
        state: "held",
        outcome: "support_agreed",
        createdAt: oldDates.invitation,
        proposedSlots: [{ start: "2025-01-01T10:00:00Z", note: "Carys" }],
        location: "Room 4.03",
        onlineMeetingUrl: "https://meet.example/carys",
        graphEventId: "AAMkcarys",
        icsUid: "carys@nudge",
      },
    });
    const referral = await p.intervention.create({
      data: {
        studentId: old.id,
        kind: "referral",
        state: "sent",
        createdAt: oldDates.invitation,
        proposedBy: "staff:1",
        body: "Hi Caz, I've passed your details on",
      },
    });
    await p.referralCase.create({
      data: {
        interventionId: referral.id,
        studentId: old.id,
        kind: "referral",
        destination: "the Student Centre's support team",
        note: "Carys's laptop broke and she can't afford another",
        referredById: tutor.id,
        state: "closed",
        acknowledgedBy: "centre@example.ac.uk",
        acknowledgedAt: oldDates.invitation,
        outcome: "supported",
        outcomeNote: "Lent Caz a laptop; see her in Room 4.03",
        closedAt: oldDates.invitation,
        createdAt: oldDates.invitation,
      },
    });
    await p.consent.create({
      data: { studentId: old.id, purpose: "special_category_disability", state: "granted", source: "admin", note: "Carys gave consent by email" },
    });
    await p.dataRequest.create({
      data: { studentId: old.id, kind: "access", channel: "email", dueBy: dayDate(-420), note: "asked by carys.cadwaladr@student.example.ac.uk" },
    });
    await p.auditLog.create({ data: { actorKind: "student", actorId: "S0400003", action: "reply.received", studentId: old.id, details: { channel: "sms" } } });

    // Under restriction of processing, and withdrawn without an end date: left alone, and reported.
    ids.restricted = (await student("S0500005", { enrolmentStatus: "withdrawn", enrolmentEndDate: dayDate(-400), restrictedAt: dayDate(-30) })).id;
    ids.noEndDate = (await student("S0600006", { enrolmentStatus: "withdrawn" })).id;
  }

  const untouched = () => [ids.enrolled, ids.endsToday, ids.restricted, ids.noEndDate];
  async function untouchedRows(): Promise<Record<string, unknown>> {
    return Object.fromEntries(await Promise.all(untouched().map(async (id) => [id, await rowsOf(database.db, id)])));
  }

  it("nudge retention run --dry-run reports the figures and changes nothing", async () => {
    await seed();
    untouchedBefore = await untouchedRows();
    const before = await snapshot(database.db);
    const run = await runNudge(["retention", "run", "--dry-run", "--json"], { DATABASE_URL: database.url, LOG_LEVEL: "silent" });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as RetentionReport;
    expectedFigures = {
      asOf: new Date(londonToday() * DAY_MS).toISOString().slice(0, 10),
      contactsRemoved: 3,
      anonymised: 1,
      interventionsCancelled: 2,
      deliveriesCancelled: 1,
      flagsClosed: 1,
      // The student once; interventions by kind (3), flags, replies, meetings and referral cases: in the years they happened.
      statisticsKept: 8,
      heldRestricted: 1,
      heldNoEndDate: 1,
    };
    expect(report).toEqual({ dryRun: true, ...expectedFigures });
    expect(await snapshot(database.db)).toEqual(before);

    const text = await runNudge(["retention", "run", "--dry-run"], { DATABASE_URL: database.url, LOG_LEVEL: "silent" });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("dry run (nothing changed)");
    expect(text.stdout).toContain("contact details would be removed: 3");
    expect(await snapshot(database.db)).toEqual(before);
  }, 120_000);

  it("removes the contact details and Teams conversation of a student whose course ended yesterday, and cancels what was waiting", async () => {
    const report = await runRetention(database.db, SETTINGS);
    expect(report).toEqual({ dryRun: false, ...expectedFigures });

    const p = database.db.prisma;
    const student = await p.student.findUniqueOrThrow({ where: { id: ids.ended } });
    expect(student).toMatchObject({ email: null, mobile: null, photoUrl: null, entraObjectId: null, studentNumber: "S0100001", givenName: "Given" });
    expect(student.contactRemovedAt).toBeInstanceOf(Date);
    expect(await p.conversationReference.count({ where: { studentId: ids.ended } })).toBe(0);
    const interventions = await p.intervention.findMany({ where: { studentId: ids.ended }, include: { deliveries: true } });
    expect(interventions.map((i) => i.state)).toEqual(["cancelled", "cancelled"]);
    expect(interventions.flatMap((i) => i.deliveries).map((d) => [d.state, d.heldReason])).toEqual([["cancelled", "enrolment ended: contact details removed"]]);
    expect(await p.flag.findFirstOrThrow({ where: { studentId: ids.ended } })).toMatchObject({ state: "closed", closedReason: "enrolment ended" });

    // The message being sent is the sender's to finish; the contact details went all the same.
    expect(await p.student.findUniqueOrThrow({ where: { id: ids.sending } })).toMatchObject({ email: null, mobile: null });
    expect(await p.intervention.findFirstOrThrow({ where: { studentId: ids.sending }, include: { deliveries: true } })).toMatchObject({
      state: "queued",
      deliveries: [{ state: "sending" }],
    });
  });

  it("leaves students still enrolled, a course ending today, a restricted record and one without an end date as they were", async () => {
    expect(await untouchedRows()).toEqual(untouchedBefore);
  });

  it("anonymises the record ended 400 days ago: no name, number, contact or text left in any of its rows", async () => {
    const p = database.db.prisma;
    const student = await p.student.findUniqueOrThrow({ where: { id: ids.old } });
    expect(student).toMatchObject({
      studentNumber: anonymousNumber(ids.old),
      givenName: null,
      familyName: null,
      preferredName: null,
      email: null,
      mobile: null,
      photoUrl: null,
      entraObjectId: null,
      disability: null,
      ethnicity: null,
      healthCode: null,
      enrolmentStatus: "withdrawn",
    });
    const rows = await rowsOf(database.db, ids.old);
    for (const [table, list] of Object.entries(rows)) {
      for (const row of list as string[]) for (const text of OLD_TEXTS) expect(row.toLowerCase(), `${table}: ${row}`).not.toContain(text.toLowerCase());
    }
    for (const table of ["EngagementDaily", "Attendance", "Submission", "ActivityStatement", "ExtenuatingCircumstance", "ConversationReference"])
      expect(rows[table], table).toEqual([]);
    // What stays: the shape of what happened, without what was said.
    const interventions = await p.intervention.findMany({ where: { studentId: ids.old }, orderBy: { id: "asc" } });
    expect(interventions.map((i) => [i.kind, i.state, i.body, i.subject, i.originalBody, i.templateData, i.decisionNote])).toEqual([
      ["nudge", "delivered", "[removed]", "[removed]", "[removed]", null, null],
      ["invitation_to_talk", "sent", "[removed]", null, null, null, null],
      ["referral", "sent", "[removed]", null, null, null, null],
    ]);
    expect(await p.referralCase.findFirstOrThrow({ where: { studentId: ids.old } })).toMatchObject({
      kind: "referral",
      state: "closed",
      outcome: "supported",
      note: null,
      outcomeNote: null,
    });
    expect(await p.reply.findFirstOrThrow({ where: { studentId: ids.old } })).toMatchObject({
      text: "[removed]",
      classification: "thanks",
      providerMessageId: null,
    });
    expect(await p.meeting.findFirstOrThrow({ where: { studentId: ids.old } })).toMatchObject({
      state: "held",
      outcome: "support_agreed",
      proposedSlots: [],
      location: null,
      onlineMeetingUrl: null,
    });
    expect(await p.flag.findFirstOrThrow({ where: { studentId: ids.old } })).toMatchObject({ ruleId: "no-vle-10-days", evidence: {} });
  });

  it("keeps the counts as anonymised statistics", async () => {
    const rows = await database.db.prisma.anonymisedStatistic.findMany({ orderBy: [{ metric: "asc" }, { dimension: "asc" }] });
    expect(rows.map((r) => [r.metric, r.period, r.dimension, r.value])).toEqual([
      ["flags", academicYear(oldDates.flag), "rule=no-vle-10-days", 1],
      ["interventions", academicYear(oldDates.invitation), "kind=invitation_to_talk;state=sent", 1],
      ["interventions", academicYear(oldDates.nudge), "kind=nudge;state=delivered", 1],
      ["interventions", academicYear(oldDates.invitation), "kind=referral;state=sent", 1],
      ["meetings", academicYear(oldDates.invitation), "state=held;outcome=support_agreed", 1],
      ["referral_cases", academicYear(oldDates.invitation), "kind=referral;state=closed;outcome=supported", 1],
      ["replies", academicYear(oldDates.reply), "classification=thanks", 1],
      ["students.anonymised", academicYear(oldDates.end), "status=withdrawn", 1],
    ]);
    expect(rows.length).toBe(expectedFigures.statisticsKept);
  });

  it("audits one entry per student and action, as the retention component, with no personal data", async () => {
    const entries = await database.db.prisma.auditLog.findMany({ where: { actorKind: "system", actorId: "retention" }, orderBy: { id: "asc" } });
    const byAction = (action: string) =>
      entries
        .filter((e) => e.action === action)
        .map((e) => e.studentId)
        .sort();
    expect(byAction("student.contact_removed")).toEqual([ids.ended, ids.sending, ids.old].sort());
    expect(byAction("student.anonymised")).toEqual([ids.old]);
    expect(byAction("intervention.cancelled")).toEqual([ids.ended, ids.ended]);
    expect(entries).toHaveLength(6);
    const removal = entries.find((e) => e.action === "student.contact_removed" && e.studentId === ids.ended)!;
    expect(removal).toMatchObject({
      targetType: "student",
      targetId: String(ids.ended),
      details: {
        fields: ["email", "mobile", "photoUrl", "entraObjectId"],
        teamsConversation: true,
        interventionsCancelled: 2,
        deliveriesCancelled: 1,
        flagsClosed: 1,
      },
    });
    const text = JSON.stringify(entries).toLowerCase();
    for (const secret of [...OLD_TEXTS, "S0100001", "s0100001@student"]) expect(text).not.toContain(secret.toLowerCase());
    // The audit log is append-only: what was recorded before stays as recorded.
    expect(await database.db.prisma.auditLog.count({ where: { actorKind: "student", actorId: "S0400003" } })).toBe(1);
  });

  it("changes nothing when run again, and says so", async () => {
    const before = await snapshot(database.db);
    const again = await runRetention(database.db, SETTINGS);
    expect(again).toEqual({
      ...expectedFigures,
      dryRun: false,
      contactsRemoved: 0,
      anonymised: 0,
      interventionsCancelled: 0,
      deliveriesCancelled: 0,
      flagsClosed: 0,
      statisticsKept: 0,
    });
    expect(await snapshot(database.db)).toEqual(before);
  });

  it("runs nightly as the `retention` job, caught up if missed, with the same settings", async () => {
    const jobs = serviceJobs(createApp(database.db), parseConfig({ DATABASE_URL: database.url }), { senders: () => new Map() });
    const job = jobs.find((j) => j.name === "retention")!;
    expect(job).toMatchObject({ schedule: "30 2 * * *", catchUp: true });
    const before = await snapshot(database.db);
    expect(await job.run({ scheduledFor: new Date(), trigger: "manual" })).toMatchObject({ contactsRemoved: 0, anonymised: 0, heldRestricted: 1 });
    expect(await snapshot(database.db)).toEqual(before);
  });
});
