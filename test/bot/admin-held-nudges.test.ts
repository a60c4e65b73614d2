/**
 * Admins acting on nudges the volume guard held, in Teams over `/api/messages`: "held nudges" lists
 * each rule with its figures and Release / Discard; each asks for confirmation on a rule-change card
 * whose Confirm acts (audited, as the CLI's release and discard are). The admin's alert carries the
 * same buttons. A personal tutor can neither list nor forge a press. Ten of a cohort of 25 go quiet
 * on the VLE at once, so the run holds the rule's ten nudges.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { staffByNumber } from "../../access/index.ts";
import { createLogger } from "../../core/index.ts";
import { DEFAULT_POLICY } from "../../interventions/index.ts";
import { checkFiles, runRules, saveAll, setEnabled } from "../../rules/index.ts";
import { startService, type RunningService } from "../../server/service.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { cardActions, shownText, startFakeConnector, teamsCardAction, teamsMessage, type FakeConnector } from "../helpers/fake-connector.ts";
import { testServiceConfig } from "../helpers/service-config.ts";
import { buildWorld, D, except, healthy, type World } from "../rules/world.ts";

const ADMIN = { id: "29:1held-admin", name: "Rules Admin", aadObjectId: "6b1d2c9e-0000-4000-8000-0000000000f1" };
const TUTOR = { id: "29:1held-tutor", name: "Dr Tutor", aadObjectId: "6b1d2c9e-0000-4000-8000-0000000000f2" };
const conversationOf = (person: { id: string }) => ({
  conversationType: "personal",
  tenantId: "72f988bf-0000-4000-8000-000000000001",
  id: `a:chat-${person.id}`,
});
const RULE = "no-vle-10-days";
const quietAfter = (last: number) => except(healthy(), (day, usual) => (day > last ? { ...usual, vle: undefined } : usual));
const SPECS = Array.from({ length: 25 }, (_, i) => ({
  number: `S${String(i + 1).padStart(2, "0")}`,
  programme: "XA",
  year: 2,
  activity: i < 10 ? quietAfter(D - 10) : healthy(),
}));
const FIGURES = "10 of 25 students in XA year 2 (40%, more than 15%) in one day";

describe("admins: held nudges in Teams", () => {
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
  const say = async (person: typeof ADMIN, text: string) => {
    const from = connector.calls.length;
    const answer = await post(teamsMessage(connector.serviceUrl, text, { from: person, conversation: conversationOf(person), id: `m-${Math.random()}` }));
    expect(answer.status).toBeLessThan(300);
    const sent = connector.calls
      .slice(from)
      .filter((c) => c.method === "POST" && c.path.includes(encodeURIComponent(conversationOf(person).id)) && c.body?.type !== "typing");
    expect(sent).toHaveLength(1);
    return sent[0]!.body;
  };
  const press = async (person: typeof ADMIN, action: { verb: string; data: Record<string, unknown> }) => {
    const answer = await post(teamsCardAction(connector.serviceUrl, action.verb, action.data, { from: person, conversation: conversationOf(person) }));
    expect(answer.status).toBe(200);
    return answer.body as { type: string; value: any };
  };
  const cardText = (card: unknown) => shownText({ attachments: [{ content: card }] });
  const button = (card: unknown, title: string) => cardActions(card).find((a) => a.title === title)!;
  const held = () => service.db.prisma.flag.count({ where: { ruleId: RULE, state: "closed", closedReason: "held by the volume guard" } });
  const interventions = () => service.db.prisma.intervention.count();

  beforeEach(async () => {
    testDb = await createTestDatabase();
    connector = await startFakeConnector();
    service = await startService(testServiceConfig(testDb.url, { NUDGE_CHANNELS: "teams" }), createLogger("silent"));
    base = `http://127.0.0.1:${service.port}`;
    world = await buildWorld(service.db, SPECS);
    await service.db.prisma.staff.update({ where: { staffNumber: world.adminNumber }, data: { entraObjectId: ADMIN.aadObjectId } });
    await service.db.prisma.staff.update({ where: { id: world.tutorId }, data: { entraObjectId: TUTOR.aadObjectId } });
    const checked = checkFiles("rules/library", null);
    const author = (await staffByNumber(service.db, world.adminNumber))!;
    await saveAll(service.db, { calendar: checked.calendar, rules: checked.rules.filter((r) => r.rule.document.id === RULE) }, author);
    await setEnabled(service.db, RULE, true, author);
    const report = await runRules(service.db, { asOfDay: D, trigger: "manual", now: new Date() });
    expect(report.held.map((h) => h.rule)).toEqual([RULE]);
  });
  afterEach(async () => {
    await service?.stop();
    await connector?.close();
    await testDb?.drop();
  });

  it("lists the held rule with its figures and Release / Discard; Cancel leaves them held", async () => {
    const card = (await say(ADMIN, "held nudges")).attachments[0].content;
    const text = cardText(card);
    expect(text).toContain(`No VLE activity for 10 days (${RULE})`);
    expect(text).toContain(`10 nudges held from the run for 2026-11-20: ${FIGURES}.`);
    expect(cardActions(card).map((a) => [a.title, a.verb, a.data])).toEqual([
      ["Release", "rules.held", { change: "release", ruleId: RULE }],
      ["Discard", "rules.held", { change: "discard", ruleId: RULE }],
    ]);
    expect(cardText((await say(ADMIN, "held")).attachments[0].content)).toContain(FIGURES);

    const ask = (await press(ADMIN, button(card, "Release"))).value;
    expect(cardText(ask)).toMatch(/Release held nudges/);
    expect(cardActions(ask).map((a) => a.verb)).toEqual(["rules.confirm", "rules.cancel"]);
    const cancelled = (await press(ADMIN, button(ask, "Cancel"))).value;
    expect(cardText(cancelled)).toMatch(/Cancelled by .* nothing changed/);
    expect(cardActions(cancelled)).toEqual([]);
    expect(await held()).toBe(10);
    expect(await interventions()).toBe(0);
  });

  it("Release, confirmed, reopens the flags and proposes their nudges, audited", async () => {
    const card = (await say(ADMIN, "held nudges")).attachments[0].content;
    const ask = (await press(ADMIN, button(card, "Release"))).value;
    expect(await interventions()).toBe(0);
    const done = (await press(ADMIN, button(ask, "Confirm"))).value;
    expect(cardText(done)).toMatch(/✓ Released by .*: 10 held flag\(s\) reopened, 10 intervention\(s\) proposed/);
    expect(cardActions(done)).toEqual([]);
    expect(await held()).toBe(0);
    expect(await interventions()).toBe(10);
    expect(await service.db.prisma.auditLog.count({ where: { action: "rule.nudges_released", actorId: world.adminNumber } })).toBe(1);
    // Pressing Confirm again changes nothing.
    expect(cardText((await press(ADMIN, button(ask, "Confirm"))).value)).toMatch(/Nothing from this rule is held any more/);
    expect(cardText((await say(ADMIN, "held nudges")).attachments[0].content)).toMatch(/No nudges are held/);
  });

  it("the admin's alert carries the same buttons, and Discard from it means nothing is ever proposed", async () => {
    const admin = await service.db.prisma.staff.findUniqueOrThrow({ where: { staffNumber: world.adminNumber } });
    const alert = await service.db.prisma.staffMessage.findFirstOrThrow({ where: { staffId: admin.id, channel: "teams" } });
    expect(cardText(alert.card)).toContain(FIGURES);
    expect(cardActions(alert.card).map((a) => [a.title, a.data])).toEqual([
      ["Release", { change: "release", ruleId: RULE }],
      ["Discard", { change: "discard", ruleId: RULE }],
    ]);
    const ask = (await press(ADMIN, button(alert.card, "Discard"))).value;
    expect(cardText(ask)).toMatch(/Discard held nudges/);
    const done = (await press(ADMIN, button(ask, "Confirm"))).value;
    expect(cardText(done)).toMatch(/✓ Discarded by .*: 10 held flag\(s\) closed; nothing will be sent from them/);
    expect(await held()).toBe(0);
    expect(await service.db.prisma.flag.count({ where: { closedReason: "discarded after the volume guard held it" } })).toBe(10);
    expect(await service.db.prisma.auditLog.count({ where: { action: "rule.nudges_discarded", actorId: world.adminNumber } })).toBe(1);
    // The next run's proposals leave them alone.
    expect((await service.app.interventions.proposeFromFlags({ policy: DEFAULT_POLICY, channels: ["teams"] })).interventionsCreated).toBe(0);
    expect(await interventions()).toBe(0);
  });

  it("a personal tutor can neither list held nudges nor release them by a forged press (refused and audited)", async () => {
    const sent = await say(TUTOR, "held nudges");
    expect(sent.attachments ?? []).toEqual([]);
    expect(shownText(sent)).toMatch(/admins/);
    const refusals = () => service.db.prisma.auditLog.count({ where: { action: "access.refused", actorId: "T0001" } });
    const before = await refusals();
    const asked = await press(TUTOR, { verb: "rules.held", data: { change: "release", ruleId: RULE } });
    expect(asked.value).toMatch(/releasing or discarding held nudges is for admins.*recorded/i);
    const forged = await press(TUTOR, { verb: "rules.confirm", data: { change: "release", ruleId: RULE, version: 1 } });
    expect(forged.value).toMatch(/changing rules is for admins.*recorded/i);
    expect(await refusals()).toBe(before + 2);
    expect(await held()).toBe(10);
    expect(await interventions()).toBe(0);
  });
});
