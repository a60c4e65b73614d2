/**
 * Rectification and erasure (POLICY P7, P9), through the real command line and the domain
 * functions: only admins handling the request may do either (a personal tutor is refused, and the
 * attempt audited); a correction records the old and new values; an erasure leaves no name,
 * contact detail, identifier or text in any of the student's rows, keeps anonymised counts,
 * cancels what was waiting to be sent, and can be asked for again without harm.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { checkRectification, eraseStudent, rectifyStudent } from "../../privacy/index.ts";
import { authorise, roleScopeKey } from "../../access/index.ts";
import type { Database } from "../../prisma/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";
import { runNudge } from "../helpers/processes.ts";

/** Tables with a studentId column. */
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

/** Every row of the student's, table by table, the audit log apart. */
async function rowsOf(db: Database, studentId: number): Promise<Record<string, unknown[]>> {
  const rows: Record<string, unknown[]> = { Student: await db.sql.query(`SELECT * FROM "Student" WHERE "id" = $1`, [studentId]) };
  for (const table of BY_STUDENT) rows[table] = await db.sql.query(`SELECT * FROM "${table}" WHERE "studentId" = $1`, [studentId]);
  rows.Delivery = await db.sql.query(`SELECT d.* FROM "Delivery" d JOIN "Intervention" i ON i."id" = d."interventionId" WHERE i."studentId" = $1`, [studentId]);
  rows.RuleFeedback = await db.sql.query(`SELECT f.* FROM "RuleFeedback" f JOIN "Flag" g ON g."id" = f."flagId" WHERE g."studentId" = $1`, [studentId]);
  return rows;
}

