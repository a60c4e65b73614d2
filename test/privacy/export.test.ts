/**
 * Subject access export: complete (every table that holds a student's data, found from the
 * schema, has a section, so a new table without export support fails here), limited to the one
 * student, audited, and available from the command line to those allowed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXPORT_SECTIONS, exportHtml, exportStudent } from "../../privacy/index.ts";
import { roleScopeKey } from "../../access/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { runNudge } from "../helpers/processes.ts";

/**
 * Models holding a student's data, read from the schema: Student itself, every model with a
 * `studentId` field or a relation to Student, and every model that belongs (by a relation field
 * of its own) to one of those, such as a delivery of an intervention.
 */
function studentDataModels(): string[] {
  const schema = readFileSync(new URL("../../prisma/schema.prisma", import.meta.url), "utf8");
  const models = new Map<string, string[]>();
  for (const match of schema.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm))
    models.set(
      match[1]!,
      match[2]!.split("\n").map((l) => l.trim()),
    );
  const holds = new Set(["Student"]);
  for (const [name, lines] of models) if (lines.some((l) => /^studentId\s/.test(l) || /^\w+\s+Student\??\s/.test(l))) holds.add(name);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [name, lines] of models) {
      if (holds.has(name)) continue;
      // A singular relation field (not a list) to a model that holds student data.
      if (lines.some((l) => [...holds].some((m) => new RegExp(`^\\w+\\s+${m}\\??\\s+@relation`).test(l)))) {
        holds.add(name);
        grew = true;
      }
    }
  }
  return [...holds].sort();
}

