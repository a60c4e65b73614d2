/**
 * Admins managing rules in Teams, over `/api/messages` on the running service: list, show,
 * enable/disable and rollback through a confirmation card whose Confirm applies the change (audited)
 * and updates the card in place, dry runs in counts only, history; a tutor can neither ask for a
 * change nor forge a Confirm (refused and audited), and an admin with no support role sees nothing
 * about an individual student.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { staffByNumber } from "../../access/index.ts";
import { checkFiles, isoDay, loadCalendar, runRules, saveAll, setEnabled, showRule, validateRule } from "../../rules/index.ts";
import { testServiceConfig } from "../helpers/service-config.ts";
import { createLogger } from "../../core/index.ts";
import { startService, type RunningService } from "../../server/service.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { cardActions, shownText, startFakeConnector, teamsCardAction, teamsMessage, type FakeConnector } from "../helpers/fake-connector.ts";
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

describe("admins: rules in chat", () => {
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
  const press = async (person: typeof ADMIN, action: { verb: string; data: Record<string, unknown> }) => {
    const answer = await post(teamsCardAction(connector.serviceUrl, action.verb, action.data, { from: person, conversation: conversationOf(person) }));
    expect(answer.status).toBe(200);
    return answer.body as { type: string; value: any };
  };
  const cardText = (card: unknown) => shownText({ attachments: [{ content: card }] });
  const audits = (action: string, actorId = world.adminNumber) => service.db.prisma.auditLog.count({ where: { action, actorId } });

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

  it("offers the rules commands in an admin's help, and not in a tutor's", async () => {
    expect(shownText(await say(ADMIN, "help"))).toMatch(/rollback <id> to <version>/);
    expect(shownText(await say(TUTOR, "help"))).not.toMatch(/rollback|dry run/);
  });

  it("lists every rule with its state, version and last run figures", async () => {
    const text = shownText(await say(ADMIN, "rules"));
    const ids = checkFiles("rules/library", null).rules.map((r) => r.rule.document.id);
    for (const id of ids) expect(text).toContain(id);
    expect(text).toContain(`On · ${RULE} · version 1`);
    expect(text).toContain("Off · missed-submission · version 1");
    expect(text).toMatch(/Last run for 20 Nov 2026: 9 flagged of 15 evaluated/);
  });

  it("shows a rule: title, condition, channels, significance, version", async () => {
    const text = shownText(await say(ADMIN, `rule ${RULE}`));
    expect(text).toContain("No VLE activity for 10 days");
    expect(text).toContain("vle_days_since_last >= 10");
    expect(text).toMatch(/Channels: teams, email, sms/);
    expect(text).toMatch(/Significance: nudge/);
    expect(text).toMatch(/On, version 1/);
  });

  it("names an unknown rule and lists the ids", async () => {
    const text = shownText(await say(ADMIN, "disable no-such-rule"));
    expect(text).toContain('There is no rule "no-such-rule"');
    expect(text).toContain(RULE);
    expect(text).toContain("missed-submission");
  });

  it("Cancel on a confirmation card leaves the rule as it was", async () => {
    const sent = await say(ADMIN, `disable ${RULE}`);
    const cancel = cardActions(sent.attachments[0].content).find((a) => a.verb === "rules.cancel")!;
    const answer = await press(ADMIN, cancel);
    expect(cardText(answer.value)).toMatch(/Cancelled by Rules Admin at .*nothing changed/);
    expect(cardText(answer.value)).toContain(`No VLE activity for 10 days (${RULE}) is on, at version 1.`);
    expect(cardText(answer.value)).not.toMatch(/Disabled, the next runs/);
    expect(cardActions(answer.value)).toEqual([]);
    expect(await service.db.prisma.rule.findUniqueOrThrow({ where: { id: RULE } })).toMatchObject({ enabled: true });
  });

  it("disable: a confirmation card, then Confirm disables it, audits it, and updates the card", async () => {
    const sent = await say(ADMIN, `disable ${RULE}`);
    const card = sent.attachments[0].content;
    expect(cardText(card)).toMatch(/Disable a rule/);
    expect(cardText(card)).toMatch(/is on\. Disabled, the next runs will not evaluate it/);
    // Asking changes nothing yet.
    expect(await service.db.prisma.rule.findUniqueOrThrow({ where: { id: RULE } })).toMatchObject({ enabled: true });
    const actions = cardActions(card);
    expect(actions.map((a) => a.title)).toEqual(["Confirm", "Cancel"]);
    const confirm = actions.find((a) => a.verb === "rules.confirm")!;
    expect(confirm.data).toEqual({ change: "disable", ruleId: RULE, version: 1 });
    const before = await audits("rule.disable");
    const answer = await press(ADMIN, confirm);
    expect(answer.type).toBe("application/vnd.microsoft.card.adaptive");
    expect(cardText(answer.value)).toMatch(/✓ Disabled by Rules Admin at \d\d:\d\d/);
    // The status line above the result says where the rule stands now.
    expect(cardText(answer.value)).toContain(`No VLE activity for 10 days (${RULE}) is off, at version 1.`);
    expect(cardText(answer.value)).not.toMatch(/is on\b/);
    expect(cardActions(answer.value)).toEqual([]);
    expect(await service.db.prisma.rule.findUniqueOrThrow({ where: { id: RULE } })).toMatchObject({ enabled: false });
    expect(await audits("rule.disable")).toBe(before + 1);
    // Pressed again (an old card): nothing changes, and it says so.
    expect(cardText((await press(ADMIN, confirm)).value)).toMatch(/Already disabled: nothing changed/);
    expect(await audits("rule.disable")).toBe(before + 1);
  });

  it("enable through the card switches it back on", async () => {
    const confirm = cardActions((await say(ADMIN, `enable ${RULE}`)).attachments[0].content).find((a) => a.verb === "rules.confirm")!;
    const enabled = cardText((await press(ADMIN, confirm)).value);
    expect(enabled).toMatch(/✓ Enabled by Rules Admin at/);
    expect(enabled).toContain(`(${RULE}) is on, at version 1.`);
    expect(enabled).not.toMatch(/is off/);
    expect(await service.db.prisma.rule.findUniqueOrThrow({ where: { id: RULE } })).toMatchObject({ enabled: true });
  });

  it("rollback to an earlier version after a change, and the history shows every version", async () => {
    const author = (await staffByNumber(service.db, world.adminNumber))!;
    const v1 = await showRule(service.db, RULE);
    const changed = validateRule({ ...v1.document, cooldownDays: 21 }, { calendar: await loadCalendar(service.db) });
    expect(changed.rule, JSON.stringify(changed.problems)).toBeDefined();
    await saveAll(service.db, { rules: [{ rule: changed.rule! }] }, author, "longer cooldown");
    expect((await showRule(service.db, RULE)).version).toBe(2);

    const sent = await say(ADMIN, `rollback ${RULE} to 1`);
    const offered = cardText(sent.attachments[0].content);
    expect(offered).toMatch(/is at version 2\. Rolling back makes version 1 current again, as version 3/);
    // What changes, in plain lines: only the cooldown differs between versions 2 and 1.
    expect(offered).toContain("What changes:\n- Cooldown: now 21 days; after the rollback 14 days.");
    expect(offered).not.toMatch(/Condition:|Channels:|message:/);
    const confirm = cardActions(sent.attachments[0].content).find((a) => a.verb === "rules.confirm")!;
    expect(confirm.data).toEqual({ change: "rollback", ruleId: RULE, version: 1 });
    const before = await audits("rule.rollback");
    const rolledBack = cardText((await press(ADMIN, confirm)).value);
    expect(rolledBack).toMatch(/✓ Rolled back to version 1 \(now version 3\) by Rules Admin/);
    expect(rolledBack).toContain(`(${RULE}) is on, at version 3.`);
    expect(rolledBack).not.toMatch(/What changes|is at version 2/);
    const now = await showRule(service.db, RULE);
    expect(now.version).toBe(3);
    expect(now.document.cooldownDays).toBe(14);
    expect(await audits("rule.rollback")).toBe(before + 1);

    const history = shownText(await say(ADMIN, `history ${RULE}`));
    // Authors by name, as staff know each other; staff numbers stay in the CLI and the audit log.
    expect(history).toMatch(/Version 3 \(current\): Rules Admin, .*rollback to version 1/);
    expect(history).toMatch(/Version 2: Rules Admin, .*longer cooldown/);
    expect(history).toMatch(/Version 1: Rules Admin/);
    expect(history).not.toContain("A0001");

    expect(shownText(await say(ADMIN, `rollback ${RULE} to 9`))).toMatch(/there is no version 9/);
  });

  it("dry run shows counts by cohort, small groups as 'fewer than 5', and no student", async () => {
    const before = await service.db.prisma.flag.count();
    const text = shownText(await say(ADMIN, `dry run ${RULE} as of ${isoDay(D)}`));
    expect(text).toMatch(/Students evaluated: 15/);
    expect(text).toMatch(/The condition holds for: 9/);
    expect(text).toMatch(/XA.*: 7/);
    expect(text).toMatch(/YB.*: fewer than 5/);
    expect(text).not.toMatch(/YB.*: 2\b/);
    const students = await service.db.prisma.student.findMany({ select: { studentNumber: true, givenName: true, familyName: true } });
    expect(students).toHaveLength(SPECS.length);
    for (const s of students) for (const shown of [s.studentNumber, s.givenName, s.familyName]) expect(text).not.toContain(shown);
    expect(await service.db.prisma.flag.count()).toBe(before);
  });

  it("a personal tutor gets no confirmation, and a forged Confirm is refused and audited", async () => {
    const sent = await say(TUTOR, `disable ${RULE}`);
    expect(sent.attachments ?? []).toEqual([]);
    expect(shownText(sent)).toMatch(/admins/);
    const refusedBefore = await audits("access.refused", "T0001");
    const answer = await press(TUTOR, { verb: "rules.confirm", data: { change: "disable", ruleId: RULE, version: 3 } });
    expect(answer.type).toBe("application/vnd.microsoft.activity.message");
    expect(answer.value).toMatch(/changing rules is for admins.*recorded/i);
    expect(await service.db.prisma.rule.findUniqueOrThrow({ where: { id: RULE } })).toMatchObject({ enabled: true });
    const refused = await service.db.prisma.auditLog.findMany({ where: { action: "access.refused", actorId: "T0001" }, orderBy: { id: "asc" } });
    expect(refused).toHaveLength(refusedBefore + 1);
    expect(refused.at(-1)).toMatchObject({ targetType: "capability", targetId: "rules.edit" });
  });

  it("an admin with no support role sees nothing about an individual student", async () => {
    const student = await service.db.prisma.student.findFirstOrThrow({ where: { studentNumber: SPECS[0]!.number } });
    const before = await audits("access.refused");
    const byNumber = shownText(await say(ADMIN, `student ${student.studentNumber}`));
    // Word for word what a number nobody has gets: whether a student exists is not theirs to learn.
    expect(byNumber).toMatch(/^You don't have access to individual students in Nudge/);
    expect(shownText(await say(ADMIN, "student 2999999")).replace("2999999", "N")).toBe(byNumber.replace(student.studentNumber, "N"));
    for (const shown of [student.givenName!, student.familyName!, "XA", "VLE", "Programme"]) expect(byNumber).not.toContain(shown);
    expect(await audits("access.refused")).toBe(before + 1);
    const byName = shownText(await say(ADMIN, `student ${student.familyName}`));
    expect(byName).toMatch(/^You don't have access to individual students in Nudge/);
    expect(byName).not.toContain(student.studentNumber);
  });
});
