/**
 * After a tutor acts on the digest, "my tutees" in Teams says what is true of each student: the
 * flags dismissed and by whom, snoozed until when, the nudge approved and whether it has gone, and
 * the plain findings (never the catalogue's definitions) for those still waiting. Over
 * `/api/messages` on the running service, with flags from the real starter rule.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_POLICY, proposeFromFlags, type ApprovalPolicy } from "../../interventions/index.ts";
import { staffByNumber } from "../../access/index.ts";
import { checkFiles, runRules, saveAll, setEnabled } from "../../rules/index.ts";
import { sendDigests } from "../../digest/index.ts";
import { sendStaffMessages } from "../helpers/staff-outbox.ts";
import { testServiceConfig } from "../helpers/service-config.ts";
import { createLogger } from "../../core/index.ts";
import { startService, type RunningService } from "../../server/service.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import {
  cardActions,
  shownText,
  startFakeConnector,
  teamsCardAction,
  teamsInstallationUpdate,
  teamsMessage,
  type FakeConnector,
} from "../helpers/fake-connector.ts";
import { buildWorld, D, except, healthy } from "../rules/world.ts";

const TUTOR = { id: "29:1status-tutor", name: "Dr Tutor", aadObjectId: "6b1d2c9e-0000-4000-8000-0000000000d1" };
const conversation = { conversationType: "personal", tenantId: "72f988bf-0000-4000-8000-000000000001", id: "a:chat-status-tutor" };
const POLICY: ApprovalPolicy = { ...DEFAULT_POLICY, nudge: { system: false, roles: ["personal_tutor"] } };

describe("status lines on my tutees", () => {
  let testDb: TestDatabase;
  let service: RunningService;
  let connector: FakeConnector;
  let base: string;
  let digest: any;
  const ids = new Map<string, number>();

  const post = async (activity: unknown) => {
    const response = await fetch(`${base}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(activity) });
    expect(response.status).toBe(200);
    const text = await response.text();
    return text ? JSON.parse(text) : undefined;
  };
  const press = (action: { verb: string; data: Record<string, unknown> }, inputs: Record<string, unknown> = {}) =>
    post(teamsCardAction(connector.serviceUrl, action.verb, { ...action.data, ...inputs }, { from: TUTOR, conversation }));
  const actionFor = (card: any, number: string, verb: string) => cardActions(card).find((a) => a.data.studentId === ids.get(number) && a.verb === verb)!;
  const chat = () =>
    connector.calls.filter((c) => c.method === "POST" && c.path.includes(encodeURIComponent(conversation.id)) && /\/activities(\/[^/]+)?$/.test(c.path));

  beforeAll(async () => {
    testDb = await createTestDatabase();
    connector = await startFakeConnector();
    const config = testServiceConfig(testDb.url, { NUDGE_CHANNELS: "teams" });
    service = await startService(config, createLogger("silent"));
    base = `http://127.0.0.1:${service.port}`;
    const quiet = except(healthy(), (day, usual) => (day > D - 12 ? { ...usual, vle: undefined } : usual));
    const world = await buildWorld(service.db, [
      ...["S1", "S2", "S3"].map((number) => ({ number, programme: "XA", year: 1, activity: quiet })),
      ...Array.from({ length: 3 }, (_, i) => ({ number: `H${i + 1}`, programme: "XA", year: 1, activity: healthy() })),
    ]);
    for (const [number, id] of world.ids) ids.set(number, id);
    await service.db.prisma.staff.update({ where: { id: world.tutorId }, data: { entraObjectId: TUTOR.aadObjectId } });
    const checked = checkFiles("rules/library", null);
    const author = (await staffByNumber(service.db, world.adminNumber))!;
    await saveAll(service.db, { calendar: checked.calendar, rules: checked.rules }, author);
    await setEnabled(service.db, "no-vle-10-days", true, author);
    await runRules(service.db, { asOfDay: D, trigger: "manual", now: new Date() });
    expect(await proposeFromFlags(service.db, { policy: POLICY, channels: ["teams"], now: new Date() })).toMatchObject({ interventionsCreated: 3 });
    await post(teamsInstallationUpdate(connector.serviceUrl, "add", { from: TUTOR, conversation }));
    await sendDigests(service.db, new Date());
    await sendStaffMessages(service.db, config);
    digest = chat().at(-1)!.body.attachments[0].content;
  });

  afterAll(async () => {
    await service?.stop();
    await connector?.close();
    await testDb?.drop();
  });

  it("shows the findings in plain words on the digest, with every student on one trend scale", () => {
    const text = shownText({ attachments: [{ content: digest }] });
    expect(text).toMatch(/No VLE activity for \d+ days/);
    expect(text).not.toMatch(/Days since the student's last VLE activity|\(or since their course started/);
    const scales = [...text.matchAll(/full bar = (\d+)/g)].map((m) => m[1]);
    expect(scales.length).toBeGreaterThanOrEqual(2);
    expect(new Set(scales).size).toBe(1);
  });

  it("after dismiss, snooze and approve, each row says what was done, by whom", async () => {
    const s1 = ids.get("S1")!;
    await press(actionFor(digest, "S1", "digest.dismiss"), { [`verdict-${s1}`]: "not_useful" });
    await press(actionFor(digest, "S2", "digest.snooze"));
    const approved = await press(actionFor(digest, "S3", "digest.approve"));
    // The digest row keeps what the rule saw above what was done, instead of "a reply or suggestion is waiting".
    const after = shownText({ attachments: [{ content: approved.value }] });
    expect(after).not.toContain("A reply or suggestion is waiting");
    expect(after).toMatch(/No VLE activity for \d+ days/);

    const before = chat().length;
    await post(teamsMessage(connector.serviceUrl, "my tutees", { from: TUTOR, conversation, id: `m-${Math.random()}` }));
    const reply = chat().slice(before).at(-1)!.body;
    const tutees = shownText(reply);
    expect(tutees).toContain('Dismissed by Dr Tutor as "not useful"');
    expect(tutees).toMatch(/Snoozed until \d{1,2} \w+ by Dr Tutor/);
    expect(tutees).toMatch(/Nudge approved by Dr Tutor \([^)]+\), (not sent yet|sent)/);
    expect(tutees).not.toContain("A reply or suggestion is waiting");
    expect(tutees).toContain("the suggested nudge still waits for your decision");
  });
});
