/**
 * Referral and escalation cases below the bot: where each kind goes as configured (and a bad
 * setting named), an approved escalation handed to its team, reminders of cases nobody took on,
 * and case links that are good for nothing else.
 */
import { describe, expect, it } from "vitest";
import { acknowledgeToken, readAcknowledgeToken } from "../../safeguarding/index.ts";
import { acknowledgeCase, caseLinkUrl, escalationCase, readCaseLink, remindUnacknowledged, type ReferralSettings } from "../../referrals/index.ts";
import { ConfigError, parseConfig } from "../../server/config.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";
import { useMigratedDatabase } from "../helpers/database.ts";

const SECRET = "referral-cases-test-link-secret-of-32-chars";

function problemsOf(env: Record<string, string>): Record<string, string> {
  try {
    parseConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return Object.fromEntries((error as ConfigError).problems.map((p) => [p.variable, p.message]));
  }
  throw new Error("expected a ConfigError");
}

describe("where referrals and escalations go, as configured", () => {
  it("reads named staff and shared mailboxes per kind, with the team's name", () => {
    const config = parseConfig({
      PUBLIC_BASE_URL: "https://nudge.example.ac.uk",
      NUDGE_REFERRAL_DESTINATIONS: "C0001, StudentCentre@Example.ac.uk",
      NUDGE_REFERRAL_TEAM: "the Student Hub",
      NUDGE_ESCALATION_DESTINATIONS: "P0001",
    });
    expect(config.referrals.destinations).toEqual({
      referral: {
        team: "the Student Hub",
        contacts: [
          { kind: "staff", staffNumber: "C0001" },
          { kind: "email", address: "studentcentre@example.ac.uk" },
        ],
      },
      escalation: { team: "the student's programme team", contacts: [{ kind: "staff", staffNumber: "P0001" }] },
    });
    expect(config.referrals.remindHours).toBe(48);
  });

  it("leaves a kind with no destination out: it is not set up", () => {
    expect(parseConfig({}).referrals.destinations).toEqual({});
  });

  it("names the variable of each bad setting", () => {
    expect(problemsOf({ NUDGE_REFERRAL_DESTINATIONS: "C0001, not an address!" })).toEqual({
      NUDGE_REFERRAL_DESTINATIONS: '"not an address!" is neither a staff number nor an email address (got "C0001, not an address!")',
    });
    expect(problemsOf({ NUDGE_ESCALATION_DESTINATIONS: "leaders@example.ac.uk" })).toEqual({
      PUBLIC_BASE_URL: "required when NUDGE_ESCALATION_DESTINATIONS names a mailbox (its emails carry the acknowledgement link)",
    });
    expect(problemsOf({ NUDGE_REFERRAL_TEAM: "x" })).toEqual({
      NUDGE_REFERRAL_TEAM: 'must be a team\'s name of 3 to 80 characters on one line (got "x")',
    });
    expect(problemsOf({ NUDGE_REFERRAL_REMIND_HOURS: "-1" })).toEqual({ NUDGE_REFERRAL_REMIND_HOURS: 'must be between 0 and 720 (got "-1")' });
  });
});

describe("case links", () => {
  const recipient = { kind: "email" as const, address: "studentcentre@example.ac.uk" };

  it("read back the case and the address they were made for", () => {
    const url = caseLinkUrl("https://nudge.example.ac.uk/", SECRET, 12, recipient);
    expect(url).toMatch(/^https:\/\/nudge\.example\.ac\.uk\/referrals\/case\/12\./);
    expect(readCaseLink(SECRET, url.split("/").at(-1))).toEqual({ caseId: 12, recipient });
  });

  it("are refused with another secret, and are not safeguarding links (nor the other way round)", () => {
    const token = caseLinkUrl("https://x.example", SECRET, 12, recipient).split("/").at(-1)!;
    expect(readCaseLink("another-secret-of-at-least-32-characters", token)).toBeNull();
    expect(readAcknowledgeToken(SECRET, token)).toBeNull();
    expect(readCaseLink(SECRET, acknowledgeToken(SECRET, 12, recipient))).toBeNull();
  });
});

