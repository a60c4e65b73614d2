/**
 * "effect of <rule>" in an admin's Teams chat, over `/api/messages` on the running service: the
 * split between nudged and held-out students and the plain verdict, counts only; a tutor is told
 * rules are for admins.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { staffByNumber } from "../../access/index.ts";
import { checkFiles, runRules, saveAll, setEnabled } from "../../rules/index.ts";
import { testServiceConfig } from "../helpers/service-config.ts";
import { createLogger } from "../../core/index.ts";
import { startService, type RunningService } from "../../server/service.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { shownText, startFakeConnector, teamsMessage, type FakeConnector } from "../helpers/fake-connector.ts";
import { buildWorld, D, except, healthy, type World } from "../rules/world.ts";

const ADMIN = { id: "29:1rules-admin", name: "Rules Admin", aadObjectId: "6b1d2c9e-0000-4000-8000-0000000000e1" };
const TUTOR = { id: "29:1rules-tutor", name: "Dr Tutor", aadObjectId: "6b1d2c9e-0000-4000-8000-0000000000e2" };
const conversationOf = (person: { id: string }) => ({
  conversationType: "personal",
  tenantId: "72f988bf-0000-4000-8000-000000000001",
  id: `a:chat-${person.id}`,
});
const RULE = "no-vle-10-days";
const quiet = except(healthy(), (day, usual) => (day > D - 12 ? { ...usual, vle: undefined } : usual));
/** 7 quiet first-years on XA, 2 quiet second-years on YB (a group under 5), and healthy classmates. */
const SPECS = [
  ...Array.from({ length: 7 }, (_, i) => ({ number: `261900${i + 1}`, programme: "XA", year: 1, activity: quiet })),
  ...Array.from({ length: 3 }, (_, i) => ({ number: `261901${i + 1}`, programme: "XA", year: 1, activity: healthy() })),
  ...Array.from({ length: 2 }, (_, i) => ({ number: `261902${i + 1}`, programme: "YB", year: 2, activity: quiet })),
  ...Array.from({ length: 3 }, (_, i) => ({ number: `261903${i + 1}`, programme: "YB", year: 2, activity: healthy() })),
];
const nameOf = (i: number) => ({ givenName: `Morwenna${i}`, familyName: `Quillfeather${i}` });

describe("admins: a rule's effect in chat", () => {
  let testDb: TestDatabase;
  let service: RunningService;
  let connector: FakeConnector;
  let world: World;
  let base: string;

  const post = async (activity: unknown) => {
    const response = await fetch(`${base}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(activity) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  /** Says `text` in the person's chat and returns the one activity the bot answered with. */
  const say = async (person: typeof ADMIN, text: string) => {
    const from = connector.calls.length;
    const answer = await post(teamsMessage(connector.serviceUrl, text, { from: person, conversation: conversationOf(person), id: `m-${Math.random()}` }));
    expect(answer.status).toBeLessThan(300);
    // A slow answer (a dry run on a busy machine) is preceded by a typing indicator: not an answer.
    const sent = connector.calls
      .slice(from)
      .filter((c) => c.method === "POST" && c.path.includes(encodeURIComponent(conversationOf(person).id)) && c.body?.type !== "typing");
    expect(sent, JSON.stringify(sent.map((c) => [c.path, c.body?.type, shownText(c.body).slice(0, 200)]))).toHaveLength(1);
    return sent[0]!.body;
  };
  const cardText = (card: unknown) => shownText({ attachments: [{ content: card }] });

  beforeAll(async () => {
    testDb = await createTestDatabase();
    connector = await startFakeConnector();
    service = await startService(testServiceConfig(testDb.url, { NUDGE_CHANNELS: "teams" }), createLogger("silent"));
    base = `http://127.0.0.1:${service.port}`;
    world = await buildWorld(service.db, SPECS);
    let i = 0;
    for (const id of world.ids.values()) await service.db.prisma.student.update({ where: { id }, data: nameOf(++i) });
    const admin = await service.db.prisma.staff.update({ where: { staffNumber: world.adminNumber }, data: { entraObjectId: ADMIN.aadObjectId } });
    await service.db.prisma.staff.update({ where: { id: world.tutorId }, data: { entraObjectId: TUTOR.aadObjectId } });
    const checked = checkFiles("rules/library", null);
    const author = (await staffByNumber(service.db, admin.staffNumber))!;
    await saveAll(service.db, { calendar: checked.calendar, rules: checked.rules }, author);
    await setEnabled(service.db, RULE, true, author);
    await runRules(service.db, { asOfDay: D, trigger: "manual", now: new Date() });
  });

  afterAll(async () => {
    await service?.stop();
    await connector?.close();
    await testDb?.drop();
  });

  it("answers 'effect of <rule>' with the split between arms and says plainly there are not enough students yet", async () => {
    const flags = await service.db.prisma.flag.findMany({ where: { ruleId: RULE }, select: { arm: true } });
    const heldOut = flags.filter((f) => f.arm === "held_out").length;
    expect(flags.length).toBe(9);
    const text = cardText((await say(ADMIN, `effect of ${RULE}`)).attachments[0].content);
    expect(text).toContain("Effect of No VLE activity for 10 days");
    expect(text).toContain(`${9 - heldOut} students nudged and ${heldOut} held out (holdout 10%).`);
    // The flags are from the last day of data: no 14-day window has ended yet.
    expect(text).toContain("Not enough students yet to tell: 0 nudged and 0 held out; an estimate needs at least 20 students in each arm.");
    expect(text).not.toMatch(/Morwenna|Quillfeather|2619/);
  });

  it("names an unknown rule, and tells a tutor rules are for admins", async () => {
    expect(cardText((await say(ADMIN, "effect of no-such-rule")).attachments[0].content)).toContain('There is no rule "no-such-rule"');
    expect(shownText(await say(TUTOR, `effect of ${RULE}`))).toBe("Rules are looked after by admins, so I can't show or change them for you here.");
  });
});
