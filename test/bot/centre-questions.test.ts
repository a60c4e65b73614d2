/**
 * Student-centre staff asking questions in Teams, over `/api/messages` on the running service:
 * every documented example answers with a card showing the figures worked out by hand
 * (test/analytics/expected-answers.ts), near misses get suggestions as buttons that answer when
 * pressed, and a question about one student is refused and audited.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { askQuestion, QUESTIONS, type Figure } from "../../analytics/index.ts";
import { EXPECTED } from "../analytics/expected-answers.ts";
import { testServiceConfig } from "../helpers/service-config.ts";
import { createLogger } from "../../core/index.ts";
import { startService, type RunningService } from "../../server/service.ts";
import { buildAnalyticsWorld, NOW, type AnalyticsWorld } from "../analytics/world.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { cardActions, shownText, startFakeConnector, teamsCardAction, teamsMessage, type FakeConnector } from "../helpers/fake-connector.ts";

const CENTRE = { id: "29:1centre-teams-id", name: "Student Centre", aadObjectId: "6b1d2c9e-0000-4000-8000-0000000000d1" };
const TUTOR = { id: "29:1tutor-q-teams-id", name: "Dr Tutor", aadObjectId: "6b1d2c9e-0000-4000-8000-0000000000d2" };
const conversationOf = (person: { id: string }) => ({
  conversationType: "personal",
  tenantId: "72f988bf-0000-4000-8000-000000000001",
  id: `a:chat-${person.id}`,
});
const EXAMPLES = QUESTIONS.flatMap((q) => q.examples);

/** How a card writes a figure, written out here rather than taken from the code that renders it. */
function written(figure: Figure): string {
  if (figure === null) return "–";
  if (typeof figure === "number" || typeof figure === "string") return String(figure);
  if ("text" in figure) return figure.text;
  return "about" in figure ? `about ${figure.about}` : `${figure.from}–${figure.to}`;
}

