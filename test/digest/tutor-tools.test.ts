/**
 * "student <name or number>" in Teams, as a use case: a search looks among the students the person
 * may see (so a common name cannot crowd their own tutees out), and a number outside their scope
 * gets the same answer as a number nobody has (audited, but nothing says the student exists).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { roleScopeKey } from "../../access/index.ts";
import { createApp, type App } from "../../app/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";

const text = (card: unknown) => JSON.stringify(card);

describe.each(databaseKindsUnderTest())("looking a student up on %s", (kind) => {
  const database = useMigratedDatabase(kind);
  let app: App;
  let tutor: { staffId: number; staffNumber: string; displayName: string; timezone: string };

  beforeAll(async () => {
    const p = database.db.prisma;
    app = createApp(database.db);
    const staff = await p.staff.create({ data: { staffNumber: "T0100", displayName: "Dr Tutor" } });
    await p.staffRoleAssignment.create({ data: { staffId: staff.id, role: "personal_tutor", scopeKey: roleScopeKey("personal_tutor") } });
    tutor = { staffId: staff.id, staffNumber: staff.staffNumber, displayName: staff.displayName, timezone: staff.timezone };
    // 260 other students called Smith come first, by name and by id; the tutor's three come last.
    await p.student.createMany({
      data: Array.from({ length: 260 }, (_, i) => ({
        studentNumber: `X${String(i).padStart(4, "0")}`,
        givenName: "Alex",
        familyName: `Smith${String(i).padStart(3, "0")}`,
      })),
    });
    for (const [n, given] of [
      ["T1", "Jo"],
      ["T2", "Kit"],
      ["T3", "Lee"],
    ] as const) {
      const student = await p.student.create({ data: { studentNumber: n, givenName: given, familyName: "Smithson" } });
      await p.tutorAssignment.create({ data: { studentId: student.id, staffId: staff.id, startDate: new Date("2026-09-01T00:00:00Z") } });
    }
  });

  it("finds the tutor's own students among many with the same name", async () => {
    const card = text(await app.digest.studentLookupCard(tutor, "Smith"));
    expect(card).toContain("3 students match");
    for (const n of ["T1", "T2", "T3"]) expect(card).toContain(`(${n})`);
    expect(card).not.toContain("X0000");
  });

  it("answers a number outside their scope exactly as a number nobody has, and audits the attempt", async () => {
    const outside = text(await app.digest.studentLookupCard(tutor, "X0007"));
    const nobody = text(await app.digest.studentLookupCard(tutor, "X9999"));
    expect(outside.replace("X0007", "?")).toBe(nobody.replace("X9999", "?"));
    const refusals = await database.db.prisma.auditLog.findMany({ where: { actorId: "T0100", action: "access.refused" } });
    expect(refusals).toHaveLength(1);
  });
});
