/** `nudge interventions` as a tutor uses it: through the real CLI process and the access layer. */
import { beforeAll, describe, expect, it } from "vitest";
import { roleScopeKey } from "../../access/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { runNudge } from "../helpers/processes.ts";

describe("nudge interventions", () => {
  const database = useMigratedDatabase();
  let interventionId: number;
  const nudge = (args: string[]) => runNudge(["interventions", ...args], { DATABASE_URL: database.url, LOG_LEVEL: "silent" });

  beforeAll(async () => {
    const p = database.db.prisma;
    const tutor = await p.staff.create({ data: { staffNumber: "T0001", displayName: "Dr Tutor" } });
    const other = await p.staff.create({ data: { staffNumber: "T0002", displayName: "Dr Other" } });
    for (const staff of [tutor, other])
      await p.staffRoleAssignment.create({ data: { staffId: staff.id, role: "personal_tutor", scopeKey: roleScopeKey("personal_tutor") } });
    const student = await p.student.create({ data: { studentNumber: "S0001", givenName: "Sam", mobile: "+447700900123" } });
    await p.tutorAssignment.create({ data: { studentId: student.id, staffId: tutor.id, startDate: new Date("2025-09-01") } });
    interventionId = (
      await p.intervention.create({
        data: {
          studentId: student.id,
          kind: "referral",
          state: "awaiting_approval",
          body: "Hi Sam, shall I introduce you to Student Support?",
          channelOrder: ["sms"],
          proposedBy: "rule:quiet@1",
        },
      })
    ).id;
  });

  it("lists only what the person may decide, and records each reading", async () => {
    const mine = await nudge(["list", "--as", "T0001", "--json"]);
    expect(mine.code).toBe(0);
    expect(JSON.parse(mine.stdout).interventions).toEqual([expect.objectContaining({ id: interventionId, kind: "referral", student: "S0001" })]);
    const theirs = await nudge(["list", "--as", "T0002", "--json"]);
    expect(JSON.parse(theirs.stdout).interventions).toEqual([]);
    expect(await database.db.prisma.auditLog.count({ where: { action: "intervention.view", actorId: "T0001" } })).toBe(1);
  });

  it("refuses another tutor (exit 1, audited), refuses a bad number (exit 2), then approves with the tutor's wording", async () => {
    const refused = await nudge(["approve", String(interventionId), "--as", "T0002"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("not within their personal tutor scope");
    const bad = await nudge(["approve", "twelve", "--as", "T0001"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'twelve' must be a number");

    const approved = await nudge(["approve", String(interventionId), "--as", "T0001", "--text", "Hi Sam, could I introduce you to Student Support?", "--json"]);
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ id: interventionId, state: "queued" });
    const row = await database.db.prisma.intervention.findUniqueOrThrow({ where: { id: interventionId } });
    expect(row).toMatchObject({ body: "Hi Sam, could I introduce you to Student Support?", originalBody: "Hi Sam, shall I introduce you to Student Support?" });
    const again = await nudge(["reject", String(interventionId), "--as", "T0001", "--note", "too late"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("can no longer be rejected");
  });
});