describe.each(databaseKindsUnderTest())("rectification and erasure on %s", (kind) => {
  const database = useMigratedDatabase(kind);
  const nudge = (...args: string[]) => runNudge(args, { DATABASE_URL: database.url, LOG_LEVEL: "silent" });
  const lastJson = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1)!);
  const ids = { rectified: 0, erased: 0, bystander: 0, queued: 0, awaiting: 0, sent: 0 };

  /** Everything the erased student's rows said, none of which may be left. */
  const ERASED_TEXTS = [
    "Bronwen",
    "Pryce",
    "Bron",
    "S0700007",
    "bronwen",
    "+447700900707",
    "photos.example",
    "0b0b0b0b",
    "my laptop broke",
    "Room 7.07",
    "meet.example",
    "SMbron",
    "feeling low",
    "AAMkbron",
    "Hi Bron",
  ];

  beforeAll(async () => {
    const p = database.db.prisma;
    const admin = await p.staff.create({ data: { staffNumber: "A0001", displayName: "Data Protection Admin" } });
    await p.staffRoleAssignment.create({ data: { staffId: admin.id, role: "admin", scopeKey: roleScopeKey("admin") } });
    const tutor = await p.staff.create({ data: { staffNumber: "T0001", displayName: "Dr Tutor" } });
    await p.staffRoleAssignment.create({ data: { staffId: tutor.id, role: "personal_tutor", scopeKey: roleScopeKey("personal_tutor") } });
    await p.rule.create({ data: { id: "no-vle-10-days", title: "No VLE activity for 10 days" } });
    const programme = await p.programme.create({ data: { code: "COMP", title: "Computing" } });
    const module = await p.module.create({ data: { code: "CS101", title: "Programming" } });
    const instance = await p.moduleInstance.create({ data: { moduleId: module.id, presentationCode: "2026", startDate: new Date("2026-09-21T00:00:00Z") } });
    const event = await p.timetableEvent.create({
      data: { externalId: "ev-1", moduleInstanceId: instance.id, kind: "lecture", startsAt: new Date("2026-10-05T09:00:00Z") },
    });
    const assessment = await p.assessment.create({ data: { externalId: "as-1", moduleInstanceId: instance.id, title: "Essay", kind: "coursework" } });
    const since = new Date("2026-09-21T00:00:00Z");

    const rectified = await p.student.create({
      data: { studentNumber: "S0100001", givenName: "Ada", familyName: "Lovelace", email: "ada@student.example.ac.uk", mobile: "+447700900101" },
    });
    ids.rectified = rectified.id;
    // The tutor supports this student: their refusal is about the capability, not the scope.
    await p.tutorAssignment.create({ data: { studentId: rectified.id, staffId: tutor.id, startDate: since } });

    const s = await p.student.create({
      data: {
        studentNumber: "S0700007",
        givenName: "Bronwen",
        familyName: "Pryce",
        preferredName: "Bron",
        email: "bronwen.pryce@student.example.ac.uk",
        mobile: "+447700900707",
        photoUrl: "https://photos.example/bronwen.jpg",
        entraObjectId: "0b0b0b0b-0000-4000-8000-000000000007",
        disability: "A",
        ethnicity: "10",
        healthCode: "H1",
        timezone: "Europe/Dublin",
        channelOrder: ["sms", "teams"],
        pausedUntil: new Date("2026-12-01T00:00:00Z"),
      },
    });
    ids.erased = s.id;
    await p.programmeEnrolment.create({ data: { studentId: s.id, programmeId: programme.id, yearOfStudy: 1, startDate: since } });
    await p.moduleEnrolment.create({ data: { studentId: s.id, moduleInstanceId: instance.id, finalResult: "Pass" } });
    await p.tutorAssignment.create({ data: { studentId: s.id, staffId: tutor.id, startDate: since } });
    await p.extenuatingCircumstance.create({ data: { studentId: s.id, fromDate: since, toDate: new Date("2026-10-01T00:00:00Z") } });
    await database.db.sql.query(
      `INSERT INTO "EngagementDaily" ("studentId", "day", "source", "moduleInstanceKey", "count") VALUES ($1, 20730, 'vle', 0, 5), ($1, 20731, 'library', 0, 1)`,
      [s.id],
    );
    await p.attendance.create({ data: { studentId: s.id, eventId: event.id, mark: "present" } });
    await p.submission.create({ data: { studentId: s.id, assessmentId: assessment.id, status: "late", score: 48 } });
    await p.activityStatement.create({
      data: {
        id: "6f1c1a52-0000-4000-8000-000000000007",
        studentId: s.id,
        day: 20730,
        source: "vle",
        verb: "viewed",
        raw: JSON.stringify({ actor: { name: "Bronwen Pryce" } }),
      },
    });
    const flag = await p.flag.create({
      data: {
        studentId: s.id,
        ruleId: "no-vle-10-days",
        ruleVersion: 1,
        periodKey: "2026-11-01",
        day: 20758,
        state: "actioned",
        raisedAt: new Date("2026-11-01T06:00:00Z"),
        evidence: { metrics: { vle_days_since_last: { value: 12 } }, student: "Bronwen" },
      },
    });
    const openFlag = await p.flag.create({
      data: { studentId: s.id, ruleId: "no-vle-10-days", ruleVersion: 1, periodKey: "2026-11-20", day: 20777, evidence: { metrics: {} } },
    });
    await p.ruleFeedback.create({
      data: { ruleId: "no-vle-10-days", flagId: flag.id, staffId: tutor.id, verdict: "useful", comment: "Bronwen said she was feeling low" },
    });
    const sent = await p.intervention.create({
      data: {
        studentId: s.id,
        flagId: flag.id,
        kind: "nudge",
        state: "delivered",
        createdAt: new Date("2026-11-01T08:00:00Z"),
        proposedBy: "rule:no-vle-10-days@1",
        approvedAt: new Date("2026-11-01T08:00:00Z"),
        subject: "Bronwen, a quick check-in",
        body: "Hi Bron, we noticed you have not opened Moodle",
        originalBody: "Hi Bronwen, we noticed",
        decisionNote: "Bronwen prefers texts",
        templateData: { texts: { sms: "Hi Bron" }, evidence: [{ student: "Bronwen" }], flagIds: [flag.id] },
      },
    });
    ids.sent = sent.id;
    const referral = await p.intervention.create({
      data: { studentId: s.id, kind: "referral", state: "sent", body: "Hi Bron, I've passed your details on", proposedBy: "staff:T0001" },
    });
    await p.referralCase.create({
      data: {
        interventionId: referral.id,
        studentId: s.id,
        kind: "referral",
        destination: "the Student Centre's support team",
        note: "Bronwen said my laptop broke and she is feeling low",
        referredById: tutor.id,
        state: "closed",
        acknowledgedBy: "centre@example.ac.uk",
        acknowledgedAt: new Date("2026-11-02T10:00:00Z"),
        outcome: "supported",
        outcomeNote: "Met Bron in Room 7.07",
        closedAt: new Date("2026-11-03T10:00:00Z"),
      },
    });
    await p.delivery.create({
      data: {
        interventionId: sent.id,
        channel: "sms",
        state: "delivered",
        dueAt: new Date("2026-11-01T08:00:00Z"),
        providerMessageId: "SMbron0001",
        lastError: "21610: +447700900707 unsubscribed",
      },
    });
    await p.reply.create({
      data: {
        studentId: s.id,
        interventionId: sent.id,
        channel: "sms",
        text: "thanks, my laptop broke",
        classification: "thanks",
        providerMessageId: "SMbronreply",
      },
    });
    // Waiting to be sent, and waiting for a tutor: both cancelled by the erasure.
    const queued = await p.intervention.create({
      data: {
        studentId: s.id,
        flagId: openFlag.id,
        kind: "nudge",
        state: "queued",
        body: "Hi Bron, checking in again",
        proposedBy: "rule:no-vle-10-days@1",
        approvedAt: new Date(),
      },
    });
    ids.queued = queued.id;
    await p.delivery.create({ data: { interventionId: queued.id, channel: "sms", dueAt: new Date(Date.now() + 3_600_000) } });
    const invitation = await p.intervention.create({
      data: {
        studentId: s.id,
        kind: "invitation_to_talk",
        state: "awaiting_approval",
        body: "Dr Tutor would like to meet you, Bronwen",
        proposedBy: "student",
      },
    });
    ids.awaiting = invitation.id;
    await p.meeting.create({
      data: {
        interventionId: invitation.id,
        studentId: s.id,
        tutorId: tutor.id,
        proposedSlots: [{ start: "2026-12-01T10:00:00Z", note: "Bronwen" }],
        location: "Room 7.07",
        onlineMeetingUrl: "https://meet.example/bronwen",
        graphEventId: "AAMkbron",
        icsUid: "bronwen@nudge",
      },
    });
    await p.conversationReference.create({
      data: {
        studentId: s.id,
        teamsUserId: "29:bronwen",
        conversationId: "a:bronwen",
        serviceUrl: "https://smba.example",
        reference: { user: { id: "29:bronwen", name: "Bronwen Pryce" } },
      },
    });
    await p.consent.create({
      data: { studentId: s.id, purpose: "special_category_disability", state: "granted", source: "admin", note: "Bronwen gave consent by email" },
    });
    await p.dataRequest.create({
      data: {
        studentId: s.id,
        kind: "erasure",
        channel: "email",
        dueBy: new Date(Date.now() + 30 * 86_400_000),
        note: "asked by bronwen.pryce@student.example.ac.uk",
      },
    });

    ids.bystander = (
      await p.student.create({ data: { studentNumber: "S0800008", givenName: "Bronwen", familyName: "Other", email: "other@student.example.ac.uk" } })
    ).id;
  });

  describe("nudge student rectify", () => {
    it("corrects a field for an admin, auditing the old and new values with the change", async () => {
      const run = await nudge("student", "rectify", "S0100001", "--field", "email", "--value", "ada.lovelace@student.example.ac.uk", "--as", "A0001", "--json");
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      const result = lastJson(run.stdout);
      expect(result).toMatchObject({
        studentNumber: "S0100001",
        field: "email",
        oldValue: "ada@student.example.ac.uk",
        newValue: "ada.lovelace@student.example.ac.uk",
        changed: true,
      });

      const p = database.db.prisma;
      expect(await p.student.findUniqueOrThrow({ where: { id: ids.rectified } })).toMatchObject({ email: "ada.lovelace@student.example.ac.uk" });
      const entry = await p.auditLog.findFirstOrThrow({ where: { action: "student.rectify" } });
      expect(entry).toMatchObject({
        actorKind: "staff",
        actorId: "A0001",
        targetType: "student",
        targetId: "S0100001",
        studentId: ids.rectified,
        details: { field: "email", old: "ada@student.example.ac.uk", new: "ada.lovelace@student.example.ac.uk", dataRequestId: result.dataRequestId },
      });
      expect(await p.dataRequest.findUniqueOrThrow({ where: { id: result.dataRequestId } })).toMatchObject({
        studentId: ids.rectified,
        kind: "rectification",
        state: "completed",
        completedAt: expect.any(Date),
      });

      const text = await nudge("student", "rectify", "S0100001", "--field", "mobile", "--value", "+447700900199", "--as", "A0001");
      expect(text.code).toBe(0);
      expect(text.stdout.trim()).toMatch(/^S0100001: mobile changed from "\+447700900101" to "\+447700900199" \(recorded as DR-\d+\)$/);
    });

    it("refuses a bad field or value with exit 2 and a message naming the field, changing nothing", async () => {
      const before = await database.db.prisma.student.findUniqueOrThrow({ where: { id: ids.rectified } });
      const cases: Array<[string, string, RegExp]> = [
        ["mobile", "07700 900123", /mobile must be an E\.164 number/],
        [
          "dateOfBirth",
          "2000-01-01",
          /--field dateOfBirth cannot be corrected here; use one of givenName, familyName, preferredName, email, mobile, timezone, enrolmentStatus/,
        ],
      ];
      for (const [field, value, message] of cases) {
        const run = await nudge("student", "rectify", "S0100001", "--field", field, "--value", value, "--as", "A0001");
        expect(run.code, field).toBe(2);
        expect(run.stderr, field).toMatch(message);
      }
      const unknown = await nudge("student", "rectify", "S9999999", "--field", "givenName", "--value", "Ada", "--as", "A0001");
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain("no student S9999999");
      expect(await database.db.prisma.student.findUniqueOrThrow({ where: { id: ids.rectified } })).toEqual(before);
      expect(await database.db.prisma.auditLog.count({ where: { action: "student.rectify" } })).toBe(2);
    });

    it("refuses the student's own personal tutor (exit 1), and audits the attempt", async () => {
      const run = await nudge("student", "rectify", "S0100001", "--field", "givenName", "--value", "Augusta", "--as", "T0001");
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("T0001 may not student.rectify");
      const p = database.db.prisma;
      expect(await p.student.findUniqueOrThrow({ where: { id: ids.rectified } })).toMatchObject({ givenName: "Ada" });
      expect(await p.auditLog.findFirstOrThrow({ where: { action: "access.refused", actorId: "T0001" } })).toMatchObject({
        studentId: ids.rectified,
        details: { capability: "student.rectify" },
      });
    });

    it("checks each field the way the service uses it; the same value again writes nothing", async () => {
      expect(checkRectification("mobile", " +447700900123 ")).toEqual({ field: "mobile", value: "+447700900123" });
      expect(checkRectification("email", "Ada@Student.Example.ac.uk")).toEqual({ field: "email", value: "ada@student.example.ac.uk" });
      expect(checkRectification("preferredName", "")).toEqual({ field: "preferredName", value: null });
      expect(checkRectification("timezone", "America/New_York")).toEqual({ field: "timezone", value: "America/New_York" });
      expect(() => checkRectification("timezone", "Mars/Olympus")).toThrow(/timezone must be an IANA timezone such as Europe\/London/);
      expect(() => checkRectification("givenName", "  ")).toThrow(/givenName must not be empty/);
      expect(() => checkRectification("email", "not-an-address")).toThrow(/email must be an email address/);
      expect(() => checkRectification("enrolmentStatus", "expelled")).toThrow(/enrolmentStatus must be one of active, intermitting, withdrawn, completed/);

      const target = await database.db.prisma.student.findUniqueOrThrow({ where: { studentNumber: "S0100001" }, select: { id: true } });
      const admin = await authorise(database.db, "A0001", "student.rectify", { studentId: target.id });
      const changed = await rectifyStudent(database.db, { studentNumber: "S0100001", field: "enrolmentStatus", value: "intermitting" }, admin);
      expect(changed).toMatchObject({ oldValue: "active", newValue: "intermitting", changed: true });
      const audits = await database.db.prisma.auditLog.count({ where: { action: "student.rectify" } });
      const again = await rectifyStudent(database.db, { studentNumber: "S0100001", field: "enrolmentStatus", value: "intermitting" }, admin);
      expect(again).toMatchObject({ changed: false, oldValue: "intermitting" });
      expect(await database.db.prisma.auditLog.count({ where: { action: "student.rectify" } })).toBe(audits);
    });
  });

  describe("nudge student erase", () => {
    it("refuses a personal tutor (exit 1), audited, with nothing erased", async () => {
      const run = await nudge("student", "erase", "S0700007", "--as", "T0001");
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("T0001 may not student.erase");
      expect(await database.db.prisma.auditLog.count({ where: { action: "access.refused", actorId: "T0001", studentId: ids.erased } })).toBe(1);
      expect(await database.db.prisma.student.findUniqueOrThrow({ where: { id: ids.erased } })).toMatchObject({ studentNumber: "S0700007", erasedAt: null });
    });

    it("erases for an admin: no name, contact, identifier or text left in any of the student's rows", async () => {
      const run = await nudge("student", "erase", "S0700007", "--as", "A0001", "--json");
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      const result = lastJson(run.stdout);
      expect(result).toMatchObject({
        studentNumber: "S0700007",
        erasedNumber: `erased-${ids.erased}`,
        alreadyErased: false,
        interventionsCancelled: 2,
        deliveriesCancelled: 1,
        flagsClosed: 1,
      });

      const p = database.db.prisma;
      const student = await p.student.findUniqueOrThrow({ where: { id: ids.erased } });
      expect(student).toMatchObject({
        studentNumber: `erased-${ids.erased}`,
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
        channelOrder: null,
        pausedUntil: null,
        timezone: "Europe/London",
      });
      expect(student.erasedAt).toBeInstanceOf(Date);

      const rows = await rowsOf(database.db, ids.erased);
      const text = JSON.stringify(rows);
      for (const old of ERASED_TEXTS) expect(text, old).not.toContain(old);
      for (const table of [
        "EngagementDaily",
        "Attendance",
        "Submission",
        "ActivityStatement",
        "ExtenuatingCircumstance",
        "ProgrammeEnrolment",
        "ModuleEnrolment",
        "TutorAssignment",
        "ConversationReference",
      ]) {
        expect(rows[table], table).toHaveLength(0);
      }
      // The interventions and replies stay as rows (the counts and the audit trail refer to them), without their words.
      expect(rows.Intervention).toHaveLength(4);
      expect(await p.referralCase.findFirstOrThrow({ where: { studentId: ids.erased } })).toMatchObject({
        state: "closed",
        outcome: "supported",
        note: null,
        outcomeNote: null,
      });
      expect(rows.Reply).toHaveLength(1);
      // The audit log is append-only and keeps who did what to which record, but no name, contact or message.
      const audit = JSON.stringify(await p.auditLog.findMany({ where: { studentId: ids.erased } }));
      for (const old of ERASED_TEXTS.filter((t) => t !== "S0700007")) expect(audit, old).not.toContain(old);
      // Someone else with the same first name is untouched.
      expect(await p.student.findUniqueOrThrow({ where: { id: ids.bystander } })).toMatchObject({ givenName: "Bronwen", email: "other@student.example.ac.uk" });
    });

    it("cancels what was waiting, by the admin who erased, and keeps anonymised counts", async () => {
      const p = database.db.prisma;
      const queued = await p.intervention.findUniqueOrThrow({ where: { id: ids.queued }, include: { deliveries: true } });
      expect(queued.state).toBe("cancelled");
      expect(queued.deliveries.map((d) => [d.state, d.heldReason])).toEqual([["cancelled", "the student's data was erased"]]);
      expect((await p.intervention.findUniqueOrThrow({ where: { id: ids.awaiting } })).state).toBe("cancelled");
      expect((await p.intervention.findUniqueOrThrow({ where: { id: ids.sent } })).state).toBe("delivered");
      const cancellations = await p.auditLog.findMany({ where: { action: "intervention.cancelled", studentId: ids.erased }, orderBy: { id: "asc" } });
      expect(cancellations.map((c) => [c.actorKind, c.actorId, c.targetId])).toEqual([
        ["staff", "A0001", String(ids.queued)],
        ["staff", "A0001", String(ids.awaiting)],
      ]);

      const statistics = await p.anonymisedStatistic.findMany({ orderBy: [{ metric: "asc" }, { dimension: "asc" }] });
      const value = (metric: string, dimension: string) =>
        statistics.filter((s) => s.metric === metric && s.dimension === dimension).reduce((n, s) => n + s.value, 0);
      expect(value("interventions", "kind=nudge;state=delivered")).toBe(1);
      expect(value("interventions", "kind=nudge;state=cancelled")).toBe(1);
      expect(value("interventions", "kind=invitation_to_talk;state=cancelled")).toBe(1);
      expect(value("flags", "rule=no-vle-10-days")).toBe(2);
      expect(value("replies", "classification=thanks")).toBe(1);
      expect(value("meetings", "state=cancelled;outcome=none")).toBe(1);
      expect(value("referral_cases", "kind=referral;state=closed;outcome=supported")).toBe(1);
      expect(value("students.erased", "status=active")).toBe(1);
      expect(statistics.find((s) => s.period === "2026-27" && s.metric === "flags")).toBeTruthy();
      for (const s of statistics) expect(JSON.stringify(s)).not.toMatch(/S0700007|Bronwen|erased-/);

      // The student's erasure request is the one completed, by the admin.
      const requests = await p.dataRequest.findMany({ where: { studentId: ids.erased } });
      expect(requests).toEqual([expect.objectContaining({ kind: "erasure", state: "completed", completedAt: expect.any(Date), note: null })]);
      expect(await p.auditLog.findFirstOrThrow({ where: { action: "student.erase" } })).toMatchObject({
        actorId: "A0001",
        targetId: "S0700007",
        studentId: ids.erased,
        details: { erasedNumber: `erased-${ids.erased}`, dataRequestId: requests[0]!.id },
      });
    });

    it("erasing again, by the old or the new number, says it is already erased and changes nothing", async () => {
      const p = database.db.prisma;
      const before = {
        statistics: await p.anonymisedStatistic.findMany({ orderBy: { id: "asc" } }),
        rows: await rowsOf(database.db, ids.erased),
        audit: await p.auditLog.count({ where: { action: "student.erase" } }),
      };
      const again = await nudge("student", "erase", "S0700007", "--as", "A0001");
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(new RegExp(`^S0700007: already erased on \\d{4}-\\d{2}-\\d{2} \\(now erased-${ids.erased}\\); nothing changed`));
      const byNewNumber = lastJson((await nudge("student", "erase", `erased-${ids.erased}`, "--as", "A0001", "--json")).stdout);
      expect(byNewNumber).toMatchObject({ alreadyErased: true, erasedNumber: `erased-${ids.erased}` });
      const admin = await authorise(database.db, "A0001", "student.erase", { studentId: ids.erased });
      expect(await eraseStudent(database.db, "S0700007", admin)).toMatchObject({ alreadyErased: true, statistics: 0 });
      expect({
        statistics: await p.anonymisedStatistic.findMany({ orderBy: { id: "asc" } }),
        rows: await rowsOf(database.db, ids.erased),
        audit: await p.auditLog.count({ where: { action: "student.erase" } }),
      }).toEqual(before);

      const unknown = await nudge("student", "erase", "S9999999", "--as", "A0001");
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain("no student S9999999");
      // An erased record can no longer be corrected.
      await expect(
        rectifyStudent(
          database.db,
          { studentNumber: `erased-${ids.erased}`, field: "givenName", value: "B" },
          await authorise(database.db, "A0001", "student.rectify", { studentId: ids.erased }),
        ),
      ).rejects.toThrow(/has been erased/);
    });
  });
});
