/**
 * `nudge staff office` sets a tutor's office hours and location (checked, audited), and
 * `nudge interventions approve` on a suggested invitation offers the student three of those times
 * at that place, as the digest card does: through the real CLI process.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { roleScopeKey } from "../../access/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { runNudge } from "../helpers/processes.ts";

const HOURS = '[{"day":"mon","from":"10:00","to":"12:00"},{"day":"wed","from":"14:00","to":"16:00"},{"day":"fri","from":"09:00","to":"11:00"}]';

describe("nudge staff office, and approving an invitation at the command line", () => {
  const database = useMigratedDatabase();
  let invitationId: number;
  const nudge = (args: string[]) => runNudge(args, { DATABASE_URL: database.url, LOG_LEVEL: "silent" });

  beforeAll(async () => {
    const p = database.db.prisma;
    const tutor = await p.staff.create({ data: { staffNumber: "T0001", displayName: "Dr Tutor", email: "tutor@example.ac.uk" } });
    await p.staffRoleAssignment.create({ data: { staffId: tutor.id, role: "personal_tutor", scopeKey: roleScopeKey("personal_tutor") } });
    const student = await p.student.create({ data: { studentNumber: "S0001", givenName: "Sam", email: "sam@student.example.ac.uk" } });
    await p.tutorAssignment.create({ data: { studentId: student.id, staffId: tutor.id, startDate: new Date("2025-09-01") } });
    const body = "Hi Sam, it's Dr Tutor. Could you pick a time for a short chat?";
    invitationId = (
      await p.intervention.create({
        data: {
          studentId: student.id,
          kind: "invitation_to_talk",
          state: "awaiting_approval",
          body,
          channelOrder: ["email"],
          templateData: { texts: { email: { subject: "A chat", body } }, evidence: [], flagIds: [] },
          proposedBy: "rule:no-vle-21-days@1",
        },
      })
    ).id;
  });

  it("refuses office hours it cannot read, naming the field, and changes nothing", async () => {
    const bad = await nudge(["staff", "office", "T0001", "--hours", '[{"day":"tue","from":"10:00","to":"09:00"}]']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('officeHours[0].to: "09:00" is not after "from" (10:00)');
    expect(await database.db.prisma.staff.findUniqueOrThrow({ where: { staffNumber: "T0001" } })).toMatchObject({ officeHours: null, officeLocation: null });
  });

  it("approving an invitation before office hours are set says so and sends nothing", async () => {
    const refused = await nudge(["interventions", "approve", String(invitationId), "--as", "T0001"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("Dr Tutor has no office hours configured");
    expect(await database.db.prisma.intervention.findUniqueOrThrow({ where: { id: invitationId } })).toMatchObject({ state: "awaiting_approval" });
    expect(await database.db.prisma.meeting.count()).toBe(0);
  });

  it("sets the hours and the place, audits who did it, and shows them", async () => {
    const set = await nudge(["staff", "office", "T0001", "--hours", HOURS, "--location", "Room 2.14,  Hawthorn Building "]);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain("office hours: mon 10:00-12:00, wed 14:00-16:00, fri 09:00-11:00 (Europe/London)");
    expect(set.stdout).toContain("office location: Room 2.14, Hawthorn Building");
    const staff = await database.db.prisma.staff.findUniqueOrThrow({ where: { staffNumber: "T0001" } });
    expect(staff.officeHours).toEqual(JSON.parse(HOURS));
    expect(staff.officeLocation).toBe("Room 2.14, Hawthorn Building");
    const audit = await database.db.prisma.auditLog.findFirstOrThrow({ where: { action: "staff.office", targetId: "T0001" } });
    expect(audit).toMatchObject({ actorKind: "system" });
    expect(audit.details).toMatchObject({ officeLocation: "Room 2.14, Hawthorn Building" });

    const shown = await nudge(["staff", "office", "T0001", "--json"]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ staffNumber: "T0001", officeLocation: "Room 2.14, Hawthorn Building" });
  });

  it("approves the suggested invitation as an offer of three of those times, at that place", async () => {
    const approved = await nudge(["interventions", "approve", String(invitationId), "--as", "T0001"]);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(new RegExp(`^#${invitationId} approved by T0001: queued\\n`));
    const times = approved.stdout.split("\n").filter((line) => line.startsWith("time "));
    expect(times).toHaveLength(3);
    for (const line of times) expect(line).toMatch(/^time [123]: (Monday|Wednesday|Friday) \d{1,2} \w+, \d\d:\d\d to \d\d:\d\d$/);

    const meeting = await database.db.prisma.meeting.findFirstOrThrow({ where: { interventionId: invitationId } });
    expect(meeting).toMatchObject({ state: "proposed", location: "Room 2.14, Hawthorn Building" });
    expect((meeting.proposedSlots as unknown[]).length).toBe(3);
    const invitation = await database.db.prisma.intervention.findUniqueOrThrow({ where: { id: invitationId } });
    // The email lists the times and how to answer.
    expect((invitation.templateData as { texts: { email: { body: string } } }).texts.email.body).toMatch(/1\) .*\n2\) .*\n3\) /);
    expect(invitation.originalBody).toBe("Hi Sam, it's Dr Tutor. Could you pick a time for a short chat?");
  });
});
