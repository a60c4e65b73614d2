/**
 * The permission matrix (privacy/permissions.ts), cell by cell, through the entry points people
 * really use: Teams activities posted to the running service's /api/messages (the only HTTP route
 * that acts for a person), and the `nudge` CLI with `--as` (the commands batched into one child
 * process through the CLI's own entry function; two cells also each in a process of their own,
 * as `npx nudge` runs them). The cells are
 * generated from MATRIX and CAPABILITIES (roles x capabilities x in- and out-of-scope students),
 * and what each cell expects is worked out from the matrix and the world's facts (who tutors whom,
 * who is enrolled where), never by asking the access gate. A refused attempt must leave an
 * `access.refused` audit row naming the person and the capability, and change nothing.
 *
 * Capabilities no entry point exercises yet are checked through `decide()` directly, and the
 * test's title says so.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../interventions/index.ts";
import {
  CAPABILITIES,
  decide,
  MATRIX,
  ROLES,
  roleScopeKey,
  staffByNumber,
  type Actor,
  type CapabilityName,
  type Role,
  type Scope,
} from "../../access/index.ts";
import { checkFiles, saveAll, setEnabled, validateRule } from "../../rules/index.ts";
import { testServiceConfig } from "../helpers/service-config.ts";
import { createLogger } from "../../core/index.ts";
import { startService, type RunningService } from "../../server/service.ts";
import { createTestDatabase, suiteDatabaseKind, type TestDatabase } from "../helpers/database.ts";
import { cardActions, shownText, startFakeConnector, teamsCardAction, teamsMessage, type FakeConnector } from "../helpers/fake-connector.ts";
import { runNudgeBatch } from "../helpers/nudge-batch.ts";
import { runNudge, type Run } from "../helpers/processes.ts";
import { buildWorld, healthy } from "../rules/world.ts";

// ---------------------------------------------------------------------------------------------
// The world: three students, and one person per role (some twice: in and out of scope)
// ---------------------------------------------------------------------------------------------

/** S1 is the student everyone tries; S2 is on the same programme a year later; S3 on another programme. */
const TARGETS = {
  S1: { programme: "XA", year: 1, given: "Robin", family: "Ashworth" },
  S2: { programme: "XA", year: 2, given: "Sasha", family: "Bellamy" },
  S3: { programme: "YB", year: 1, given: "Tam", family: "Castellano" },
} as const;
type TargetKey = keyof typeof TARGETS;
const TARGET_KEYS = Object.keys(TARGETS) as TargetKey[];

type StaffRole = Exclude<Role, "student">;
interface HeldRole {
  role: StaffRole;
  programme?: string;
  year?: number;
}
interface Person {
  key: string;
  /** In test titles. */
  label: string;
  kind: "student" | "staff" | "unknown";
  /** Staff number (what `--as` takes), the student's number, or a number nobody has. */
  number: string;
  roles: HeldRole[];
  /** Current personal tutees. */
  tutees: TargetKey[];
  aad: string;
}

const aad = (n: number) => `6b1d2c9e-0000-4000-8000-${String(n).padStart(12, "0")}`;
const PEOPLE: Person[] = [
  { key: "student", label: "S1 themself (student)", kind: "student", number: "S1", roles: [], tutees: [], aad: aad(1) },
  { key: "tutorA", label: "S1's personal tutor", kind: "staff", number: "T0001", roles: [{ role: "personal_tutor" }], tutees: ["S1"], aad: aad(2) },
  { key: "tutorB", label: "S2's personal tutor (not S1's)", kind: "staff", number: "T0002", roles: [{ role: "personal_tutor" }], tutees: ["S2"], aad: aad(3) },
  {
    key: "levelTutor",
    label: "level tutor XA year 1",
    kind: "staff",
    number: "L0001",
    roles: [{ role: "level_tutor", programme: "XA", year: 1 }],
    tutees: [],
    aad: aad(4),
  },
  {
    key: "levelTutorY2",
    label: "level tutor XA year 2",
    kind: "staff",
    number: "L0002",
    roles: [{ role: "level_tutor", programme: "XA", year: 2 }],
    tutees: [],
    aad: aad(5),
  },
  {
    key: "leader",
    label: "programme leader XA",
    kind: "staff",
    number: "P0001",
    roles: [{ role: "programme_leader", programme: "XA" }],
    tutees: [],
    aad: aad(6),
  },
  {
    key: "leaderYB",
    label: "programme leader YB",
    kind: "staff",
    number: "P0002",
    roles: [{ role: "programme_leader", programme: "YB" }],
    tutees: [],
    aad: aad(7),
  },
  { key: "centre", label: "student centre", kind: "staff", number: "C0001", roles: [{ role: "student_centre" }], tutees: [], aad: aad(8) },
  { key: "admin", label: "admin (no support role)", kind: "staff", number: "A0001", roles: [{ role: "admin" }], tutees: [], aad: aad(9) },
  {
    key: "adminTutor",
    label: "admin who is also S1's personal tutor",
    kind: "staff",
    number: "A0002",
    roles: [{ role: "admin" }, { role: "personal_tutor" }],
    tutees: ["S1"],
    aad: aad(10),
  },
  { key: "operator", label: "operator", kind: "staff", number: "O0001", roles: [{ role: "operator" }], tutees: [], aad: aad(11) },
  { key: "safeguarding", label: "safeguarding lead", kind: "staff", number: "W0001", roles: [{ role: "safeguarding" }], tutees: [], aad: aad(12) },
  { key: "unknown", label: "someone unknown", kind: "unknown", number: "X9999", roles: [], tutees: [], aad: aad(99) },
];
const person = (key: string) => PEOPLE.find((p) => p.key === key)!;