describe.each(databaseKindsUnderTest())("escalations and reminders on %s", (kind) => {
  const database = useMigratedDatabase(kind);
  const settings = (overrides: Partial<ReferralSettings> = {}): ReferralSettings => ({
    destinations: {
      referral: { team: "the Student Centre's support team", contacts: [{ kind: "staff", staffNumber: "C0001" }] },
      escalation: { team: "the programme leaders", contacts: [{ kind: "email", address: "leaders@example.ac.uk" }] },
    },
    remindHours: 48,
    publicBaseUrl: "https://nudge.example.ac.uk",
    linkSecret: SECRET,
    timezone: "Europe/London",
    ...overrides,
  });
  const at = new Date("2026-11-20T10:00:00Z");

  async function student(number: string) {
    const p = database.db.prisma;
    const tutor = await p.staff.upsert({ where: { staffNumber: "T0001" }, create: { staffNumber: "T0001", displayName: "Dr Tutor" }, update: {} });
    await p.staff.upsert({ where: { staffNumber: "C0001" }, create: { staffNumber: "C0001", displayName: "Casey Centre" }, update: {} });
    const s = await p.student.create({ data: { studentNumber: number, givenName: `Given ${number}`, familyName: "Family" } });
    const escalation = await p.intervention.create({
      data: {
        studentId: s.id,
        kind: "escalation",
        state: "queued",
        body: "We'd like to hear from you",
        proposedBy: "rule:no-engagement-14-days@1",
        approvedById: tutor.id,
        approvedAt: at,
        decisionNote: "Not seen for three weeks",
      },
    });
    return { studentId: s.id, escalationId: escalation.id, tutorId: tutor.id };
  }

  it("an approved escalation becomes a case for the escalation team, once; a nudge or nothing set up opens none", async () => {
    const p = database.db.prisma;
    const { studentId, escalationId } = await student("E1");
    expect(await escalationCase(database.db, escalationId, "T0001", settings({ destinations: {} }), at)).toBeNull();
    // C0001 has neither Teams nor an email address: nobody would receive it.
    const unreachable = { escalation: { team: "the programme leaders", contacts: [{ kind: "staff" as const, staffNumber: "C0001" }] } };
    expect(await escalationCase(database.db, escalationId, "T0001", settings({ destinations: unreachable }), at)).toBeNull();
    const opened = await escalationCase(database.db, escalationId, "T0001", settings(), at);
    expect(opened).not.toBeNull();
    expect(await p.referralCase.findUniqueOrThrow({ where: { id: opened!.caseId } })).toMatchObject({
      interventionId: escalationId,
      kind: "escalation",
      destination: "the programme leaders",
      note: "Not seen for three weeks",
      state: "open",
    });
    const [mail] = await p.staffMessage.findMany({ where: { kind: "referral_case", studentId } });
    expect(mail).toMatchObject({ address: "leaders@example.ac.uk", channel: "email", state: "pending" });
    expect(mail!.subject).toBe("Escalation from Dr Tutor about Given E1 Family (E1)");
    expect(mail!.text).toContain('What the student was told: The message Dr Tutor approved: "We\'d like to hear from you"');
    expect(await escalationCase(database.db, escalationId, "T0001", settings(), at)).toBeNull();

    const nudge = await p.intervention.create({ data: { studentId, kind: "nudge", state: "queued", body: "Hi", proposedBy: "rule:r@1" } });
    expect(await escalationCase(database.db, nudge.id, "T0001", settings(), at)).toBeNull();
    expect(await p.referralCase.count({ where: { studentId } })).toBe(1);
  });

  it("reminds the team once of a case nobody acknowledged in time, and never of one taken on", async () => {
    const p = database.db.prisma;
    // The case of the test before is someone else's: taken on already.
    await p.referralCase.updateMany({ where: { state: "open" }, data: { state: "acknowledged", acknowledgedAt: at, acknowledgedBy: "C0001" } });
    const late = await student("E2");
    const taken = await student("E3");
    const lateCase = (await escalationCase(database.db, late.escalationId, "T0001", settings(), at))!;
    const takenCase = (await escalationCase(database.db, taken.escalationId, "T0001", settings(), at))!;
    await acknowledgeCase(database.db, takenCase.caseId, { kind: "link", recipient: { kind: "email", address: "leaders@example.ac.uk" } }, at);
    const before = await p.staffMessage.count({ where: { kind: "referral_case" } });

    expect(await remindUnacknowledged(database.db, settings(), new Date(at.getTime() + 47 * 3_600_000))).toMatchObject({ reminded: 0 });
    const due = new Date(at.getTime() + 49 * 3_600_000);
    expect(await remindUnacknowledged(database.db, settings(), due)).toMatchObject({ reminded: 1 });
    expect(await remindUnacknowledged(database.db, settings(), due)).toMatchObject({ reminded: 0 });
    const reminders = await p.staffMessage.findMany({ where: { kind: "referral_case", id: { gt: 0 } }, orderBy: { id: "asc" }, skip: before });
    expect(reminders.map((r) => [r.studentId, r.address, r.subject])).toEqual([
      [late.studentId, "leaders@example.ac.uk", "Reminder, not yet acknowledged: Escalation from Dr Tutor about Given E2 Family (E2)"],
    ]);
    expect(await p.auditLog.count({ where: { action: "referral.case_reminded", targetId: String(lateCase.caseId) } })).toBe(1);
    expect(await remindUnacknowledged(database.db, settings({ remindHours: 0 }), new Date(at.getTime() + 999 * 3_600_000))).toMatchObject({ reminded: 0 });
  });
});
