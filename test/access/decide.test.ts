import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decide, decideEach, renderAccessTable, roleScopeKey, type Actor, type CapabilityName } from "../../access/index.ts";
import { markers } from "../../scripts/readme-tables.ts";
import { openDatabase, type Database } from "../../prisma/index.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

const NOW = new Date("2026-11-23T12:00:00Z");

/**
 * Expected decisions, written out by hand (not derived from the matrix): for each person, the
 * capabilities they have over `inScope` (a first-year Computing student, tutee of `tutor`) and
 * over `outOfScope` (a second-year History student, nobody's tutee here).
 */
const INDIVIDUAL: CapabilityName[] = [
  "student.read",
  "student.contact",
  "intervention.decide",
  "consent.record",
  "student.export",
  "student.rectify",
  "student.erase",
];
const SYSTEM: CapabilityName[] = ["analytics.ask", "analytics.report", "rules.edit", "runs.read", "audit.read", "system.operate"];

const EXPECTED: Record<string, { inScope: CapabilityName[]; outOfScope: CapabilityName[]; system: CapabilityName[] }> = {
  tutor: { inScope: ["student.read", "student.contact", "intervention.decide"], outOfScope: [], system: [] },
  levelTutor: { inScope: ["student.read", "student.contact", "intervention.decide"], outOfScope: [], system: ["analytics.ask"] },
  wrongYearLevelTutor: { inScope: [], outOfScope: [], system: ["analytics.ask"] },
  leader: { inScope: ["student.read", "student.contact", "intervention.decide"], outOfScope: [], system: ["analytics.ask", "runs.read"] },
  centre: { inScope: [], outOfScope: [], system: ["analytics.ask"] },
  admin: {
    inScope: ["consent.record", "student.export", "student.rectify", "student.erase"],
    outOfScope: ["consent.record", "student.export", "student.rectify", "student.erase"],
    system: ["analytics.ask", "analytics.report", "rules.edit", "runs.read", "audit.read", "system.operate"],
  },
  operator: { inScope: [], outOfScope: [], system: ["runs.read", "system.operate"] },
  formerTutor: { inScope: [], outOfScope: [], system: [] },
  inactive: { inScope: [], outOfScope: [], system: [] },
};

