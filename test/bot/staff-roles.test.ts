/**
 * Each role's own help in Teams, and a plain "you don't have access to that" when a role asks
 * for something it cannot, over `/api/messages` on the running service: a personal tutor, Student
 * Centre staff, an admin and an operator, on the analytics world (test/analytics/world.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testServiceConfig } from "../helpers/service-config.ts";
import { createLogger } from "../../core/index.ts";
import { startService, type RunningService } from "../../server/service.ts";
import { buildAnalyticsWorld, type AnalyticsWorld } from "../analytics/world.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { shownText, startFakeConnector, teamsMessage, type FakeConnector } from "../helpers/fake-connector.ts";

const person = (key: string, n: number) => ({
  id: `29:1roles-${key}`,
  name: key,
  aadObjectId: `6b1d2c9e-0000-4000-8000-0000000001${String(n).padStart(2, "0")}`,
});
const TUTOR = person("tutor", 1);
const CENTRE = person("centre", 2);
const ADMIN = person("admin", 3);
const OPERATOR = person("operator", 4);
const conversationOf = (who: { id: string }) => ({ conversationType: "personal", tenantId: "72f988bf-0000-4000-8000-000000000001", id: `a:chat-${who.id}` });

const STUDENTS_REFUSED =
  'You don\'t have access to individual students in Nudge: tutee lists, student records and digests are for tutors and support staff. Say "help" for what you can ask.';

describe("each role's help and refusals in Teams", () => {
  let testDb: TestDatabase;
  let service: RunningService;
  let connector: FakeConnector;
  let world: AnalyticsWorld;
  let base: string;

  /** Says `text` in the person's chat and returns the text of the one activity the bot answered with. */
  const say = async (who: typeof TUTOR, text: string) => {
    const from = connector.calls.length;
    const response = await fetch(`${base}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(teamsMessage(connector.serviceUrl, text, { from: who, conversation: conversationOf(who), id: `r-${Math.random()}` })),
    });
    expect(response.status).toBeLessThan(300);
    const sent = connector.calls
      .slice(from)
      .filter((c) => c.method === "POST" && c.path.includes(encodeURIComponent(conversationOf(who).id)) && c.body?.type !== "typing");
    expect(sent).toHaveLength(1);
    return shownText(sent[0]!.body);
  };
  const refusals = (staffNumber: string) => service.db.prisma.auditLog.count({ where: { action: "access.refused", actorId: staffNumber } });

  beforeAll(async () => {
    testDb = await createTestDatabase();
    connector = await startFakeConnector();
    const { openDatabase } = await import("../../prisma/index.ts");
    const db = await openDatabase(testDb.url, { migrate: true });
    world = await buildAnalyticsWorld(db);
    for (const [staffNumber, who] of [
      [world.staff.tutor, TUTOR],
      [world.staff.centre, CENTRE],
      [world.staff.admin, ADMIN],
      [world.staff.operator, OPERATOR],
    ] as const)
      await db.prisma.staff.update({ where: { staffNumber }, data: { entraObjectId: who.aadObjectId } });
    await db.close();
    service = await startService(testServiceConfig(testDb.url, { NUDGE_CHANNELS: "teams" }), createLogger("silent"));
    base = `http://127.0.0.1:${service.port}`;
  });

  afterAll(async () => {
    await service?.stop();
    await connector?.close();
    await testDb?.drop();
  });

  it("a personal tutor's help lists their tutees, students and digest, and nothing about groups or rules", async () => {
    const help = await say(TUTOR, "help");
    expect(help).toContain('"my tutees"');
    expect(help).toContain('"student <name or student number>"');
    expect(help).toContain('"digest now"');
    expect(help).toContain("Your digest arrives each weekday morning");
    expect(help).not.toMatch(/groups of students|rollback|npx nudge/);
  });

  it("Student Centre staff are offered questions about groups, and nothing about single students or rules", async () => {
    const help = await say(CENTRE, "help");
    expect(help).toContain("a question about groups of students");
    expect(help).toContain("Looking up a single student is for their tutors and support staff");
    expect(help).not.toMatch(/"my tutees"|"digest now"|rollback|npx nudge/);
  });

  it("an admin is offered the rules commands and questions, and no student lookups", async () => {
    const help = await say(ADMIN, "help");
    expect(help).toContain('"rollback <id> to <version>"');
    expect(help).toContain("a question about groups of students");
    expect(help).not.toMatch(/"my tutees"|"digest now"/);
  });

  it("an operator is told what they look after and where, with no student or question commands", async () => {
    const help = await say(OPERATOR, "help");
    expect(help).toMatch(/^You look after Nudge itself, so in Teams I don't show you students/);
    expect(help).toContain("npx nudge jobs list");
    expect(help).not.toMatch(/"my tutees"|groups of students, e\.g\.|rollback/);
  });

  it("a personal tutor asking about groups of students is told it is for the Student Centre, and where to look instead", async () => {
    for (const question of ["how many students were flagged this week?", "which rules flagged most students this week?", "rule feedback from tutors"])
      expect(await say(TUTOR, question)).toBe(
        "Questions about groups of students are for Student Centre staff; you can ask about your own tutees with 'my tutees' or 'student <name>'.",
      );
    // Something that is no question at all is still not understood, with their own help.
    const unclear = await say(TUTOR, "make me a coffee");
    expect(unclear).toMatch(/^Sorry, I didn't understand "make me a coffee"/);
    expect(unclear).toContain('"my tutees"');
  });

  it("an operator asking about groups of students is refused plainly, not misunderstood", async () => {
    const answer = await say(OPERATOR, "how many students were flagged this week?");
    expect(answer).toMatch(/^Questions about groups of students are for Student Centre staff, so I can't answer them for you/);
    expect(answer).not.toMatch(/didn't understand|'my tutees'/);
  });

  it("Student Centre staff and operators asking for tutees, a student or a digest are told they have no access, and it is recorded", async () => {
    const student = await service.db.prisma.student.findFirstOrThrow({ orderBy: { id: "asc" } });
    const before = await refusals(world.staff.centre);
    for (const text of ["my tutees", `student ${student.studentNumber}`, "digest now"]) {
      const answer = await say(CENTRE, text);
      expect(answer).toBe(STUDENTS_REFUSED);
      expect(answer).not.toContain(student.studentNumber);
    }
    expect(await refusals(world.staff.centre)).toBe(before + 3);
    expect(await say(OPERATOR, "my tutees")).toBe(STUDENTS_REFUSED);
    // A rules command from someone who is not an admin: told who looks after rules.
    expect(await say(CENTRE, "rules")).toBe("Rules are looked after by admins, so I can't show or change them for you here.");
  });
});
