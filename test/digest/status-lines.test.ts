/**
 * "my tutees" says what is true of each student: dismissed by whom and with what verdict, snoozed
 * until when, approved and sent, waiting for a decision; never "a reply or suggestion is waiting"
 * for a student whose flags were put aside.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { roleScopeKey } from "../../access/index.ts";
import { writeAudit } from "../../audit/index.ts";
import { createApp, type App } from "../../app/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";

const NOW = new Date("2026-12-07T10:00:00Z");

describe.each(databaseKindsUnderTest())("status lines on %s", (kind) => {
  const database = useMigratedDatabase(kind);
  let app: App;
  let tutor: { staffId: number; staffNumber: string; displayName: string };
  let card: string;

  beforeAll(async () => {
    const p = database.db.prisma;
    app = createApp(database.db);
    const staff = await p.staff.create({ data: { staffNumber: "T0200", displayName: "Dr Ada Lovelace" } });
    await p.staffRoleAssignment.create({ data: { staffId: staff.id, role: "personal_tutor", scopeKey: roleScopeKey("personal_tutor") } });
    tutor = { staffId: staff.id, staffNumber: staff.staffNumber, displayName: staff.displayName };
    const ids: Record<string, number> = {};
    for (const [number, family] of [
      ["D1", "Adams"],
      ["S1", "Brown"],
      ["A1", "Clark"],
      ["W1", "Davis"],
      ["N1", "Evans"],
    ] as const) {
      const student = await p.student.create({ data: { studentNumber: number, givenName: "Sam", familyName: family } });
      await p.tutorAssignment.create({ data: { studentId: student.id, staffId: staff.id, startDate: new Date("2026-09-01T00:00:00Z") } });
      ids[number] = student.id;
    }
    const actor = { kind: "staff" as const, staffNumber: "T0200" };
    await writeAudit(p, {
      actor,
      action: "flag.dismissed",
      targetType: "student",
      targetId: String(ids.D1),
      studentId: ids.D1,
      details: { verdict: "not_useful" },
    });
    await writeAudit(p, {
      actor,
      action: "flag.snoozed",
      targetType: "student",
      targetId: String(ids.S1),
      studentId: ids.S1,
      details: { days: 7, until: "2026-12-14T10:00:00.000Z" },
    });
    const sent = await p.intervention.create({
      data: { studentId: ids.A1!, kind: "nudge", state: "sent", body: "Hi Sam", channel: "teams", proposedBy: "system" },
    });
    await writeAudit(p, {
      actor,
      action: "intervention.approved",
      targetType: "intervention",
      targetId: String(sent.id),
      studentId: ids.A1,
      details: { kind: "nudge" },
    });
    await p.intervention.create({
      data: { studentId: ids.W1!, kind: "invitation_to_talk", state: "awaiting_approval", body: "Could we talk?", proposedBy: "system" },
    });
    card = JSON.stringify(await app.digest.tuteesCardFor(tutor, NOW));
  });

  it("says who dismissed a student's flags and with what verdict", () => {
    expect(card).toMatch(/Dismissed by Dr Ada Lovelace as \\"not useful\\"/);
  });

  it("says until when a student is snoozed, and by whom", () => {
    expect(card).toContain("Snoozed until 14 December by Dr Ada Lovelace");
  });

  it("says an approved message was sent, and what waits for a decision", () => {
    expect(card).toMatch(/Nudge approved by Dr Ada Lovelace \([^)]+\), sent/);
    expect(card).toContain("Waiting for your decision: invitation to talk");
    expect(card).toContain("No recent flags");
    expect(card).not.toContain("A reply or suggestion is waiting");
  });
});
