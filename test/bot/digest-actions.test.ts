/**
 * The digest card's other buttons, over `/api/messages` on the running service: edit and send,
 * dismiss with a verdict (kept as rule feedback), snooze, refer, and paging for a tutor with many
 * flagged tutees. Each answer is the page again, updated in place.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIGEST_PAGE_SIZE } from "../../adaptive-cards/index.ts";
import { DEFAULT_POLICY, proposeFromFlags, type ApprovalPolicy } from "../../interventions/index.ts";
import { staffByNumber } from "../../access/index.ts";
import { checkFiles, runRules, saveAll, setEnabled } from "../../rules/index.ts";
import { sendDigests } from "../../digest/index.ts";
import { sendStaffMessages } from "../helpers/staff-outbox.ts";
import { testServiceConfig } from "../helpers/service-config.ts";
import { createLogger } from "../../core/index.ts";
import { startService, type RunningService } from "../../server/service.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { cardActions, shownText, startFakeConnector, teamsCardAction, teamsInstallationUpdate, type FakeConnector } from "../helpers/fake-connector.ts";
import { buildWorld, D, except, healthy } from "../rules/world.ts";

const TUTOR = { id: "29:1digest-tutor", name: "Dr Tutor", aadObjectId: "6b1d2c9e-0000-4000-8000-0000000000c1" };
const conversation = { conversationType: "personal", tenantId: "72f988bf-0000-4000-8000-000000000001", id: "a:chat-digest-tutor" };
const STUDENTS = 7;
// Every nudge waits for the tutor here, so each flagged student has a suggestion on the card.
const POLICY: ApprovalPolicy = { ...DEFAULT_POLICY, nudge: { system: false, roles: ["personal_tutor"] } };

/** What staff read: no field names ("verdict:"), vocabulary ids (not_useful), record ids or ISO dates. */
function expectPlainSentence(text: string): void {
  expect(text).not.toMatch(/^[a-z][a-zA-Z]*: /);
  expect(text).not.toMatch(/\b[a-z]+_[a-z_]+\b/);
  expect(text).not.toMatch(/\b(intervention|meeting|flag|rule) \d+/i);
  expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}(T|\b)/);
  expect(text).not.toMatch(/"/);
  expect(text).toMatch(/^[A-Z].*[.!]$/s);
}