describe("student-centre questions in Teams", () => {
  let testDb: TestDatabase;
  let service: RunningService;
  let connector: FakeConnector;
  let world: AnalyticsWorld;
  let base: string;

  const post = async (activity: unknown) => {
    const response = await fetch(`${base}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(activity) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  /** Asks in the chat and returns the card (or text) the bot answered with. */
  const ask = async (person: typeof CENTRE, text: string) => {
    const from = connector.calls.length;
    const answer = await post(teamsMessage(connector.serviceUrl, text, { from: person, conversation: conversationOf(person), id: `q-${Math.random()}` }));
    expect(answer.status).toBeLessThan(300);
    // A slow answer on a busy machine is preceded by a typing indicator: not an answer.
    const sent = connector.calls
      .slice(from)
      .filter((c) => c.method === "POST" && c.path.includes(encodeURIComponent(conversationOf(person).id)) && c.body?.type !== "typing");
    expect(sent).toHaveLength(1);
    return sent[0]!.body;
  };

  beforeAll(async () => {
    // The service's clock reads the morning the hand-worked figures of test/analytics are for, so
    // the cards can be checked against them (only Date is faked; timers run as usual).
    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
    vi.setSystemTime(NOW);
    testDb = await createTestDatabase();
    connector = await startFakeConnector();
    // The world is built before the service starts, so the start-up catch-up jobs find it complete.
    const { openDatabase } = await import("../../prisma/index.ts");
    const db = await openDatabase(testDb.url, { migrate: true });
    world = await buildAnalyticsWorld(db);
    await db.prisma.staff.update({ where: { staffNumber: world.staff.centre }, data: { entraObjectId: CENTRE.aadObjectId } });
    await db.prisma.staff.update({ where: { staffNumber: world.staff.tutor }, data: { entraObjectId: TUTOR.aadObjectId } });
    await db.close();
    service = await startService(testServiceConfig(testDb.url, { NUDGE_CHANNELS: "teams" }), createLogger("silent"));
    base = `http://127.0.0.1:${service.port}`;
  });

  afterAll(async () => {
    await service?.stop();
    await connector?.close();
    await testDb?.drop();
    vi.useRealTimers();
  });

  it.each(EXAMPLES)("answers %j with a card of the figures worked out by hand", async (question) => {
    // Asked as a first question: figures already shown over a nested period would be banded.
    await service.db.prisma.analyticsRelease.deleteMany();
    const sent = await ask(CENTRE, question);
    const card = sent.attachments?.[0]?.content;
    expect(card, JSON.stringify(sent)).toBeDefined();
    const expected = EXPECTED[question]!;
    const shown = shownText(sent);
    if (expected.title) expect(shown).toContain(expected.title);
    // Each row of the card is its label, then its figures, one text block each.
    const lines = shown.split("\n");
    for (const [label, ...figures] of expected.rows) {
      const row = [label, ...figures.map(written)];
      const found = lines.some((_, i) => row.every((text, k) => lines[i + k] === text));
      expect(found, `${question}: a row ${JSON.stringify(row)} in\n${shown}`).toBe(true);
    }
  });

  it("hides a group of fewer than 5 over /api/messages, and shows a total that includes it as a range", async () => {
    // Hand-worked in test/analytics: first-years in BSc Computing with no VLE activity are 3.
    const small = shownText(await ask(CENTRE, "how many first-years in Computing had no VLE activity in the last 14 days?"));
    expect(small).toContain("fewer than 5");
    expect(small).not.toMatch(/\b3\b(?! to)/);
    // By programme across all years: Computing's hidden cell makes its row and the total ranges.
    const byProgramme = await ask(CENTRE, "how many students had no VLE activity in the last 14 days, by programme?");
    const direct = await askQuestion(service.db, world.staff.centre, "how many students had no VLE activity in the last 14 days, by programme?");
    expect(direct.kind === "answer" && typeof direct.answer.total?.value === "object").toBe(true);
    expect(shownText(byProgramme)).toMatch(/\d+–\d+/);
    // Teams' chart draws only the exact figures: no bar for a hidden or partial one.
    const chart = (byProgramme.attachments[0].content.body as { type: string; data?: { x: string; y: number }[] }[]).find((e) => e.type.startsWith("Chart."));
    expect(chart?.type).toBe("Chart.HorizontalBar");
    if (direct.kind !== "answer") return;
    const inexact = direct.answer.rows.filter((row) => typeof row.value !== "number").map((row) => row.label);
    expect(inexact.length).toBeGreaterThan(0);
    expect(chart!.data!.map((d) => d.x).filter((x) => inexact.includes(x))).toEqual([]);
    expect(chart!.data!.every((d) => direct.answer.rows.find((row) => row.label === d.x)?.value === d.y)).toBe(true);
  });

  it("audits every question, with no student named", async () => {
    const audited = await service.db.prisma.auditLog.findMany({ where: { action: "analytics.question", actorId: world.staff.centre } });
    // Each example was asked through the bot, once.
    expect(audited.length).toBeGreaterThanOrEqual(EXAMPLES.length);
    for (const question of EXAMPLES)
      expect(
        audited.some((a) => (a.details as { question?: string } | null)?.question === question),
        question,
      ).toBe(true);
    expect(audited.every((a) => a.studentId === null)).toBe(true);
  });

  it("offers the nearest questions for a near miss, as buttons that answer when pressed", async () => {
    const sent = await ask(CENTRE, "how many first years had no vle actvity in the last fortnigth");
    const suggestions = cardActions(sent.attachments[0].content).filter((a) => a.verb === "analytics.ask");
    expect(suggestions.length).toBeGreaterThan(0);
    const pressed = await post(
      teamsCardAction(connector.serviceUrl, suggestions[0]!.verb, suggestions[0]!.data, { from: CENTRE, conversation: conversationOf(CENTRE) }),
    );
    expect(pressed.body.type).toBe("application/vnd.microsoft.card.adaptive");
    const direct = await askQuestion(service.db, world.staff.centre, String(suggestions[0]!.data.text));
    expect(direct.kind).toBe("answer");
    if (direct.kind === "answer") expect(shownText({ attachments: [{ content: pressed.body.value }] })).toContain(direct.answer.title);
  });

  it("refuses a question about one student, and audits it", async () => {
    const student = await service.db.prisma.student.findFirstOrThrow({ orderBy: { id: "asc" } });
    const before = await service.db.prisma.auditLog.count({ where: { action: "access.refused", actorId: world.staff.centre } });
    const sent = await ask(CENTRE, `how is student ${student.studentNumber} doing?`);
    expect(shownText(sent)).toMatch(/aggregates only/i);
    expect(shownText(sent)).not.toContain(student.familyName ?? "no family name");
    expect(await service.db.prisma.auditLog.count({ where: { action: "access.refused", actorId: world.staff.centre } })).toBe(before + 1);
  });

  it("gives a personal tutor without an aggregate role no answers, and no analytics in their help", async () => {
    const help = await ask(TUTOR, "help");
    expect(shownText(help)).not.toMatch(/question about groups of students/);
    const sent = await ask(TUTOR, EXAMPLES[0]!);
    expect(shownText(sent)).toBe(
      "Questions about groups of students are for Student Centre staff; you can ask about your own tutees with 'my tutees' or 'student <name>'.",
    );
    expect(await service.db.prisma.auditLog.count({ where: { action: "analytics.question", actorId: world.staff.tutor } })).toBe(0);
  });
});
