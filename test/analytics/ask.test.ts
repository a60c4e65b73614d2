/**
 * Who may ask, what is refused, and the audit trail every question leaves (POLICY P5, P11,
 * invariant 5).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { askQuestion, INDIVIDUAL_REFUSAL, type AskResult } from "../../analytics/index.ts";
import { AccessRefused, decide } from "../../access/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { buildAnalyticsWorld, COHORTS, NOW, type AnalyticsWorld } from "./world.ts";

const QUESTION = "how many first-years in Computing had no VLE activity in the last 14 days?";

describe("asking analytics questions", () => {
  const t = useMigratedDatabase();
  let world: AnalyticsWorld;
  beforeAll(async () => {
    world = await buildAnalyticsWorld(t.db);
  });

  const auditOf = (actorId: string, action?: string) =>
    t.db.prisma.auditLog.findMany({ where: { actorId, ...(action ? { action } : {}) }, orderBy: { id: "asc" } });

  describe("who may ask", () => {
    it("the access gate decides analytics.ask without a target student (aggregate scope)", async () => {
      const centre = await t.db.prisma.staff.findUniqueOrThrow({ where: { staffNumber: world.staff.centre } });
      expect(await decide(t.db, { kind: "staff", staffId: centre.id }, "analytics.ask")).toMatchObject({
        allowed: true,
        role: "student_centre",
        scope: "aggregate",
      });
    });

    it.each(["centre", "levelTutor", "leader", "admin"] as const)("%s gets an answer", async (who) => {
      const result = await askQuestion(t.db, world.staff[who], QUESTION, NOW);
      expect(result.kind).toBe("answer");
    });

    it.each([
      ["a personal tutor with no aggregate role", "tutor"],
      ["an operator", "operator"],
    ] as const)("%s is refused, and both the refusal and the question are audited", async (_who, key) => {
      const staffNumber = world.staff[key];
      await expect(askQuestion(t.db, staffNumber, QUESTION, NOW)).rejects.toBeInstanceOf(AccessRefused);
      const entries = await auditOf(staffNumber);
      expect(entries.map((e) => e.action)).toEqual(["access.refused", "analytics.question"]);
      expect(entries[0]).toMatchObject({ targetType: "capability", targetId: "analytics.ask", studentId: null });
      expect(entries[1]!.details).toMatchObject({ question: QUESTION, outcome: "refused" });
    });

    it("someone who is not staff is refused", async () => {
      await expect(askQuestion(t.db, "X9999", QUESTION, NOW)).rejects.toBeInstanceOf(AccessRefused);
      expect((await auditOf("X9999")).map((e) => e.action)).toEqual(["access.refused", "analytics.question"]);
    });
  });

  describe("questions about individuals", () => {
    const ada = () => world.ids.get(COHORTS.LAW1![0]!)!;

    it.each([
      ["how is student S0000001 doing?", "S0000001"],
      ["flags this week for S0000002", "S0000002"],
      ["how is Ada Lovelace doing?", "ada"],
      ["has ada lovelace been flagged this week", "ada"],
      ["how many meetings did Ada Lovelace have this month", "ada"],
    ])("%s: refused, audited as a refused read of that student's record", async (text, who) => {
      const before = await auditOf(world.staff.centre);
      const result = await askQuestion(t.db, world.staff.centre, text, NOW);
      expect(result).toEqual({ kind: "refused", message: INDIVIDUAL_REFUSAL });
      const entries = (await auditOf(world.staff.centre)).slice(before.length);
      const studentId = who === "ada" ? ada() : world.ids.get(who)!;
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ action: "access.refused", targetType: "student", targetId: String(studentId), studentId });
      expect(entries[0]!.details).toMatchObject({ capability: "student.read", reason: "analytics answers are aggregates only", question: text });
    });

    it.each([
      "which students had no VLE activity in the last 14 days?",
      "who had no VLE activity this week?",
      "list the students flagged this week",
      "names of first-years in Computing with no VLE activity",
      "how is student S7654321 doing?",
      "what is the student number of the first-year flagged this week",
      "how are Sam and Priya doing?",
    ])("%s: refused without naming anyone in the audit", async (text) => {
      const before = await auditOf(world.staff.centre);
      expect(await askQuestion(t.db, world.staff.centre, text, NOW)).toEqual({ kind: "refused", message: INDIVIDUAL_REFUSAL });
      const entries = (await auditOf(world.staff.centre)).slice(before.length);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ action: "access.refused", targetType: "capability", targetId: "student.read", studentId: null });
      expect(entries[0]!.details).toMatchObject({ capability: "student.read", reason: "analytics answers are aggregates only" });
    });

    it("a programme is not a person: 'how is Computing doing?' is simply not understood", async () => {
      const result = await askQuestion(t.db, world.staff.centre, "how is Computing doing?", NOW);
      expect(result.kind).toBe("not_understood");
    });
  });

  describe("the audit trail", () => {
    it("every question leaves one analytics.question entry with the text and the query, and no student ids", async () => {
      const staffNumber = world.staff.levelTutor;
      const before = await auditOf(staffNumber);
      const questions = [
        QUESTION,
        "flags by programme this month",
        "reply rate by channel this month",
        "how fresh is the data?",
        "reply rte by chanel this month",
        "what is the weather like",
        "flags by channel this week",
      ];
      const results: AskResult[] = [];
      for (const question of questions) results.push(await askQuestion(t.db, staffNumber, question, NOW));
      expect(results.map((r) => r.kind)).toEqual(["answer", "answer", "answer", "answer", "not_understood", "not_understood", "not_understood"]);

      const entries = (await auditOf(staffNumber)).slice(before.length);
      expect(entries.map((e) => e.action)).toEqual(questions.map(() => "analytics.question"));
      entries.forEach((entry, i) => {
        expect(entry.actorKind).toBe("staff");
        expect(entry.studentId).toBeNull();
        const details = entry.details as Record<string, unknown>;
        expect(details.question).toBe(questions[i]);
        const result = results[i]!;
        if (result.kind === "answer") {
          expect(details).toMatchObject({ outcome: "answered", query: result.query, title: result.answer.title, period: result.answer.period });
          expect(entry.targetId).toBe(result.query.kind);
        } else {
          expect(details).toMatchObject({ outcome: "not understood" });
          expect(typeof details.error).toBe("string");
        }
        expect(Object.keys(details).every((k) => ["question", "outcome", "query", "title", "period", "error", "suggestions"].includes(k))).toBe(true);
      });
    });

    it("a not-understood question returns what was not understood and suggestions, never an answer", async () => {
      const result = await askQuestion(t.db, world.staff.centre, "how many first-years in Compting had no VLE activity in the last 14 days?", NOW);
      expect(result).toEqual({
        kind: "not_understood",
        message: 'I did not understand "compting".',
        suggestions: expect.arrayContaining(["how many first-years in BSc Computing had no VLE activity in the last 14 days?"]),
      });
    });

    it("a question longer than 400 characters is not read: a plain request to ask briefly, audited, whatever it contains", async () => {
      const staffNumber = world.staff.centre;
      const paste = `${QUESTION} ${'UNION SELECT * FROM "AuditLog" '.repeat(600)}`;
      const result = await askQuestion(t.db, staffNumber, paste, NOW);
      expect(result).toEqual({ kind: "not_understood", message: expect.stringMatching(/^That is longer than a question I can read\./), suggestions: [] });
      const entry = await t.db.prisma.auditLog.findFirstOrThrow({ where: { actorId: staffNumber, action: "analytics.question" }, orderBy: { id: "desc" } });
      expect(entry.details).toMatchObject({ outcome: "not understood", error: "too long" });
      // At the limit it is still read.
      const padded = `${QUESTION}${" ".repeat(10)}`.padEnd(400, "?");
      const atLimit = await askQuestion(t.db, staffNumber, padded, NOW);
      expect(atLimit.kind === "not_understood" ? atLimit.message : "").not.toMatch(/longer than a question/);
    });

    it("a long paste cut in the middle of a character (or with half of one) is audited, not thrown", async () => {
      const staffNumber = world.staff.centre;
      // "𝔣" is two UTF-16 units: 499 "a" then 𝔣 puts the 500-unit cut inside it.
      for (const text of [`${"a".repeat(499)}𝔣𝔣𝔣 flags`, "flags this week \uD835"]) {
        const result = await askQuestion(t.db, staffNumber, text, NOW);
        expect(["answer", "not_understood"]).toContain(result.kind);
      }
      const entries = await auditOf(staffNumber, "analytics.question");
      const last = entries.at(-2)!.details as { question: string };
      expect([...last.question]).toHaveLength(500);
      expect((entries.at(-1)!.details as { question: string }).question).toBe("flags this week \uFFFD");
    });

    it("the answer carries what the parser assumed", async () => {
      const result = await askQuestion(t.db, world.staff.centre, "rule feedback from tutors", NOW);
      expect(result.kind === "answer" && result.answer.notes[0]).toBe("No period given: in the last 90 days.");
    });
  });
  it("whether nudges improved engagement is answered with the comparison of nudged and held-out students, and audited", async () => {
    // The world's flags have no holdout arm: nothing to compare.
    const question = "did engagement improve after nudges last term?";
    const result = await askQuestion(t.db, world.staff.centre, question, NOW);
    if (result.kind !== "answer") throw new Error(JSON.stringify(result));
    expect(result.query).toEqual({ kind: "effect", period: { kind: "last_term" } });
    expect(result.answer.rows[0]!.value).toEqual({ text: "not enough students yet" });
    const entry = (await auditOf(world.staff.centre, "analytics.question")).at(-1)!;
    expect(entry.details).toMatchObject({ question, outcome: "answered", query: { kind: "effect", period: { kind: "last_term" } } });
  });
});