/** The world's safeguarding concern: S1 wrote something that raised one; S2 and S3 did not. */
const WITH_CONCERN: readonly TargetKey[] = ["S1"];

/** The consent the world records: S1 agreed to their disability being used; nobody else agreed to anything. */
const SPECIAL_PURPOSE = "special_category_disability" as const;
const CONSENTED: readonly TargetKey[] = ["S1"];

// ---------------------------------------------------------------------------------------------
// What the matrix says, worked out from the world's facts
// ---------------------------------------------------------------------------------------------

function covers(who: Person, held: HeldRole | { role: "student" }, scope: Scope, target: TargetKey): boolean {
  switch (scope) {
    case "own":
      return who.kind === "student" && who.number === target;
    case "tutees":
      return who.tutees.includes(target);
    case "programme_year":
      return "programme" in held && held.programme === TARGETS[target].programme && held.year === TARGETS[target].year;
    case "programme":
      return "programme" in held && held.programme === TARGETS[target].programme;
    case "concerns":
      return WITH_CONCERN.includes(target);
    case "all":
      return true;
    case "aggregate":
      return false;
  }
}

function expected(who: Person, capability: CapabilityName, target?: TargetKey): boolean {
  if (who.kind === "unknown") return false;
  const held: (HeldRole | { role: "student" })[] = who.kind === "student" ? [{ role: "student" }] : who.roles;
  return held.some((h) => {
    const scope = MATRIX[h.role][capability];
    if (!scope) return false;
    if (!CAPABILITIES[capability].individual) return true;
    if (!covers(who, h, scope, target!)) return false;
    // Staff see special-category data only with the student's consent for it (POLICY P8).
    if (capability === "student.special_category.read" && who.kind === "staff") return CONSENTED.includes(target!);
    return true;
  });
}

/** For slow entry points: one student the person may act for and one they may not (two when everyone is in scope). */
function fewTargets(who: Person, capability: CapabilityName): TargetKey[] {
  const allowed = TARGET_KEYS.filter((t) => expected(who, capability, t));
  const refused = TARGET_KEYS.filter((t) => !expected(who, capability, t));
  const picked = [allowed[0], refused[0] ?? allowed.at(-1)].filter((t): t is TargetKey => t !== undefined);
  return [...new Set(picked)];
}

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

interface Seen {
  /** What the person was told: success, or a refusal. */
  allowed: boolean;
  /** What it did: the data shown, or the change made. */
  effect: boolean;
  output: string;
  /** The student actually acted on, when not the target itself (a stand-in for erasure). */
  studentId?: number;
}

interface Cell {
  n: number;
  who: Person;
  capability: CapabilityName;
  target?: TargetKey;
  entry: Entry;
  allowed: boolean;
}

interface Entry {
  /** How the cell is exercised, in the test's title. */
  via: string;
  kind: "bot" | "cli" | "decide";
  run(cell: Cell): Promise<Seen>;
  /** CLI cells: the command, and how to read what it did (so many commands can share a process). */
  prepare?(cell: Cell): Promise<{ args: string[]; seen(run: Run): Promise<Seen> }>;
}