describe("subject access export", () => {
  const database = useMigratedDatabase();
  const dir = mkdtempSync(join(tmpdir(), "nudge-export-"));
  const at = new Date("2026-11-20T10:00:00Z");

  /** One row in every table that holds student data, for `number`. */
  async function studentWithHistory(number: string, tutorId: number): Promise<number> {
    const p = database.db.prisma;
    const s = await p.student.create({
      data: { studentNumber: number, givenName: `Given ${number}`, email: `${number}@student.example.ac.uk`, disability: "A" },
    });
    const programme = await p.programme.upsert({ where: { code: "COMP" }, create: { code: "COMP", title: "Computing" }, update: {} });
    const module = await p.module.upsert({ where: { code: "CS101" }, create: { code: "CS101", title: "Programming" }, update: {} });
    const instance = await p.moduleInstance.upsert({
      where: { moduleId_presentationCode: { moduleId: module.id, presentationCode: "2026" } },
      create: { moduleId: module.id, presentationCode: "2026", startDate: at },
      update: {},
    });
    const event = await p.timetableEvent.create({ data: { externalId: `ev-${number}`, moduleInstanceId: instance.id, kind: "lecture", startsAt: at } });
    const assessment = await p.assessment.create({ data: { externalId: `as-${number}`, moduleInstanceId: instance.id, title: "Essay", kind: "coursework" } });
    await p.programmeEnrolment.create({ data: { studentId: s.id, programmeId: programme.id, yearOfStudy: 1, startDate: at } });
    await p.moduleEnrolment.create({ data: { studentId: s.id, moduleInstanceId: instance.id, finalResult: "Pass" } });
    await p.tutorAssignment.create({ data: { studentId: s.id, staffId: tutorId, startDate: at } });
    await p.extenuatingCircumstance.create({ data: { studentId: s.id, fromDate: at, toDate: at } });
    await database.db.sql.query(`INSERT INTO "EngagementDaily" ("studentId", "day", "source", "moduleInstanceKey", "count") VALUES ($1, 20777, 'vle', 0, 5)`, [
      s.id,
    ]);
    await p.attendance.create({ data: { studentId: s.id, eventId: event.id, mark: "present" } });
    await p.submission.create({ data: { studentId: s.id, assessmentId: assessment.id, status: "on_time", score: 64 } });
    await p.activityStatement.create({
      data: { id: `6f1c1a52-0000-4000-8000-${String(s.id).padStart(12, "0")}`, studentId: s.id, day: 20777, source: "vle", verb: "viewed" },
    });
    await p.rule.upsert({ where: { id: "r" }, create: { id: "r", title: "Rule" }, update: {} });
    const flag = await p.flag.create({
      data: {
        studentId: s.id,
        ruleId: "r",
        ruleVersion: 1,
        periodKey: "2026-11-20",
        day: 20777,
        evidence: { metrics: { vle_days_since_last: { value: 12 } } },
      },
    });
    await p.ruleFeedback.create({ data: { ruleId: "r", flagId: flag.id, staffId: tutorId, verdict: "useful" } });
    const intervention = await p.intervention.create({
      data: { studentId: s.id, flagId: flag.id, kind: "nudge", body: `Hello ${number}`, proposedBy: "rule:r@1" },
    });
    await p.delivery.create({ data: { interventionId: intervention.id, channel: "teams", dueAt: at } });
    const reply = await p.reply.create({
      data: { studentId: s.id, interventionId: intervention.id, channel: "teams", text: "thanks", classification: "thanks" },
    });
    const concern = await p.safeguardingConcern.create({ data: { studentId: s.id, replyId: reply.id, level: "distress", reasons: ["bereavement"] } });
    await p.staffMessage.create({
      data: { kind: "distress_notice", studentId: s.id, concernId: concern.id, staffId: tutorId, channel: "teams", text: `About ${number}`, dueAt: at },
    });
    await p.meeting.create({ data: { interventionId: intervention.id, studentId: s.id, tutorId, proposedSlots: [] } });
    await p.referralCase.create({
      data: { interventionId: intervention.id, studentId: s.id, kind: "referral", destination: "the Student Centre's support team", note: `About ${number}` },
    });
    await p.conversationReference.create({
      data: { studentId: s.id, teamsUserId: `29:${number}`, conversationId: `a:${number}`, serviceUrl: "https://smba.example", reference: {} },
    });
    await p.consent.create({ data: { studentId: s.id, purpose: "analytics", state: "granted", source: "sis" } });
    await p.dataRequest.create({ data: { studentId: s.id, kind: "access", channel: "teams", dueBy: at } });
    await p.auditLog.create({ data: { actorKind: "staff", actorId: "T0001", action: "student.view", studentId: s.id } });
    return s.id;
  }

  beforeAll(async () => {
    const p = database.db.prisma;
    const tutor = await p.staff.create({ data: { staffNumber: "T0001", displayName: "Dr Tutor" } });
    await p.staffRoleAssignment.create({ data: { staffId: tutor.id, role: "personal_tutor", scopeKey: roleScopeKey("personal_tutor") } });
    const admin = await p.staff.create({ data: { staffNumber: "A0001", displayName: "Data Protection Admin" } });
    await p.staffRoleAssignment.create({ data: { staffId: admin.id, role: "admin", scopeKey: roleScopeKey("admin") } });
    await studentWithHistory("S0001", tutor.id);
    await studentWithHistory("S0002", tutor.id);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("has a section for every table that holds a student's data, found from the schema", () => {
    const models = studentDataModels();
    expect(models).toContain("Delivery");
    expect(models).toContain("EngagementDaily");
    expect(Object.keys(EXPORT_SECTIONS).sort()).toEqual(models);
  });

  it("exports every one of those tables' rows for the student, and nothing of anyone else's", async () => {
    const data = await exportStudent(database.db, "S0001", { kind: "staff", staffNumber: "A0001" });
    expect(data.format).toBe("nudge-subject-access/1");
    for (const model of studentDataModels()) expect(data.sections[model]?.length ?? 0, model).toBeGreaterThan(0);
    const text = JSON.stringify(data);
    expect(text).toContain("S0001@student.example.ac.uk");
    expect(text).not.toMatch(/S0002/);
    // The student's own copy includes special-category data and outcomes: they are theirs.
    expect(data.sections.Student![0]).toMatchObject({ disability: "A" });
    expect(data.sections.Submission![0]).toMatchObject({ score: 64 });
    // Staff appear by name and number only.
    expect(data.sections.TutorAssignment![0]!.staff).toEqual({ staffNumber: "T0001", displayName: "Dr Tutor" });
    const html = exportHtml(data);
    for (const model of studentDataModels()) expect(html).toContain(`<h2>${model} (`);
  });

  it("is audited against the student", async () => {
    const entry = await database.db.prisma.auditLog.findFirstOrThrow({ where: { action: "student.export" }, orderBy: { id: "desc" } });
    const student = await database.db.prisma.student.findUniqueOrThrow({ where: { studentNumber: "S0001" } });
    expect(entry).toMatchObject({ actorId: "A0001", targetId: "S0001", studentId: student.id });
  });

  it("nudge student export: JSON and HTML files for an admin; refused (and audited) for a tutor", async () => {
    const out = join(dir, "s0002.json");
    const run = await runNudge(["student", "export", "S0002", "--as", "A0001", "--out", out], { DATABASE_URL: database.url, LOG_LEVEL: "silent" });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^S0002: \d+ rows in 22 sections written to .*s0002\.json and .*s0002\.html/);
    expect(JSON.parse(readFileSync(out, "utf8")).sections.Reply).toHaveLength(1);
    expect(existsSync(join(dir, "s0002.html"))).toBe(true);
    expect(readFileSync(join(dir, "s0002.html"), "utf8")).toContain("<h1>Your data held by Nudge</h1>");

    const refused = await runNudge(["student", "export", "S0002", "--as", "T0001"], { DATABASE_URL: database.url, LOG_LEVEL: "silent" });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("T0001 may not student.export");
    expect(await database.db.prisma.auditLog.count({ where: { action: "access.refused", actorId: "T0001" } })).toBe(1);
  });
});
