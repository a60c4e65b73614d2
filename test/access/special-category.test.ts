/**
 * Special-category data (POLICY P8): a student's disability, ethnicity and health code never reach
 * staff without the student's consent, and never enter rules. S1 carries distinctive marker values
 * in all three fields; every output a member of staff can get about S1 is collected (the scheduled
 * digest, "digest now", "student <number>", a name search, "my tutees", card actions, the CLI's
 * reports) together with everything the service wrote elsewhere in the database, and none may hold
 * a marker. Then S1 consents to their disability being used: the access gate allows it, but no
 * output is designed to show special-category data yet, so the markers stay absent.
 *
 * The one place they appear is the subject access export: it is the student's own copy of their
 * data (privacy/export.ts), handed to them by the admin handling the request.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadApprovalPolicy, proposeFromFlags } from "../../interventions/index.ts";
import { decide, roleScopeKey, staffByNumber } from "../../access/index.ts";
import { CATALOGUE, checkFiles, runRules, saveAll, setEnabled, validateRule } from "../../rules/index.ts";
import { sendDigests } from "../../digest/index.ts";
import { sendStaffMessages } from "../helpers/staff-outbox.ts";
import type { Config } from "../../server/config.ts";
import { testServiceConfig } from "../helpers/service-config.ts";
import { createLogger } from "../../core/index.ts";
import { startService, type RunningService } from "../../server/service.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { cardActions, startFakeConnector, teamsCardAction, teamsInstallationUpdate, teamsMessage, type FakeConnector } from "../helpers/fake-connector.ts";
import { runNudgeBatch } from "../helpers/nudge-batch.ts";
import { buildWorld, D, except, healthy } from "../rules/world.ts";

const MARKERS = { disability: "MARKER-DISABILITY-7731", ethnicity: "MARKER-ETHNICITY-7732", healthCode: "MARKER-HEALTH-7733" } as const;
const ALL_MARKERS = Object.values(MARKERS);
/** Words that would mean a special category had found its way into the rules' vocabulary. */
const SPECIAL_WORDS = /disab|ethnic|health|medical|religio|sexual|race\b|gender/i;

const STUDENT = { id: "29:1sam-teams-id", name: "Sam Okoro", aadObjectId: "6b1d2c9e-0000-4000-8000-0000000000a1" };
const TUTOR = { id: "29:1tutor-teams-id", name: "Dr Tutor", aadObjectId: "6b1d2c9e-0000-4000-8000-0000000000b1" };
const LEVEL_TUTOR = { id: "29:1level-teams-id", name: "Dr Level", aadObjectId: "6b1d2c9e-0000-4000-8000-0000000000b4" };
const LEADER = { id: "29:1leader-teams-id", name: "Prof Leader", aadObjectId: "6b1d2c9e-0000-4000-8000-0000000000b5" };
type TeamsPerson = typeof TUTOR;
const conversationOf = (who: { id: string }) => ({ conversationType: "personal", tenantId: "72f988bf-0000-4000-8000-000000000001", id: `a:chat-${who.id}` });

/** One staff-facing output: where it came from, and everything in it (the whole card, data included). */
interface Output {
  where: string;
  text: string;
}
const whole = (value: unknown) => JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v));
const leaks = (outputs: readonly Output[]) =>
  outputs.filter((o) => ALL_MARKERS.some((m) => o.text.includes(m))).map((o) => `${o.where}: ${ALL_MARKERS.filter((m) => o.text.includes(m)).join(", ")}`);

/** Every model in the schema (each is a table of the same name). */
function models(): string[] {
  const schema = readFileSync(new URL("../../prisma/schema.prisma", import.meta.url), "utf8");
  return [...schema.matchAll(/^model (\w+) \{/gm)].map((m) => m[1]!);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs|json|ya?ml)$/.test(name) ? [path] : [];
  });
}