describe("access decisions", () => {
  let testDb: TestDatabase;
  let db: Database;
  const staff: Record<string, number> = {};
  let inScope: number;
  let outOfScope: number;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await openDatabase(testDb.url, { migrate: true });
    const p = db.prisma;
    const computing = await p.programme.create({ data: { code: "CS", title: "Computing" } });
    const history = await p.programme.create({ data: { code: "HI", title: "History" } });
    inScope = (await p.student.create({ data: { studentNumber: "S1" } })).id;
    outOfScope = (await p.student.create({ data: { studentNumber: "S2" } })).id;
    const start = new Date("2026-09-21T00:00:00Z");
    await p.programmeEnrolment.create({ data: { studentId: inScope, programmeId: computing.id, yearOfStudy: 1, startDate: start } });
    await p.programmeEnrolment.create({ data: { studentId: outOfScope, programmeId: history.id, yearOfStudy: 2, startDate: start } });
    const person = async (
      key: string,
      roles: {
        role: "personal_tutor" | "level_tutor" | "programme_leader" | "student_centre" | "admin" | "operator";
        programmeId?: number;
        yearOfStudy?: number;
      }[],
      active = true,
    ) => {
      const created = await p.staff.create({ data: { staffNumber: key, displayName: key, active } });
      for (const r of roles) {
        await p.staffRoleAssignment.create({
          data: { staffId: created.id, role: r.role, programmeId: r.programmeId, yearOfStudy: r.yearOfStudy, scopeKey: roleScopeKey(r.role, r) },
        });
      }
      staff[key] = created.id;
    };
    await person("tutor", [{ role: "personal_tutor" }]);
    await person("levelTutor", [{ role: "level_tutor", programmeId: computing.id, yearOfStudy: 1 }]);
    await person("wrongYearLevelTutor", [{ role: "level_tutor", programmeId: computing.id, yearOfStudy: 2 }]);
    await person("leader", [{ role: "programme_leader", programmeId: computing.id }]);
    await person("centre", [{ role: "student_centre" }]);
    await person("admin", [{ role: "admin" }]);
    await person("operator", [{ role: "operator" }]);
    await person("formerTutor", [{ role: "personal_tutor" }]);
    await person("inactive", [{ role: "personal_tutor" }], false);
    await p.tutorAssignment.create({ data: { studentId: inScope, staffId: staff.tutor!, startDate: start } });
    await p.tutorAssignment.create({ data: { studentId: inScope, staffId: staff.formerTutor!, startDate: new Date("2025-09-22T00:00:00Z"), endDate: start } });
    await p.tutorAssignment.create({ data: { studentId: inScope, staffId: staff.inactive!, startDate: start } });
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  for (const [who, expected] of Object.entries(EXPECTED)) {
    it(`${who}: exactly the expected capabilities, in and out of scope`, async () => {
      const actor: Actor = { kind: "staff", staffId: staff[who]! };
      const allowed = async (studentId: number) => {
        const out: CapabilityName[] = [];
        for (const capability of INDIVIDUAL) if ((await decide(db, actor, capability, { studentId }, NOW)).allowed) out.push(capability);
        return out;
      };
      expect(await allowed(inScope)).toEqual(expected.inScope);
      expect(await allowed(outOfScope)).toEqual(expected.outOfScope);
      const system: CapabilityName[] = [];
      for (const capability of SYSTEM) if ((await decide(db, actor, capability, undefined, NOW)).allowed) system.push(capability);
      expect(system).toEqual(expected.system);
    });
  }

  for (const [who, expected] of Object.entries(EXPECTED)) {
    it(`${who}: deciding for many students at once gives the same decisions, with the same reasons`, async () => {
      const actor: Actor = { kind: "staff", staffId: staff[who]! };
      const targets = [{ studentId: outOfScope }, { studentId: inScope }, { studentId: outOfScope }];
      const batch = await decideEach(db, actor, INDIVIDUAL, targets, NOW);
      for (const capability of INDIVIDUAL) {
        expect(batch[capability].map((d) => d.allowed)).toEqual([
          expected.outOfScope.includes(capability),
          expected.inScope.includes(capability),
          expected.outOfScope.includes(capability),
        ]);
        for (const [i, target] of targets.entries()) expect(batch[capability][i]).toEqual(await decide(db, actor, capability, target, NOW));
      }
    });
  }

  it("deciding for many students at once says why it refuses, and asks the same of a student", async () => {
    const batch = await decideEach(db, { kind: "staff", staffId: staff.tutor! }, ["student.read"], [{ studentId: outOfScope }, { studentId: inScope }], NOW);
    expect(batch["student.read"]).toEqual([
      { allowed: false, reason: "the student is not within their personal tutor scope (tutees)" },
      { allowed: true, role: "personal_tutor", scope: "tutees", reason: "as personal_tutor (tutees)" },
    ]);
    const unknown = await decideEach(db, { kind: "staff", staffId: 999_999 }, ["student.read"], [{ studentId: inScope }], NOW);
    expect(unknown["student.read"]).toEqual([{ allowed: false, reason: "not a known, active member of staff" }]);
    const me = await decideEach(db, { kind: "student", studentId: inScope }, ["student.read"], [{ studentId: inScope }, { studentId: outOfScope }], NOW);
    expect(me["student.read"].map((d) => d.reason)).toEqual(["the student's own data", "students see only their own data"]);
    const special = await decideEach(db, { kind: "staff", staffId: staff.tutor! }, ["student.special_category.read"], [{ studentId: inScope }], NOW);
    expect(special["student.special_category.read"]).toEqual([
      { allowed: false, reason: "special-category access needs the category (consent is per purpose)" },
    ]);
    const nobody = await decideEach(db, { kind: "staff", staffId: 999_999 }, ["student.special_category.read"], [{ studentId: inScope }], NOW);
    expect(nobody["student.special_category.read"]).toEqual([
      { allowed: false, reason: "special-category access needs the category (consent is per purpose)" },
    ]);
  });

  it("a student sees their own data and no one else's", async () => {
    const me: Actor = { kind: "student", studentId: inScope };
    expect(await decide(db, me, "student.read", { studentId: inScope }, NOW)).toMatchObject({ allowed: true, scope: "own" });
    expect(await decide(db, me, "student.read", { studentId: outOfScope }, NOW)).toMatchObject({ allowed: false, reason: "students see only their own data" });
    expect((await decide(db, me, "intervention.decide", { studentId: inScope }, NOW)).allowed).toBe(false);
    expect((await decide(db, me, "analytics.ask", undefined, NOW)).allowed).toBe(false);
  });

  it("special-category data needs the student's consent for that category, latest record winning", async () => {
    const tutor: Actor = { kind: "staff", staffId: staff.tutor! };
    const health = { studentId: inScope, purpose: "special_category_health" as const };
    expect(await decide(db, tutor, "student.special_category.read", health, NOW)).toMatchObject({
      allowed: false,
      reason: "no consent from the student for special category health",
    });
    await db.prisma.consent.create({
      data: { studentId: inScope, purpose: "special_category_health", state: "granted", source: "teams", recordedAt: new Date("2026-10-01T00:00:00Z") },
    });
    expect((await decide(db, tutor, "student.special_category.read", health, NOW)).allowed).toBe(true);
    // Consent for one category says nothing about another.
    expect((await decide(db, tutor, "student.special_category.read", { studentId: inScope, purpose: "special_category_ethnicity" }, NOW)).allowed).toBe(false);
    await db.prisma.consent.create({
      data: { studentId: inScope, purpose: "special_category_health", state: "withdrawn", source: "teams", recordedAt: new Date("2026-11-01T00:00:00Z") },
    });
    expect((await decide(db, tutor, "student.special_category.read", health, NOW)).allowed).toBe(false);
    // Consent never widens scope: the History student stays out of reach.
    expect((await decide(db, tutor, "student.special_category.read", { studentId: outOfScope, purpose: "special_category_health" }, NOW)).allowed).toBe(false);
  });

  it("says why it refuses", async () => {
    expect(await decide(db, { kind: "staff", staffId: staff.tutor! }, "student.read", { studentId: outOfScope }, NOW)).toMatchObject({
      allowed: false,
      reason: "the student is not within their personal tutor scope (tutees)",
    });
    expect((await decide(db, { kind: "staff", staffId: 999_999 }, "student.read", { studentId: inScope }, NOW)).reason).toBe(
      "not a known, active member of staff",
    );
    expect((await decide(db, { kind: "staff", staffId: staff.tutor! }, "student.read", undefined, NOW)).reason).toBe(
      "student.read needs the student it is about",
    );
  });

  it("the access table in docs/data-protection.md is the one the code enforces", () => {
    const readme = readFileSync(new URL("../../docs/data-protection.md", import.meta.url), "utf8");
    const { start, end } = markers("access");
    const table = readme.slice(readme.indexOf(start) + start.length, readme.indexOf(end)).trim();
    expect(table, "run `npm run docs:access`").toBe(renderAccessTable());
  });
});
