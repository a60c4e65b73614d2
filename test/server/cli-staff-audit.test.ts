/**
 * `nudge staff` (who holds which role, the first admin included) and `nudge audit` (reading the
 * log, which is itself logged), over a child process against a real database.
 */
import { userInfo } from "node:os";
import { beforeAll, describe, expect, it } from "vitest";
import { roleScopeKey } from "../../access/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { runNudge } from "../helpers/processes.ts";

describe("nudge staff and nudge audit", () => {
  const database = useMigratedDatabase();
  const nudge = (...args: string[]) => runNudge(args, { DATABASE_URL: database.url, LOG_LEVEL: "silent" });
  const json = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1)!);

  beforeAll(async () => {
    const p = database.db.prisma;
    await p.programme.create({ data: { code: "COMP", title: "Computing" } });
    const centre = await p.staff.create({ data: { staffNumber: "SC01", displayName: "Student Centre" } });
    await p.staffRoleAssignment.create({ data: { staffId: centre.id, role: "student_centre", scopeKey: roleScopeKey("student_centre") } });
    await p.staff.create({ data: { staffNumber: "PL01", displayName: "Programme Leader" } });
    await p.student.create({ data: { studentNumber: "S0001" } });
  });

  it("makes the first admin from the command line, recording the shell account that did it", async () => {
    const missing = await nudge("staff", "grant", "AD01", "admin");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no member of staff AD01: load staff records first, or give --name to create them");

    const granted = await nudge("staff", "grant", "AD01", "admin", "--name", "Ada Admin");
    expect(granted.code).toBe(0);
    expect(granted.stdout.trim()).toBe("AD01: now admin (staff record created)");
    const entry = await database.db.prisma.auditLog.findFirstOrThrow({ where: { action: "staff.role.grant" } });
    expect(entry).toMatchObject({
      actorKind: "system",
      actorId: `cli:${userInfo().username}`,
      targetId: "AD01",
      details: { role: "admin", scope: "admin", staffCreated: true },
    });
    expect((await nudge("staff", "grant", "AD01", "admin")).stdout.trim()).toBe("AD01: already admin");
  });

  it("scopes programme roles, refuses scopes a role does not take, and lists what someone holds", async () => {
    expect((await nudge("staff", "grant", "PL01", "programme_leader")).stderr).toContain("programme_leader needs --programme");
    expect((await nudge("staff", "grant", "PL01", "programme_leader", "--programme", "NOPE")).stderr).toContain("no programme with code NOPE");
    expect((await nudge("staff", "grant", "PL01", "admin", "--programme", "COMP")).stderr).toContain("admin is not scoped to a programme");
    const wizard = await nudge("staff", "grant", "PL01", "wizard");
    expect(wizard.code).toBe(2);
    expect(wizard.stderr).toContain("Allowed choices are personal_tutor, level_tutor, programme_leader, student_centre, safeguarding, admin, operator");

    expect((await nudge("staff", "grant", "PL01", "programme_leader", "--programme", "COMP", "--as", "AD01")).code).toBe(0);
    expect((await nudge("staff", "grant", "PL01", "level_tutor", "--programme", "COMP", "--year", "2", "--as", "AD01")).code).toBe(0);
    expect(json((await nudge("staff", "roles", "PL01", "--json")).stdout).roles).toEqual([
      { role: "level_tutor", programme: "COMP", yearOfStudy: 2 },
      { role: "programme_leader", programme: "COMP", yearOfStudy: null },
    ]);
    const revoked = await nudge("staff", "revoke", "PL01", "level_tutor", "--programme", "COMP", "--year", "2", "--as", "AD01");
    expect(revoked.stdout.trim()).toBe("PL01: no longer level_tutor of COMP year 2");
    expect(
      await database.db.prisma.auditLog.count({ where: { actorId: "AD01", action: { in: ["staff.role.grant", "staff.role.revoke"] }, targetId: "PL01" } }),
    ).toBe(3);
  });

  it("lists who holds roles, or one role, with the staff numbers to give as --as", async () => {
    const all = await nudge("staff", "list");
    expect(all.code).toBe(0);
    expect(all.stdout.trim().split("\n")).toEqual([
      "AD01  Ada Admin  admin",
      "PL01  Programme Leader  programme_leader of COMP",
      "SC01  Student Centre  student_centre",
    ]);
    const leaders = json((await nudge("staff", "list", "--role", "programme_leader", "--json")).stdout);
    expect(leaders).toEqual({
      staff: [{ staffNumber: "PL01", displayName: "Programme Leader", roles: [{ role: "programme_leader", programme: "COMP", yearOfStudy: null }] }],
    });
    expect((await nudge("staff", "list", "--role", "safeguarding")).stdout.trim()).toBe("nobody holds safeguarding");
    const wrong = await nudge("staff", "list", "--role", "wizard");
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("Allowed choices are");
  });

  it("refuses a role change --as someone who may not operate the system, and audits the attempt", async () => {
    const refused = await nudge("staff", "grant", "SC01", "admin", "--as", "SC01");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("SC01 may not system.operate");
    expect(await database.db.prisma.staffRoleAssignment.count({ where: { staff: { staffNumber: "SC01" }, role: "admin" } })).toBe(0);
    expect(await database.db.prisma.auditLog.count({ where: { action: "access.refused", actorId: "SC01" } })).toBe(1);
  });

  it("audit: reads what one person did, newest first, and records the reading", async () => {
    const run = await nudge("audit", "--actor", "AD01", "--as", "AD01", "--json");
    expect(run.code).toBe(0);
    const trail = json(run.stdout);
    expect(trail.entries.map((e: { action: string }) => e.action)).toEqual(["staff.role.revoke", "staff.role.grant", "staff.role.grant"]);
    expect(trail.more).toBe(false);
    expect(await database.db.prisma.auditLog.count({ where: { action: "audit.view", actorId: "AD01", targetId: "AD01" } })).toBe(1);
    const limited = json((await nudge("audit", "--actor", "AD01", "--as", "AD01", "--limit", "1", "--json")).stdout);
    expect(limited.entries).toHaveLength(1);
    expect(limited.more).toBe(true);
  });

  it("audit: a student's history is a read of that student, itself in their history", async () => {
    const student = await database.db.prisma.student.findUniqueOrThrow({ where: { studentNumber: "S0001" } });
    await database.db.prisma.auditLog.create({
      data: { actorKind: "staff", actorId: "PL01", action: "student.view", targetType: "student", targetId: String(student.id), studentId: student.id },
    });
    const first = json((await nudge("audit", "--student", "S0001", "--as", "AD01", "--json")).stdout);
    expect(first.entries.map((e: { actorId: string; action: string }) => `${e.actorId} ${e.action}`)).toEqual(["PL01 student.view"]);
    const second = await nudge("audit", "--student", "S0001", "--as", "AD01");
    expect(second.stdout.split("\n")[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}staff AD01 {2}audit\.view {2}student:S0001/);
  });

  it("audit: only for those who may read it, and asks for exactly one of --student and --actor", async () => {
    const refused = await nudge("audit", "--actor", "AD01", "--as", "PL01");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("PL01 may not audit.read");
    const neither = await nudge("audit", "--as", "AD01");
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain("give exactly one of --student and --actor");
    expect((await nudge("audit", "--student", "S9999", "--as", "AD01")).stderr).toContain("no student S9999");
  });
});