describe("the permission matrix through the real entry points", () => {
  let testDb: TestDatabase;
  let service: RunningService;
  let connector: FakeConnector;
  let base: string;
  const studentIds = new Map<TargetKey, number>();
  const staffIds = new Map<string, number>();
  let digestOfTutorA: number;
  const TUTORS = PEOPLE.filter((w) => w.roles.some((r) => r.role === "personal_tutor"));
  /** Each personal tutor's own digest card ("digest now"), and its first Approve button. */
  const digests = new Map<string, { digestId: number; approve: { verb: string; data: Record<string, unknown> } }>();

  const db = () => service.db;
  const p = () => service.db.prisma;

  // Teams, over HTTP ----------------------------------------------------------------------------
  const conversationOf = (who: Person) => ({ conversationType: "personal", tenantId: "72f988bf-0000-4000-8000-000000000001", id: `a:chat-${who.key}` });
  const fromOf = (who: Person) => ({ id: `29:1${who.key}-teams-id`, name: who.label, aadObjectId: who.aad });
  const post = async (activity: unknown) => {
    const response = await fetch(`${base}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(activity) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  /** What the bot says back in the person's chat. */
  const say = async (who: Person, text: string): Promise<string> => {
    const from = connector.calls.length;
    const answer = await post(teamsMessage(connector.serviceUrl, text, { from: fromOf(who), conversation: conversationOf(who), id: `m-${Math.random()}` }));
    expect(answer.status).toBeLessThan(300);
    const replies = connector.calls.slice(from).filter((c) => c.method === "POST" && c.path.includes(encodeURIComponent(conversationOf(who).id)));
    return shownText(replies.at(-1)?.body);
  };
  /** A card button pressed: the card or message that replaces it. */
  const press = async (who: Person, verb: string, data: Record<string, unknown>): Promise<{ card: boolean; text: string; value: unknown }> => {
    const answer = await post(teamsCardAction(connector.serviceUrl, verb, data, { from: fromOf(who), conversation: conversationOf(who) }));
    expect(answer.status).toBe(200);
    const card = answer.body?.type === "application/vnd.microsoft.card.adaptive";
    return { card, value: answer.body?.value, text: card ? shownText({ attachments: [{ content: answer.body.value }] }) : String(answer.body?.value ?? "") };
  };

  // The CLI: one command in its own process, or many commands in a few processes ----------------
  const cliEnv = () => ({ DATABASE_URL: testDb.url, LOG_LEVEL: "silent" });
  const nudge = (args: string[]) => runNudge(args, cliEnv());

  // Things to act on ------------------------------------------------------------------------------
  const proposal = async (target: TargetKey, cell: number | string) =>
    (
      await p().intervention.create({
        data: {
          studentId: studentIds.get(target)!,
          kind: "nudge",
          state: "awaiting_approval",
          body: `Hi, matrix cell ${cell}`,
          channelOrder: ["teams"],
          proposedBy: "rule:matrix@1",
        },
      })
    ).id;
  const stateOf = async (interventionId: number) => (await p().intervention.findUniqueOrThrow({ where: { id: interventionId } })).state;
  /** A student like `target` (same programme, year and tutors): erasing one must not cost the others. */
  const likeness = async (target: TargetKey, cell: number) => {
    const spec = TARGETS[target];
    const student = await p().student.create({ data: { studentNumber: `${target}-E${cell}`, givenName: spec.given, familyName: spec.family } });
    const programme = await p().programme.findUniqueOrThrow({ where: { code: spec.programme } });
    await p().programmeEnrolment.create({
      data: { studentId: student.id, programmeId: programme.id, yearOfStudy: spec.year, startDate: new Date("2025-09-22T00:00:00Z") },
    });
    for (const who of PEOPLE)
      if (who.tutees.includes(target))
        await p().tutorAssignment.create({ data: { studentId: student.id, staffId: staffIds.get(who.key)!, startDate: new Date("2025-09-22T00:00:00Z") } });
    return student;
  };
  const lastAuditId = async () => (await p().auditLog.findFirst({ orderBy: { id: "desc" }, select: { id: true } }))?.id ?? 0;

  // ---------------------------------------------------------------------------------------------
  // Which entry point exercises which capability, for whom
  // ---------------------------------------------------------------------------------------------

  const directly = (reason: string): Entry => ({
    via: `no entry point, decide() directly: ${reason}`,
    kind: "decide",
    async run({ who, target, capability }) {
      // Someone unknown has no staff id: 0 is nobody's.
      const actor: Actor =
        who.kind === "student" ? { kind: "student", studentId: studentIds.get("S1")! } : { kind: "staff", staffId: staffIds.get(who.key) ?? 0 };
      const decision = await decide(db(), actor, capability, target ? { studentId: studentIds.get(target)!, purpose: SPECIAL_PURPOSE } : undefined);
      return { allowed: decision.allowed, effect: decision.allowed, output: decision.reason };
    },
  });

  const REFUSED_IN_CHAT = /can't see student|don't recognise your account|No match|for staff|can't do that for this student|isn't yours|don't have access/;

  const botStudentCommand: Entry = {
    via: 'bot: "student <number>" (POST /api/messages)',
    kind: "bot",
    async run({ who, target }) {
      const text = await say(who, `student ${target}`);
      return { allowed: !REFUSED_IN_CHAT.test(text), effect: text.includes(TARGETS[target!].family), output: text };
    },
  };
  const botWhy: Entry = {
    via: 'bot: the student asks "why did I get this?" about their own nudge',
    kind: "bot",
    async run({ who }) {
      const text = await say(who, "why did I get this?");
      return { allowed: !REFUSED_IN_CHAT.test(text), effect: text.includes("MATRIX-EVIDENCE"), output: text };
    },
  };
  const botDataRequest: Entry = {
    via: 'bot: the student asks "what data do you hold about me?"',
    kind: "bot",
    async run({ who }) {
      const before = await p().dataRequest.count({ where: { studentId: studentIds.get("S1")!, kind: "access" } });
      const text = await say(who, "what data do you hold about me?");
      const after = await p().dataRequest.count({ where: { studentId: studentIds.get("S1")!, kind: "access" } });
      return { allowed: /recorded your request for a copy/.test(text), effect: after === before + 1, output: text };
    },
  };
  const botOptIn: Entry = {
    via: 'bot: the student says "withdraw my consent", then "opt in" (their own analytics consent, both ways)',
    kind: "bot",
    async run({ who }) {
      const where = { studentId: studentIds.get("S1")!, purpose: "analytics" as const };
      const before = await p().consent.count({ where });
      const withdrawn = await say(who, "withdraw my consent");
      const text = await say(who, "opt in");
      const latest = await p().consent.findFirst({ where, orderBy: { id: "desc" } });
      return {
        allowed: /no longer use your engagement data/.test(withdrawn) && /use your engagement data again/.test(text),
        effect: (await p().consent.count({ where })) === before + 2 && latest?.state === "granted",
        output: `${withdrawn}\n${text}`,
      };
    },
  };
  const botMeetingOutcome: Entry = {
    via: "bot: meeting.outcome button (card invoke)",
    kind: "bot",
    async run({ who, target, n: cell }) {
      const studentId = studentIds.get(target!)!;
      const invitation = await p().intervention.create({
        data: { studentId, kind: "invitation_to_talk", state: "sent", body: `Shall we talk? (cell ${cell})`, proposedBy: "student" },
      });
      const start = new Date(Date.now() - 2 * 3_600_000);
      const meeting = await p().meeting.create({
        data: {
          interventionId: invitation.id,
          studentId,
          tutorId: staffIds.get("tutorA")!,
          state: "booked",
          proposedSlots: [],
          startsAt: start,
          endsAt: new Date(start.getTime() + 1_800_000),
        },
      });
      const answer = await press(who, "meeting.outcome", { meetingId: meeting.id, outcome: "met" });
      const after = await p().meeting.findUniqueOrThrow({ where: { id: meeting.id } });
      return { allowed: answer.card, effect: after.outcome === "met", output: answer.text };
    },
  };
  /** A safeguarding alert about the target (a reply and its concern), acknowledged by pressing "I'm handling this". */
  const concernOf = async (target: TargetKey, cell: number) => {
    const studentId = studentIds.get(target)!;
    const reply = await p().reply.create({
      data: { studentId, channel: "teams", text: `I can't cope (cell ${cell})`, classification: "distress", safeguarding: "distress" },
    });
    return (await p().safeguardingConcern.create({ data: { studentId, replyId: reply.id, level: "distress", reasons: ["not_coping"] } })).id;
  };
  const botAcknowledge: Entry = {
    via: "bot: safeguarding.acknowledge button (card invoke)",
    kind: "bot",
    async run({ who, target, n: cell }) {
      const concernId = await concernOf(target!, cell);
      const answer = await press(who, "safeguarding.acknowledge", { concernId });
      const after = await p().safeguardingConcern.findUniqueOrThrow({ where: { id: concernId } });
      return { allowed: answer.card, effect: after.state === "acknowledged", output: answer.text };
    },
  };
  const botStaffButton: Entry = {
    via: "bot: digest.approve button invoked by a student (payload with the intervention)",
    kind: "bot",
    async run({ who, target, n: cell }) {
      const id = await proposal(target!, cell);
      const answer = await press(who, "digest.approve", { digestId: digestOfTutorA, page: 1, studentId: studentIds.get(target!)!, interventionId: id });
      return { allowed: answer.card, effect: (await stateOf(id)) !== "awaiting_approval", output: answer.text };
    },
  };

  /** A CLI cell in two steps: what to make and run, then what it did (all cells' commands run in batches). */
  const cli = (via: string, prepare: (cell: Cell) => Promise<{ args: string[]; seen(run: Run): Promise<Seen> }>): Entry => ({
    via: `CLI: ${via}`,
    kind: "cli",
    prepare,
    async run(cell) {
      const prepared = await prepare(cell);
      return prepared.seen(await nudge(prepared.args));
    },
  });
  const jsonOf = (run: Run) => {
    try {
      return JSON.parse(run.stdout);
    } catch {
      return {};
    }
  };

  const cliApprove = cli("nudge interventions approve <id> --as", async ({ who, target, n }) => {
    const id = await proposal(target!, n);
    return {
      args: ["interventions", "approve", String(id), "--as", who.number, "--json"],
      seen: async (run) => ({ allowed: run.code === 0, effect: (await stateOf(id)) !== "awaiting_approval", output: run.stderr || run.stdout }),
    };
  });
  const cliExport = cli("nudge student export <number> --as", async ({ who, target }) => ({
    args: ["student", "export", target!, "--as", who.number],
    seen: async (run) => {
      const data = run.code === 0 ? jsonOf(run) : {};
      return {
        allowed: run.code === 0,
        effect: data.studentNumber === target && data.sections?.Student?.[0]?.familyName === TARGETS[target!].family,
        output: run.code === 0 ? "(export)" : run.stderr,
      };
    },
  }));
  const cliConsent = cli("nudge student consent <number> --purpose analytics --state granted --as", async ({ who, target, n }) => ({
    // Each cell's record carries its own note: the CLI batch runs cells together.
    args: [
      "student",
      "consent",
      target!,
      "--purpose",
      "analytics",
      "--state",
      "granted",
      "--source",
      "matrix",
      "--note",
      `cell ${n}`,
      "--as",
      who.number,
      "--json",
    ],
    seen: async (run) => {
      const recorded = await p().consent.findFirst({
        where: { studentId: studentIds.get(target!)!, note: `cell ${n}` },
        include: { recordedBy: { select: { staffNumber: true } } },
      });
      return { allowed: run.code === 0, effect: recorded?.recordedBy?.staffNumber === who.number, output: run.stderr || run.stdout };
    },
  }));
  const cliRectify = cli("nudge student rectify <number> --field preferredName --as", async ({ who, target, n }) => {
    const value = `Matrix${n}`;
    return {
      args: ["student", "rectify", target!, "--field", "preferredName", "--value", value, "--as", who.number, "--json"],
      seen: async (run) => {
        // Later cells may correct the same field again: the audited correction is what this one did.
        const corrections = await p().auditLog.findMany({ where: { action: "student.rectify", actorId: who.number, studentId: studentIds.get(target!)! } });
        const made =
          corrections.some((r) => (r.details as { new?: string }).new === value) || (await p().student.count({ where: { preferredName: value } })) > 0;
        return { allowed: run.code === 0 && jsonOf(run).changed === true, effect: made, output: run.stderr || run.stdout };
      },
    };
  });
  const cliErase = cli("nudge student erase <number> --as (on a student like the target)", async ({ who, target, n }) => {
    const student = await likeness(target!, n);
    return {
      args: ["student", "erase", student.studentNumber, "--as", who.number, "--json"],
      seen: async (run) => {
        const after = await p().student.findUniqueOrThrow({ where: { id: student.id } });
        return {
          allowed: run.code === 0,
          effect: after.erasedAt !== null && after.familyName === null,
          output: run.stderr || run.stdout,
          studentId: student.id,
        };
      },
    };
  });
  const cliRules = cli("nudge rules disable <id> --as", async ({ who }) => {
    const id = `matrix-${who.key.toLowerCase()}`;
    return {
      args: ["rules", "disable", id, "--as", who.number, "--json"],
      seen: async (run) => ({
        allowed: run.code === 0,
        effect: !(await p().rule.findUniqueOrThrow({ where: { id } })).enabled,
        output: run.stderr || run.stdout,
      }),
    };
  });
  const cliAudit = cli("nudge audit --student S1 --as", async ({ who }) => {
    const since = await lastAuditId();
    return {
      args: ["audit", "--student", "S1", "--limit", "5", "--as", who.number, "--json"],
      seen: async (run) => ({
        allowed: run.code === 0 && Array.isArray(jsonOf(run).entries),
        // Reading the audit log is itself audited.
        effect: (await p().auditLog.count({ where: { id: { gt: since }, action: "audit.view", actorId: who.number } })) === 1,
        output: run.stderr || "(audit entries)",
      }),
    };
  });
  const cliStaffGrant = cli("nudge staff grant <staff> student_centre --as", async ({ who, n }) => {
    const number = `Z${n}`;
    return {
      args: ["staff", "grant", number, "student_centre", "--name", `Matrix ${n}`, "--as", who.number, "--json"],
      seen: async (run) => ({
        allowed: run.code === 0,
        effect: (await p().staff.count({ where: { staffNumber: number } })) === 1,
        output: run.stderr || run.stdout,
      }),
    };
  });

  /** The one entry point for each capability and person (students use Teams; staff use Teams or the CLI). */
  function entryFor(capability: CapabilityName, who: Person, target: TargetKey | undefined): Entry {
    const student = who.kind === "student";
    const ENTRIES: Record<CapabilityName, () => Entry> = {
      "student.read": () =>
        !student
          ? botStudentCommand
          : target === "S1"
            ? botWhy
            : directly("a student cannot name another student anywhere (staff commands are refused to students without looking anyone up)"),
      "student.special_category.read": () => directly("no output shows special-category data, with or without consent"),
      "student.contact": () => botMeetingOutcome,
      "safeguarding.respond": () =>
        WITH_CONCERN.includes(target!) ? botAcknowledge : directly("only a student who raised a concern has an alert to acknowledge"),
      "intervention.decide": () => (student ? botStaffButton : cliApprove),
      "consent.record": () =>
        !student ? cliConsent : target === "S1" ? botOptIn : directly("a student's consent is always their own: what they say is recorded for themselves"),
      "student.export": () =>
        !student ? cliExport : target === "S1" ? botDataRequest : directly("a student's request for their data is always about themselves"),
      "student.rectify": () => cliRectify,
      "student.erase": () => cliErase,
      "analytics.ask": () => directly("analytics questions arrive with a later issue"),
      "analytics.report": () => directly("the report command is tested with its refusal in test/analytics/report.test.ts"),
      "rules.edit": () => cliRules,
      "runs.read": () => directly("no entry point checks it: `nudge jobs list` is the host's own command, without --as"),
      "audit.read": () => cliAudit,
      "system.operate": () => cliStaffGrant,
    };
    return ENTRIES[capability]();
  }

  /** Every cell: people x capabilities x targets (all three where it is cheap, two on the CLI). */
  const cells: Cell[] = [];
  for (const who of PEOPLE) {
    for (const capability of Object.keys(CAPABILITIES) as CapabilityName[]) {
      const individual = CAPABILITIES[capability].individual;
      const slow = individual && entryFor(capability, who, "S1").kind === "cli";
      const targets: (TargetKey | undefined)[] = !individual ? [undefined] : slow ? fewTargets(who, capability) : TARGET_KEYS;
      for (const target of targets) {
        cells.push({ n: cells.length + 1, who, capability, target, entry: entryFor(capability, who, target), allowed: expected(who, capability, target) });
      }
    }
  }

  /** Runs one cell and checks it against the matrix: allowed and done, or refused, audited and nothing changed. */
  async function check(cell: Cell): Promise<void> {
    const since = await lastAuditId();
    await verify(cell, await cell.entry.run(cell), since);
  }

  /** What a cell did, against the matrix: allowed and done; or refused, audited (after `since`) and nothing changed. */
  async function verify(cell: Cell, seen: Seen, since: number): Promise<void> {
    expect(seen.allowed, seen.output).toBe(cell.allowed);
    expect(seen.effect, seen.output).toBe(cell.allowed);
    // A student's made-up staff button names no student (the payload is not trusted to say whom).
    const aboutStudent =
      cell.target && !(cell.who.kind === "student" && cell.entry.kind === "bot") ? (seen.studentId ?? studentIds.get(cell.target)!) : undefined;
    const refusals = (await p().auditLog.findMany({ where: { id: { gt: since }, action: "access.refused", actorId: cell.who.number } })).filter(
      (r) => (r.details as { capability?: string } | null)?.capability === cell.capability && (aboutStudent === undefined || r.studentId === aboutStudent),
    );
    if (cell.allowed) {
      expect(refusals).toHaveLength(0);
    } else if (cell.entry.kind === "decide") {
      // decide() only answers; the edges write the audit entry.
    } else if (cell.who.kind === "unknown" && cell.entry.kind === "bot") {
      // Teams says who it is, and nobody is: the person is told so, and nothing is shown or done.
      expect(seen.output).toMatch(/don't recognise your account/);
    } else {
      expect(refusals.length, `access.refused naming ${cell.who.number}, ${cell.capability}${aboutStudent ? " and the student" : ""}`).toBeGreaterThanOrEqual(
        1,
      );
    }
  }

  const title = (cell: Cell) =>
    `#${cell.n} ${cell.who.label} ${cell.allowed ? "may" : "may not"} ${cell.capability}${cell.target ? ` for ${cell.target}` : ""} [${cell.who.roles.map((r) => r.role).join("+") || cell.who.kind}]`;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    connector = await startFakeConnector();
    const config = testServiceConfig(testDb.url, {
      NUDGE_CHANNELS: "teams",
      NUDGE_QUIET_HOURS: "off",
    });
    service = await startService(config, createLogger("silent"));
    base = `http://127.0.0.1:${service.port}`;

    // buildWorld gives the admin A0001 and the personal tutor T0001 (tutor of everyone: reassigned below).
    const world = await buildWorld(
      db(),
      TARGET_KEYS.map((t) => ({ number: t, programme: TARGETS[t].programme, year: TARGETS[t].year, activity: healthy() })),
    );
    for (const t of TARGET_KEYS) {
      studentIds.set(t, world.ids.get(t)!);
      await p().student.update({ where: { id: world.ids.get(t)! }, data: { givenName: TARGETS[t].given, familyName: TARGETS[t].family } });
    }
    await p().student.update({ where: { id: studentIds.get("S1")! }, data: { entraObjectId: person("student").aad } });
    await p().tutorAssignment.deleteMany({});
    const programmeId = async (code: string) => (await p().programme.findUniqueOrThrow({ where: { code } })).id;
    for (const who of PEOPLE.filter((w) => w.kind === "staff")) {
      const existing = await p().staff.findUnique({ where: { staffNumber: who.number } });
      const staff = existing
        ? await p().staff.update({ where: { id: existing.id }, data: { displayName: who.label, entraObjectId: who.aad } })
        : await p().staff.create({ data: { staffNumber: who.number, displayName: who.label, entraObjectId: who.aad } });
      staffIds.set(who.key, staff.id);
      await p().staffRoleAssignment.deleteMany({ where: { staffId: staff.id } });
      for (const held of who.roles) {
        const scope = { programmeId: held.programme ? await programmeId(held.programme) : null, yearOfStudy: held.year ?? null };
        await p().staffRoleAssignment.create({ data: { staffId: staff.id, role: held.role, ...scope, scopeKey: roleScopeKey(held.role, scope) } });
      }
      for (const t of who.tutees)
        await p().tutorAssignment.create({ data: { studentId: studentIds.get(t)!, staffId: staff.id, startDate: new Date("2025-09-22T00:00:00Z") } });
    }
    for (const t of WITH_CONCERN) await concernOf(t, 0);
    for (const t of CONSENTED) await p().consent.create({ data: { studentId: studentIds.get(t)!, purpose: SPECIAL_PURPOSE, state: "granted", source: "sis" } });

    // One rule per person for `rules disable --as` (each cell changes only its own).
    const library = checkFiles("rules/library", null);
    const template = library.rules.find((r) => r.rule.document.id === "no-vle-10-days")!.rule.document;
    const admin = (await staffByNumber(db(), "A0001"))!;
    const rules = PEOPLE.map((who) => validateRule({ ...template, id: `matrix-${who.key.toLowerCase()}` }, { calendar: library.calendar!.document }).rule!);
    await saveAll(db(), { calendar: library.calendar, rules: rules.map((rule) => ({ rule })) }, admin);
    for (const rule of rules) await setEnabled(db(), rule.document.id, true, admin);

    // S1's nudge, already sent, which "why did I get this?" explains.
    await p().intervention.create({
      data: {
        studentId: studentIds.get("S1")!,
        kind: "nudge",
        state: "sent",
        body: "Hi Robin, checking in.",
        proposedBy: "rule:matrix@1",
        templateData: {
          texts: {},
          flagIds: [],
          evidence: [
            {
              asOf: "2026-11-20",
              rule: { id: "matrix", version: 1, title: "MATRIX-EVIDENCE rule", condition: "true" },
              metrics: {},
              sources: {},
              cohort: "XA year 1",
            },
          ],
        },
      },
    });
    // Something for each personal tutor's digest, so each has a card of their own to press buttons on.
    await proposal("S1", "seed");
    await proposal("S2", "seed");
    for (const tutor of TUTORS) {
      const from = connector.calls.length;
      await say(tutor, "digest now");
      const card = connector.calls
        .slice(from)
        .filter((c) => c.path.includes(encodeURIComponent(conversationOf(tutor).id)))
        .at(-1)?.body?.attachments?.[0]?.content;
      const approve = cardActions(card).find((a) => a.verb === "digest.approve");
      expect(approve, `${tutor.label}'s digest has an Approve button`).toBeDefined();
      digests.set(tutor.key, { digestId: Number(approve!.data.digestId), approve: approve! });
    }
    digestOfTutorA = digests.get("tutorA")!.digestId;
  });

  afterAll(async () => {
    await service?.stop();
    await connector?.close();
    await testDb?.drop();
  });

  /**
   * A dozen cells written out by hand from POLICY P5, not worked out from MATRIX: if the matrix
   * itself drifted (a tutor given every student, an admin given the digest), the cells above would
   * follow it and still pass; these would not.
   */
  const PINNED: [who: string, capability: CapabilityName, target: TargetKey | undefined, allowed: boolean][] = [
    ["tutorA", "student.read", "S1", true],
    ["tutorA", "student.read", "S2", false],
    ["tutorB", "intervention.decide", "S1", false],
    ["levelTutor", "student.contact", "S1", true],
    ["levelTutor", "student.contact", "S2", false],
    ["leader", "student.read", "S2", true],
    ["leaderYB", "student.read", "S1", false],
    ["centre", "student.read", "S1", false],
    ["centre", "analytics.ask", undefined, true],
    ["admin", "student.read", "S1", false],
    ["admin", "student.erase", "S3", true],
    ["adminTutor", "intervention.decide", "S1", true],
    ["operator", "audit.read", undefined, false],
    ["safeguarding", "student.read", "S1", true],
    ["safeguarding", "student.read", "S2", false],
    ["student", "student.export", "S1", true],
    ["student", "student.read", "S2", false],
    ["tutorA", "student.special_category.read", "S1", true],
    ["tutorB", "student.special_category.read", "S2", false],
  ];

  it("pins cells of the matrix by hand, and each is among the cells run above", () => {
    for (const [key, capability, target, allowed] of PINNED) {
      const label = `${key} ${capability}${target ? ` for ${target}` : ""}`;
      expect(expected(person(key), capability, target), label).toBe(allowed);
      expect(
        cells.some((c) => c.who.key === key && c.capability === capability && c.target === target),
        `${label} is run`,
      ).toBe(true);
    }
  });

  it("covers every role and capability of the matrix, and the approval policy lets the matrix decide", () => {
    for (const role of ROLES) expect(PEOPLE.some((w) => (role === "student" ? w.kind === "student" : w.roles.some((r) => r.role === role)))).toBe(true);
    for (const capability of Object.keys(CAPABILITIES)) expect(cells.some((c) => c.capability === capability)).toBe(true);
    // The CLI and digest approvals are of nudges: the policy must name exactly the roles the matrix lets decide.
    expect([...DEFAULT_POLICY.nudge.roles].sort()).toEqual(ROLES.filter((r) => MATRIX[r]["intervention.decide"]).sort());
    const byVia = new Map<string, { allowed: number; refused: number }>();
    for (const cell of cells) {
      const key = `${cell.capability} via ${cell.entry.via}`;
      const counts = byVia.get(key) ?? { allowed: 0, refused: 0 };
      counts[cell.allowed ? "allowed" : "refused"]++;
      byVia.set(key, counts);
    }
    const lines = [...byVia].map(([key, c]) => `  ${key}: ${c.allowed} allowed, ${c.refused} refused`);
    console.log(
      `permission matrix: ${cells.length} cells (${cells.filter((c) => c.allowed).length} allowed, ${cells.filter((c) => !c.allowed).length} refused)\n${lines.join("\n")}`,
    );
  });

  describe("in Teams (POST /api/messages: messages and card invokes)", () => {
    for (const cell of cells.filter((c) => c.entry.kind === "bot")) it(`${title(cell)} — ${cell.entry.via}`, () => check(cell));
  });

  describe("with no entry point yet: the access gate's own answer", () => {
    for (const cell of cells.filter((c) => c.entry.kind === "decide")) it(`${title(cell)} — ${cell.entry.via}`, () => check(cell));
  });

  describe("at the command line (nudge … --as)", () => {
    const cliCells = cells.filter((c) => c.entry.kind === "cli");
    const seen = new Map<number, Seen>();
    let since = 0;

    // Every cell's command, run through the CLI's own entry function in one child process (two at
    // once on PostgreSQL; SQLite's deferred transactions in two processes can meet "database is
    // locked"), since a process per command costs a second each. Each cell acts on its own things
    // (its own intervention, rule, value, new staff number, or a student like the target), so what
    // each did can be read afterwards.
    beforeAll(async () => {
      since = await lastAuditId();
      const prepared: ({ cell: Cell } & Awaited<ReturnType<NonNullable<Entry["prepare"]>>>)[] = [];
      for (const cell of cliCells) prepared.push({ cell, ...(await cell.entry.prepare!(cell)) });
      const processes = suiteDatabaseKind === "postgresql" ? 2 : 1;
      const shares = Array.from({ length: processes }, (_, k) => prepared.filter((_, i) => i % processes === k));
      const runs = await Promise.all(
        shares.map((share) =>
          runNudgeBatch(
            share.map((c) => c.args),
            cliEnv(),
          ),
        ),
      );
      for (const [k, share] of shares.entries()) for (const [i, c] of share.entries()) seen.set(c.cell.n, await c.seen(runs[k]![i]!));
    }, 180_000);

    for (const cell of cliCells) it(`${title(cell)} — ${cell.entry.via}`, () => verify(cell, seen.get(cell.n)!, since));

    it("each in a process of its own, as `npx nudge` runs: the same answers (a refusal exits 1, audited)", async () => {
      const tutorB = person("tutorB");
      const refused: Cell = { n: 2001, who: tutorB, capability: "intervention.decide", target: "S1", entry: cliApprove, allowed: false };
      const allowed: Cell = { n: 2002, who: tutorB, capability: "intervention.decide", target: "S2", entry: cliApprove, allowed: true };
      for (const cell of [refused, allowed]) {
        const at = await lastAuditId();
        verify(cell, await cell.entry.run(cell), at);
      }
      expect((await nudge(["audit", "--as", tutorB.number])).code).toBe(1);
    });
  });

  describe("digest buttons with an edited payload: each personal tutor on their own card, with another student's intervention", () => {
    let n = 1000;
    for (const tutor of TUTORS) {
      for (const target of TARGET_KEYS) {
        const allowed = expected(tutor, "intervention.decide", target);
        const cell = ++n;
        it(`#${cell} ${tutor.label} presses Approve on their own digest with ${target}'s intervention: ${allowed ? "approved" : "refused, audited, unchanged"}`, async () => {
          const { approve } = digests.get(tutor.key)!;
          const id = await proposal(target, cell);
          const since = await lastAuditId();
          const answer = await press(tutor, "digest.approve", { ...approve.data, studentId: studentIds.get(target)!, interventionId: id });
          const state = await stateOf(id);
          const refusals = await p().auditLog.findMany({
            where: { id: { gt: since }, action: "access.refused", actorId: tutor.number, studentId: studentIds.get(target)! },
          });
          if (allowed) {
            expect(answer.card).toBe(true);
            expect(state).toBe("queued");
            expect(refusals).toHaveLength(0);
          } else {
            expect(answer.text).toMatch(/can't do that for this student\. The attempt has been recorded/);
            expect(state).toBe("awaiting_approval");
            expect(refusals).toHaveLength(1);
            expect(refusals[0]!.details).toMatchObject({ capability: "intervention.decide" });
            // Nothing about the student on the answer.
            expect(answer.text).not.toContain(TARGETS[target].family);
          }
        });
      }
    }

    it("a tutor pressing Approve on another tutor's card (its digest id) is refused and audited", async () => {
      const tutorB = person("tutorB");
      const id = await proposal("S1", "other card");
      const since = await lastAuditId();
      const answer = await press(tutorB, "digest.approve", { ...digests.get("tutorA")!.approve.data, interventionId: id });
      expect(answer.text).toMatch(/isn't yours/);
      expect(await stateOf(id)).toBe("awaiting_approval");
      const refusals = await p().auditLog.findMany({ where: { id: { gt: since }, action: "access.refused", actorId: tutorB.number } });
      expect(refusals).toEqual([
        expect.objectContaining({
          targetType: "digest",
          targetId: String(digests.get("tutorA")!.digestId),
          details: expect.objectContaining({ verb: "digest.approve" }),
        }),
      ]);
    });
  });

  describe("what is not a cell of the matrix", () => {
    it("a student typing staff commands about another student is told they are for staff, and shown nothing", async () => {
      for (const text of ["student S2", "student Bellamy", "my tutees", "digest now"]) {
        const answer = await say(person("student"), text);
        expect(answer).toMatch(/something staff can ask/);
        for (const t of TARGET_KEYS) expect(answer).not.toContain(TARGETS[t].family);
      }
    });

    it("someone unknown is shown nothing in Teams, whatever they ask or press", async () => {
      const stranger = person("unknown");
      for (const text of ["student S1", "my tutees", "digest now", "what data do you hold about me?"])
        expect(await say(stranger, text)).toMatch(/don't recognise your account/);
      expect((await press(stranger, "digest.approve", { digestId: digestOfTutorA, interventionId: 1 })).text).toMatch(/don't recognise your account/);
    });

    it("no other HTTP route serves anyone's data or acts for a role", async () => {
      for (const path of ["/healthz", "/readyz", "/privacy"]) {
        const body = await (await fetch(`${base}${path}`)).text();
        for (const t of TARGET_KEYS) {
          expect(body).not.toContain(TARGETS[t].family);
          expect(body).not.toContain(TARGETS[t].given);
        }
      }
    });
  });
});