describe("the digest card's actions", () => {
  let testDb: TestDatabase;
  let service: RunningService;
  let connector: FakeConnector;
  let base: string;
  let card: any;
  const ids = new Map<string, number>();

  const press = async (action: { verb: string; data: Record<string, unknown> }, inputs: Record<string, unknown> = {}) => {
    const response = await fetch(`${base}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(teamsCardAction(connector.serviceUrl, action.verb, { ...action.data, ...inputs }, { from: TUTOR, conversation })),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { type: string; value: any };
  };
  const studentOn = (c: any, name: string) => {
    const actions = cardActions(c).filter((a) => a.data.studentId === ids.get(name));
    return { actions, verb: (verb: string) => actions.find((a) => a.verb === verb)! };
  };

  beforeAll(async () => {
    testDb = await createTestDatabase();
    connector = await startFakeConnector();
    // Referrals go to a named member of staff (the rules admin will do): Refer needs somewhere to send them.
    const config = testServiceConfig(testDb.url, { NUDGE_CHANNELS: "teams", NUDGE_REFERRAL_DESTINATIONS: "A0001" });
    service = await startService(config, createLogger("silent"));
    base = `http://127.0.0.1:${service.port}`;
    const quiet = except(healthy(), (day, usual) => (day > D - 12 ? { ...usual, vle: undefined } : usual));
    // Healthy classmates too: a cohort with no VLE data at all is a missing feed, and flags no one.
    const world = await buildWorld(service.db, [
      ...Array.from({ length: STUDENTS }, (_, i) => ({ number: `S${i + 1}`, programme: "XA", year: 1, activity: quiet })),
      ...Array.from({ length: 3 }, (_, i) => ({ number: `H${i + 1}`, programme: "XA", year: 1, activity: healthy() })),
    ]);
    for (const [number, id] of world.ids) ids.set(number, id);
    await service.db.prisma.staff.update({ where: { id: world.tutorId }, data: { entraObjectId: TUTOR.aadObjectId } });
    // The referral destination must be someone Nudge can reach.
    await service.db.prisma.staff.update({ where: { staffNumber: world.adminNumber }, data: { email: "admin@example.ac.uk" } });
    const checked = checkFiles("rules/library", null);
    const author = (await staffByNumber(service.db, world.adminNumber))!;
    await saveAll(service.db, { calendar: checked.calendar, rules: checked.rules }, author);
    await setEnabled(service.db, "no-vle-10-days", true, author);
    await runRules(service.db, { asOfDay: D, trigger: "manual", now: new Date() });
    const proposed = await proposeFromFlags(service.db, { policy: POLICY, channels: ["teams"], now: new Date() });
    expect(proposed, JSON.stringify(proposed)).toMatchObject({ interventionsCreated: STUDENTS });
    await fetch(`${base}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(teamsInstallationUpdate(connector.serviceUrl, "add", { from: TUTOR, conversation })),
    });
    const queued = await sendDigests(service.db, new Date());
    expect(queued, JSON.stringify(queued)).toMatchObject({ queued: 1, byEmail: 0 });
    expect(await sendStaffMessages(service.db, config)).toMatchObject({ sent: 1 });
    card = connector.calls.filter((c) => c.method === "POST" && c.path.includes("chat-digest-tutor")).at(-1)!.body.attachments[0].content;
  });

  afterAll(async () => {
    await service?.stop();
    await connector?.close();
    await testDb?.drop();
  });

  it("pages a long digest: the first page holds DIGEST_PAGE_SIZE students and Next shows the rest", async () => {
    const pages = Math.ceil(STUDENTS / DIGEST_PAGE_SIZE);
    expect(shownText({ attachments: [{ content: card }] })).toContain(`Page 1 of ${pages}`);
    const onFirst = new Set(
      cardActions(card)
        .map((a) => a.data.studentId)
        .filter(Boolean),
    );
    expect(onFirst.size).toBe(DIGEST_PAGE_SIZE);
    const next = cardActions(card).find((a) => a.verb === "digest.page")!;
    const second = await press(next);
    const onSecond = new Set(
      cardActions(second.value)
        .map((a) => a.data.studentId)
        .filter(Boolean),
    );
    expect(onSecond.size).toBe(DIGEST_PAGE_SIZE);
    expect([...onSecond].some((id) => onFirst.has(id))).toBe(false);
  });

  it("edit and send: the tutor's wording replaces the suggestion, the original is kept", async () => {
    const s1 = studentOn(card, "S1");
    const edit = s1.verb("digest.edit");
    const studentId = ids.get("S1")!;
    const answer = await press(edit, { [`editedText-${studentId}`]: "Hi S1, it's Dr Tutor. Fancy a coffee and a catch-up this week?" });
    expect(shownText({ attachments: [{ content: answer.value }] })).toMatch(/approved by Dr Tutor/i);
    const nudge = await service.db.prisma.intervention.findFirstOrThrow({ where: { studentId, kind: "nudge" } });
    expect(nudge).toMatchObject({ state: "queued", body: "Hi S1, it's Dr Tutor. Fancy a coffee and a catch-up this week?" });
    expect(nudge.originalBody).toMatch(/^Hi S1/);
  });

  it("an empty edit is refused with the reason, and nothing changes", async () => {
    const studentId = ids.get("S2")!;
    const answer = await press(studentOn(card, "S2").verb("digest.edit"), { [`editedText-${studentId}`]: "   " });
    expect(answer.type).toBe("application/vnd.microsoft.activity.message");
    expect(answer.value).toBe("The message is empty: please write what to send, or leave the suggestion as it is.");
    expectPlainSentence(answer.value);
    expect(await service.db.prisma.intervention.findFirstOrThrow({ where: { studentId, kind: "nudge" } })).toMatchObject({ state: "awaiting_approval" });
  });

  it("dismiss keeps the verdict as feedback on the rule and rejects the waiting suggestion", async () => {
    const studentId = ids.get("S2")!;
    const answer = await press(studentOn(card, "S2").verb("digest.dismiss"), {
      [`verdict-${studentId}`]: "wrong_data",
      [`comment-${studentId}`]: "on placement, uses another VLE",
    });
    expect(shownText({ attachments: [{ content: answer.value }] })).toMatch(/Dismissed \(wrong data\) by Dr Tutor/);
    const feedback = await service.db.prisma.ruleFeedback.findMany({ where: { flag: { studentId } } });
    expect(feedback).toEqual([expect.objectContaining({ ruleId: "no-vle-10-days", verdict: "wrong_data", comment: "on placement, uses another VLE" })]);
    expect(await service.db.prisma.intervention.findFirstOrThrow({ where: { studentId, kind: "nudge" } })).toMatchObject({ state: "rejected" });
    expect(await service.db.prisma.flag.count({ where: { studentId, state: "dismissed" } })).toBe(1);
  });

  it("a dismissal without a verdict is refused in a plain sentence, and nothing is kept", async () => {
    const answer = await press(studentOn(card, "S3").verb("digest.dismiss"));
    expect(answer.type).toBe("application/vnd.microsoft.activity.message");
    expect(answer.value).toBe("Please choose why you're dismissing this: useful, not useful, or wrong data.");
    expectPlainSentence(answer.value);
    expect(await service.db.prisma.ruleFeedback.count({ where: { flag: { studentId: ids.get("S3")! } } })).toBe(0);
  });

  it("a snooze for a length the card never offers is refused in a plain sentence", async () => {
    const answer = await press(studentOn(card, "S3").verb("digest.snooze"), { days: 500 });
    expect(answer.value).toBe("Please choose how long to snooze for: 1 to 60 days.");
    expectPlainSentence(answer.value);
    expect(await service.db.prisma.flag.count({ where: { studentId: ids.get("S3")!, state: "snoozed" } })).toBe(0);
  });

  it("a suggestion already decided, or a meeting that does not exist, gets a kind sentence with no ids or field names", async () => {
    // S1's suggestion was approved above: approving it again from the old card is a conflict.
    const again = await press(studentOn(card, "S1").verb("digest.approve"));
    expect(again.value).toBe("Someone has already decided on this suggestion, so nothing was changed. Refresh the card to see where things stand.");
    expectPlainSentence(again.value);
    const outcome = await press({ verb: "meeting.outcome", data: { meetingId: 987654, outcome: "met" } });
    expect(outcome.type).toBe("application/vnd.microsoft.activity.message");
    expect(outcome.value).toMatch(/^Sorry, I couldn't find that any more/);
    expect(outcome.value).not.toContain("987654");
    expectPlainSentence(outcome.value);
  });

  it("snooze puts the flags aside for a week; refer opens a case and queues a referral to the student", async () => {
    const snoozed = await press(studentOn(card, "S3").verb("digest.snooze"));
    expect(shownText({ attachments: [{ content: snoozed.value }] })).toMatch(/Snoozed until .* by Dr Tutor/);
    const flag = await service.db.prisma.flag.findFirstOrThrow({ where: { studentId: ids.get("S3")! } });
    expect(flag.state).toBe("snoozed");
    expect(flag.snoozedUntil!.getTime() - Date.now()).toBeGreaterThan(6.9 * 86_400_000);

    const next = await press(cardActions(card).find((a) => a.verb === "digest.page")!);
    const s4 = studentOn(next.value, "S4");
    const studentId = ids.get("S4")!;
    await press(s4.verb("digest.refer"), { [`note-${studentId}`]: "money worries" });
    const referral = await service.db.prisma.intervention.findFirstOrThrow({ where: { studentId, kind: "referral" } });
    expect(referral).toMatchObject({ state: "queued", decisionNote: "money worries" });
    expect(referral.body).not.toContain("money worries");
    expect(await service.db.prisma.referralCase.findUniqueOrThrow({ where: { interventionId: referral.id } })).toMatchObject({
      state: "open",
      note: "money worries",
    });
    // Pressed again from the same card: said plainly, with no intervention id, and no second referral.
    const again = await press(s4.verb("digest.refer"), { [`note-${studentId}`]: "money worries" });
    expect(again.value).toBe("A referral for this student is already under way, so I haven't made another.");
    expectPlainSentence(again.value);
    expect(await service.db.prisma.intervention.count({ where: { studentId, kind: "referral" } })).toBe(1);
  });
});