describe("special-category data never reaches staff without consent (POLICY P8)", () => {
  let testDb: TestDatabase;
  let service: RunningService;
  let connector: FakeConnector;
  let config: Config;
  let base: string;
  let s1: number;

  const p = () => service.db.prisma;
  const post = async (activity: unknown) => {
    const response = await fetch(`${base}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(activity) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const sentTo = (who: { id: string }, from: number) =>
    connector.calls.slice(from).filter((c) => c.method === "POST" && c.path.includes(encodeURIComponent(conversationOf(who).id)));
  /** The bot's answer in the person's chat, whole. */
  const say = async (who: TeamsPerson, text: string): Promise<unknown> => {
    const from = connector.calls.length;
    const answer = await post(teamsMessage(connector.serviceUrl, text, { from: who, conversation: conversationOf(who), id: `m-${Math.random()}` }));
    expect(answer.status).toBeLessThan(300);
    return sentTo(who, from).at(-1)?.body;
  };
  const press = async (who: TeamsPerson, action: { verb: string; data: Record<string, unknown> }) =>
    (await post(teamsCardAction(connector.serviceUrl, action.verb, action.data, { from: who, conversation: conversationOf(who) }))).body;
  const cardOf = (activity: any) => activity?.attachments?.[0]?.content;

  /** Every output a member of staff can get about S1, from Teams and the CLI, and the rest of the database. */
  async function staffOutputs(): Promise<Output[]> {
    const outputs: Output[] = [];
    const add = (where: string, value: unknown) => outputs.push({ where, text: typeof value === "string" ? value : whole(value) });

    // The scheduled digest (the job itself), to each tutor with something new.
    const from = connector.calls.length;
    expect(await sendDigests(service.db, new Date())).toMatchObject({ queued: 1 });
    expect(await sendStaffMessages(service.db, config)).toMatchObject({ sent: 1, failed: 0 });
    const scheduled = sentTo(TUTOR, from).at(-1)?.body;
    add("scheduled digest card (sendDigests)", scheduled);
    add("digest now", await say(TUTOR, "digest now"));
    add("student S1 (personal tutor)", await say(TUTOR, "student S1"));
    add("student Okoro (name search)", await say(TUTOR, "student Okoro"));
    add("my tutees", await say(TUTOR, "my tutees"));
    add("student S1 (level tutor)", await say(LEVEL_TUTOR, "student S1"));
    add("student S1 (programme leader)", await say(LEADER, "student S1"));

    // The CLI's reports, as staff run them (before the buttons below decide S1's suggestion).
    const commands: [string, string[]][] = [
      ["nudge interventions list (personal tutor)", ["interventions", "list", "--as", "T0001", "--json"]],
      ["nudge interventions list (level tutor)", ["interventions", "list", "--as", "L0001", "--json"]],
      ["nudge audit --student S1", ["audit", "--student", "S1", "--limit", "10000", "--as", "A0001", "--json"]],
      ["nudge audit --actor T0001", ["audit", "--actor", "T0001", "--limit", "10000", "--as", "A0001", "--json"]],
      ["nudge rules dry-run --backtest", ["rules", "dry-run", "no-vle-10-days", "--as-of", "2026-11-20", "--backtest", "--as", "A0001", "--json"]],
      ["nudge rules dry-run (text)", ["rules", "dry-run", "no-vle-10-days", "--as-of", "2026-11-20", "--as", "A0001"]],
      ["nudge rules run --force", ["rules", "run", "--as-of", "2026-11-20", "--force", "--json"]],
      ["nudge rules show", ["rules", "show", "no-vle-10-days", "--json"]],
      ["nudge rules list", ["rules", "list", "--json"]],
      ["nudge rules metrics", ["rules", "metrics", "--json"]],
      ["nudge jobs list", ["jobs", "list", "--json"]],
      ["nudge staff roles", ["staff", "roles", "T0001", "--json"]],
    ];
    const runs = await runNudgeBatch(
      commands.map(([, args]) => args),
      { DATABASE_URL: testDb.url, LOG_LEVEL: "silent", NUDGE_APPROVAL_POLICY: config.approvalPolicyFile! },
    );
    for (const [i, [where]] of commands.entries()) {
      expect(runs[i]!.code, `${where}: ${runs[i]!.stderr}`).toBe(0);
      add(where, runs[i]!.stdout + runs[i]!.stderr);
    }

    // The digest's buttons: the card that replaces the pressed one.
    const actions = cardActions(cardOf(scheduled));
    const refresh = { verb: "digest.refresh", data: { digestId: actions[0]!.data.digestId, page: 1 } };
    add("card action digest.refresh", await press(TUTOR, refresh));
    add("card action digest.page", await press(TUTOR, { verb: "digest.page", data: { digestId: actions[0]!.data.digestId, page: 1 } }));
    const approve = actions.find((a) => a.verb === "digest.approve" && a.data.studentId === s1);
    expect(approve, "S1 has a suggestion waiting on the digest").toBeDefined();
    add("card action digest.approve", await press(TUTOR, approve!));
    const snooze = actions.find((a) => a.verb === "digest.snooze" && a.data.studentId === s1);
    if (snooze) add("card action digest.snooze", await press(TUTOR, snooze));

    // Whatever the service wrote anywhere but the student's own record: flags and their evidence,
    // interventions, digests, the audit log, run records...
    for (const model of models().filter((m) => m !== "Student")) add(`table ${model}`, await service.db.sql.query(`SELECT * FROM "${model}"`));
    return outputs;
  }

  beforeAll(async () => {
    testDb = await createTestDatabase();
    connector = await startFakeConnector();
    const dir = mkdtempSync(join(tmpdir(), "nudge-special-"));
    // Tutors approve every nudge here, so S1's suggestion waits on the digest with its evidence.
    writeFileSync(join(dir, "approval.yaml"), "nudge:\n  system: false\n  roles: [personal_tutor, level_tutor, programme_leader]\n");
    config = testServiceConfig(testDb.url, {
      NUDGE_CHANNELS: "teams",
      NUDGE_QUIET_HOURS: "off",
      NUDGE_APPROVAL_POLICY: join(dir, "approval.yaml"),
    });
    service = await startService(config, createLogger("silent"));
    base = `http://127.0.0.1:${service.port}`;
    const db = service.db;

    const quiet = except(healthy(), (day, usual) => (day > D - 12 ? { ...usual, vle: undefined } : usual));
    const world = await buildWorld(db, [
      { number: "S1", programme: "XA", year: 1, activity: quiet },
      { number: "S2", programme: "XA", year: 1, activity: quiet },
    ]);
    s1 = world.ids.get("S1")!;
    await p().student.update({ where: { id: s1 }, data: { givenName: "Sam", familyName: "Okoro", entraObjectId: STUDENT.aadObjectId, ...MARKERS } });
    await p().staff.update({ where: { id: world.tutorId }, data: { entraObjectId: TUTOR.aadObjectId } });
    const programme = await p().programme.findUniqueOrThrow({ where: { code: "XA" } });
    const level = await p().staff.create({ data: { staffNumber: "L0001", displayName: "Dr Level", entraObjectId: LEVEL_TUTOR.aadObjectId } });
    await p().staffRoleAssignment.create({
      data: {
        staffId: level.id,
        role: "level_tutor",
        programmeId: programme.id,
        yearOfStudy: 1,
        scopeKey: roleScopeKey("level_tutor", { programmeId: programme.id, yearOfStudy: 1 }),
      },
    });
    const leader = await p().staff.create({ data: { staffNumber: "P0001", displayName: "Prof Leader", entraObjectId: LEADER.aadObjectId } });
    await p().staffRoleAssignment.create({
      data: {
        staffId: leader.id,
        role: "programme_leader",
        programmeId: programme.id,
        scopeKey: roleScopeKey("programme_leader", { programmeId: programme.id }),
      },
    });
    // The tutor has the app installed, so the scheduled digest goes to Teams.
    for (const who of [TUTOR, LEVEL_TUTOR, LEADER])
      expect((await post(teamsInstallationUpdate(connector.serviceUrl, "add", { from: who, conversation: conversationOf(who) }))).status).toBeLessThan(300);

    const library = checkFiles("rules/library", null);
    const admin = (await staffByNumber(db, world.adminNumber))!;
    await saveAll(db, { calendar: library.calendar, rules: library.rules }, admin);
    await setEnabled(db, "no-vle-10-days", true, admin);
    await runRules(db, { asOfDay: D, trigger: "manual", now: new Date() });
    const proposed = await proposeFromFlags(db, { policy: loadApprovalPolicy(config.approvalPolicyFile), channels: config.channels, now: new Date() });
    expect(proposed.awaitingApproval).toBe(2);
  });

  afterAll(async () => {
    await service?.stop();
    await connector?.close();
    await testDb?.drop();
  });

  it("the rules cannot use special categories: no metric reads them, and a condition or cohort naming one is invalid", () => {
    for (const metric of Object.values(CATALOGUE)) {
      expect(`${metric.name} ${metric.description} ${metric.sources.join(" ")}`).not.toMatch(SPECIAL_WORDS);
      expect(["vle", "attendance", "library", "submission", "records"]).toEqual(expect.arrayContaining([...metric.sources]));
    }
    const library = checkFiles("rules/library", null);
    const template = library.rules[0]!.rule.document;
    const calendar = library.calendar!.document;
    for (const field of ["disability", "ethnicity", "healthCode"]) {
      const byCondition = validateRule({ ...template, condition: `${field} == "Y"` }, { calendar });
      expect(byCondition.rule, `condition on ${field}`).toBeUndefined();
      const byCohort = validateRule({ ...template, cohort: { [field]: ["Y"] } }, { calendar });
      expect(byCohort.rule, `cohort on ${field}`).toBeUndefined();
    }
  });

  it("no module that evaluates rules or builds what staff see reads a special-category field (only ingest, privacy, the demo data and the annual report's equality section do)", () => {
    const root = new URL("../../", import.meta.url).pathname;
    const readers = ["rules", "bot", "adaptive-cards", "interventions", "scheduler", "analytics", "channels", "server"]
      .flatMap((dir) => sourceFiles(join(root, dir)))
      .filter((file) => /\b(disability|ethnicity|healthCode)\b/.test(readFileSync(file, "utf8")));
    // Equality monitoring (POLICY P12): group rates only, small groups hidden, and only values whose
    // category consent is in force (test/analytics/report.test.ts shows one without consent unused).
    expect(readers.map((f) => f.slice(root.length)).sort()).toEqual(["analytics/queries/report.ts", "analytics/report/equality.ts"]);
  });

  it("without consent: no marker in any card, card action, CLI report or anything written outside the student's record", async () => {
    const outputs = await staffOutputs();
    expect(leaks(outputs)).toEqual([]);
    // The outputs are about S1 for real (the checks above are not vacuous).
    for (const where of [
      "scheduled digest card (sendDigests)",
      "digest now",
      "student S1 (personal tutor)",
      "student S1 (level tutor)",
      "student S1 (programme leader)",
      "my tutees",
      "card action digest.approve",
    ]) {
      expect(outputs.find((o) => o.where === where)!.text, where).toContain("Okoro");
    }
    expect(outputs.find((o) => o.where === "nudge interventions list (personal tutor)")!.text).toContain('"student":"S1"');
    expect(outputs.find((o) => o.where === "nudge audit --student S1")!.text).toContain("student.read");
    expect(outputs.find((o) => o.where === "table Flag")!.text).toContain("vle_days_since_last");
    // The access gate agrees: staff may not see any category without consent.
    const tutor = (await staffByNumber(service.db, "T0001"))!;
    for (const purpose of ["special_category_disability", "special_category_ethnicity", "special_category_health"] as const) {
      expect((await decide(service.db, { kind: "staff", staffId: tutor.staffId }, "student.special_category.read", { studentId: s1, purpose })).allowed).toBe(
        false,
      );
    }
  });

  it("the subject access export holds them: it is the student's own copy of their data, handed over by the admin handling the request", async () => {
    const [run] = await runNudgeBatch([["student", "export", "S1", "--as", "A0001"]], { DATABASE_URL: testDb.url, LOG_LEVEL: "silent" });
    expect(run!.code).toBe(0);
    const data = JSON.parse(run!.stdout);
    expect(data.sections.Student[0]).toMatchObject(MARKERS);
    // Only in the student's own record: nothing else in the export repeats them.
    const { Student: _student, ...rest } = data.sections;
    for (const marker of ALL_MARKERS) expect(whole(rest)).not.toContain(marker);
  });

  it("with consent for one category: the gate allows that category only, and still no output shows any (none is designed to show special-category data yet)", async () => {
    await p().consent.create({ data: { studentId: s1, purpose: "special_category_disability", state: "granted", source: "sis" } });
    const tutor = (await staffByNumber(service.db, "T0001"))!;
    const gate = (purpose: "special_category_disability" | "special_category_ethnicity" | "special_category_health") =>
      decide(service.db, { kind: "staff", staffId: tutor.staffId }, "student.special_category.read", { studentId: s1, purpose });
    expect((await gate("special_category_disability")).allowed).toBe(true);
    expect((await gate("special_category_ethnicity")).allowed).toBe(false);
    expect((await gate("special_category_health")).allowed).toBe(false);

    // Something new for the next scheduled digest: another suggestion for S1.
    await p().intervention.create({
      data: {
        studentId: s1,
        kind: "nudge",
        state: "awaiting_approval",
        body: "Hi Sam, checking in again.",
        channelOrder: ["teams"],
        proposedBy: "rule:no-vle-10-days@1",
      },
    });
    const outputs = await staffOutputs();
    expect(leaks(outputs)).toEqual([]);
    expect(outputs.find((o) => o.where === "scheduled digest card (sendDigests)")!.text).toContain("Okoro");
  });
});
