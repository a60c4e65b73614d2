/**
 * A tutor's digest over `/api/messages`: a message that could be distress stays pinned to the top
 * of the student's entry (and on the student card) until a person acknowledges it, and a reply
 * counts as seen only once a card actually showed it: "digest now" shows the first page, so the
 * replies of students on later pages, and older replies below the three history lines, stay unseen.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIGEST_PAGE_SIZE } from "../../adaptive-cards/index.ts";
import { receiveStudentMessage } from "../../conversations/index.ts";
import { createLogger } from "../../core/index.ts";
import { startService, type RunningService } from "../../server/service.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { cardActions, shownText, startFakeConnector, teamsCardAction, teamsMessage, type FakeConnector } from "../helpers/fake-connector.ts";
import { testServiceConfig } from "../helpers/service-config.ts";
import { buildWorld, healthy } from "../rules/world.ts";

const TUTOR = { id: "29:1pinned-tutor", name: "Dr Tutor", aadObjectId: "6b1d2c9e-0000-4000-8000-0000000000d1" };
const conversation = { conversationType: "personal", tenantId: "72f988bf-0000-4000-8000-000000000001", id: "a:chat-pinned-tutor" };
const STUDENTS = DIGEST_PAGE_SIZE + 2;

describe("pinned messages and replies seen only when shown", () => {
  let testDb: TestDatabase;
  let service: RunningService;
  let connector: FakeConnector;
  let base: string;
  const ids = new Map<string, number>();
  const p = () => service.db.prisma;

  const post = async (activity: unknown) => {
    const response = await fetch(`${base}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(activity) });
    expect(response.status).toBeLessThan(300);
    return response.status === 200 ? ((await response.json().catch(() => null)) as { type: string; value: any } | null) : null;
  };
  const tutorSays = async (text: string) => {
    const from = connector.calls.length;
    await post(teamsMessage(connector.serviceUrl, text, { id: `m-${Math.random()}`, from: TUTOR, conversation }));
    return connector.calls
      .slice(from)
      .filter((c) => c.method === "POST" && c.path.includes("chat-pinned-tutor"))
      .at(-1)?.body;
  };

  beforeAll(async () => {
    testDb = await createTestDatabase();
    connector = await startFakeConnector();
    service = await startService(testServiceConfig(testDb.url, { NUDGE_CHANNELS: "teams" }), createLogger("silent"));
    base = `http://127.0.0.1:${service.port}`;
    const world = await buildWorld(
      service.db,
      Array.from({ length: STUDENTS }, (_, i) => ({ number: `P${i + 1}`, programme: "XA", year: 1, activity: healthy() })),
    );
    for (const [number, id] of world.ids) ids.set(number, id);
    await p().staff.update({ where: { id: world.tutorId }, data: { entraObjectId: TUTOR.aadObjectId } });
    // Each student wrote four ordinary replies, a minute apart; P1 then wrote something that needs a person.
    const start = Date.now() - 3_600_000;
    for (const [number, studentId] of ids) {
      for (let i = 0; i < 4; i++)
        await receiveStudentMessage(
          service.db,
          { studentId, channel: "teams", text: `${number} here, just saying hello number ${i + 1}` },
          { answerInline: true, now: new Date(start + i * 60_000) },
        );
    }
    await receiveStudentMessage(
      service.db,
      { studentId: ids.get("P1")!, channel: "sms", text: "sorry I've been off, my dad died on sunday" },
      { answerInline: true, now: new Date(start + 10 * 60_000) },
    );
  });

  afterAll(async () => {
    await service?.stop();
    await connector?.close();
    await testDb?.drop();
  });

  it("digest now: the message is pinned with its own button, and only the replies the first page shows are seen", async () => {
    const body = await tutorSays("digest now");
    const card = body.attachments[0].content;
    const text = shownText(body);
    expect(text).toContain("Their message suggests a hard time");
    expect(text).toContain("my dad died on sunday");
    const acknowledge = cardActions(card).find((a) => a.verb === "digest.acknowledge");
    expect(acknowledge?.data.studentId).toBe(ids.get("P1"));

    const onPage = new Set(
      cardActions(card)
        .map((a) => a.data.studentId)
        .filter((id): id is number => typeof id === "number"),
    );
    expect(onPage.size).toBe(DIGEST_PAGE_SIZE);
    const replies = await p().reply.findMany({ orderBy: [{ studentId: "asc" }, { receivedAt: "asc" }] });
    for (const reply of replies) {
      const onFirstPage = onPage.has(reply.studentId);
      const ordinary = replies.filter((r) => r.studentId === reply.studentId && r.safeguarding === "none");
      // Three history lines per student: the newest three ordinary replies (P1's pinned message apart).
      const shown = onFirstPage && (reply.safeguarding !== "none" || ordinary.indexOf(reply) >= ordinary.length - 3);
      expect(reply.seenByTutorAt !== null, `${reply.text} (${onFirstPage ? "first page" : "later page"})`).toBe(shown);
    }
  });

  it('stays pinned (on the student card too) until someone presses "I\'m handling this"', async () => {
    const studentCard = await tutorSays("student P1");
    expect(shownText(studentCard)).toContain("my dad died on sunday");
    expect(cardActions(studentCard.attachments[0].content).map((a) => a.verb)).toContain("safeguarding.acknowledge");

    const again = (await tutorSays("digest now")).attachments[0].content;
    const acknowledge = cardActions(again).find((a) => a.verb === "digest.acknowledge")!;
    const answer = await post(teamsCardAction(connector.serviceUrl, acknowledge.verb, acknowledge.data, { from: TUTOR, conversation }));
    const updated = shownText({ attachments: [{ content: answer!.value }] });
    expect(updated).not.toContain("Their message suggests a hard time");
    expect(cardActions(answer!.value).map((a) => a.verb)).not.toContain("digest.acknowledge");
    expect(await p().safeguardingConcern.findFirstOrThrow({ where: { studentId: ids.get("P1")! } })).toMatchObject({
      state: "acknowledged",
      acknowledgedBy: "T0001",
    });
    expect(shownText(await tutorSays("student P1"))).not.toContain("I'm handling this");
  });
});
