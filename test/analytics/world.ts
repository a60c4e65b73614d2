/**
 * A hand-built institution for analytics tests, on top of the rules' world (test/rules/world.ts):
 * 60 students in nine cohorts, with flags, nudges, replies, invitations, meetings and rule
 * feedback written out so every figure can be worked out by hand. The cohorts are chosen so that
 * several cells are 1 to 4 (hidden) beside cells of 5 or more, which is what differencing attacks
 * need.
 *
 * Students enrolled long before D; "inactive" ones have no VLE activity from D-20 on (other
 * sources as usual); "silent" ones have nothing at all from D-20 on.
 *
 *   cohort        students  VLE-inactive  of whom silent
 *   COMP year 1      12          3              0
 *   COMP year 2       8          6              0
 *   COMP year 3       6          0              0
 *   HIST year 1       7          5              0
 *   HIST year 2       3          1              0
 *   LAW  year 1       8          0              0
 *   LAW  year 3       6          5              0
 *   SENG year 1       5          0              0
 *   SENG year 4       5          4              4     (MEng: year 4 is the final year)
 *
 * NOW is the morning after D (Friday 20 November 2026): today is Saturday 21 November, "this week"
 * is 16-21 November, "this month" 1-21 November, "last week" 9-15 November.
 */
import type { Database } from "../../prisma/index.ts";
import { roleScopeKey } from "../../access/index.ts";
import { buildWorld, D, DAY_MS, except, healthy, RUN_TIME, type DayActivity, type StudentSpec } from "../rules/world.ts";

export { D, DAY_MS };
export const NOW = RUN_TIME;

export const PROGRAMMES = [
  { code: "COMP-BSC", title: "BSc Computing", lengthYears: 3 },
  { code: "HIST-BA", title: "BA History", lengthYears: 3 },
  { code: "LAW-LLB", title: "LLB Law", lengthYears: 3 },
  { code: "SENG-MENG", title: "MEng Software Engineering", lengthYears: 4 },
] as const;

const noVle = except(healthy(), (day, usual): DayActivity => (day >= D - 20 ? { ...usual, vle: undefined } : usual));
const silent = except(healthy(), (day, usual): DayActivity => (day >= D - 20 ? {} : usual));

/** Cohort → student numbers, in order (the first `inactive` of each are the inactive ones). */
export const COHORTS: Record<string, string[]> = {};

function specs(): StudentSpec[] {
  const out: StudentSpec[] = [];
  let next = 1;
  const cohort = (programme: string, year: number, size: number, inactive: number, silentCount = 0) => {
    const key = `${programme.split("-")[0]}${year}`;
    COHORTS[key] = [];
    for (let i = 0; i < size; i++) {
      const number = `S${String(next++).padStart(7, "0")}`;
      COHORTS[key].push(number);
      out.push({ number, programme, year, activity: i < silentCount ? silent : i < inactive ? noVle : healthy() });
    }
  };
  cohort("COMP-BSC", 1, 12, 3);
  cohort("COMP-BSC", 2, 8, 6);
  cohort("COMP-BSC", 3, 6, 0);
  cohort("HIST-BA", 1, 7, 5);
  cohort("HIST-BA", 2, 3, 1);
  cohort("LAW-LLB", 1, 8, 0);
  cohort("LAW-LLB", 3, 6, 5);
  cohort("SENG-MENG", 1, 5, 0);
  cohort("SENG-MENG", 4, 5, 4, 4);
  return out;
}

export const RULES = {
  noVle: { id: "no-vle-14", title: "No VLE activity for 14 days" },
  lowAttendance: { id: "low-attendance", title: "Low attendance" },
  missed: { id: "missed-submission", title: "Missed submission" },
  retired: { id: "retired-rule", title: "Retired rule" },
} as const;

export interface AnalyticsWorld {
  ids: Map<string, number>;
  programmeIds: Record<string, number>;
  /** Staff numbers by who they are. */
  staff: { admin: string; tutor: string; centre: string; levelTutor: string; leader: string; operator: string };
}

const at = (day: number, hour = 10) => new Date(day * DAY_MS + hour * 3_600_000);
const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

export async function buildAnalyticsWorld(db: Database): Promise<AnalyticsWorld> {
  const world = await buildWorld(db, specs());
  const p = db.prisma;
  const ids = world.ids;
  const id = (number: string) => ids.get(number)!;
  for (const programme of PROGRAMMES)
    await p.programme.update({ where: { code: programme.code }, data: { title: programme.title, lengthYears: programme.lengthYears } });

  // Staff who may ask (and some who may not).
  const comp = await p.programme.findUniqueOrThrow({ where: { code: "COMP-BSC" } });
  const person = async (
    staffNumber: string,
    role: "student_centre" | "level_tutor" | "programme_leader" | "operator",
    scope: { programmeId?: number; yearOfStudy?: number } = {},
  ) => {
    const staff = await p.staff.create({ data: { staffNumber, displayName: staffNumber } });
    await p.staffRoleAssignment.create({
      data: { staffId: staff.id, role, programmeId: scope.programmeId, yearOfStudy: scope.yearOfStudy, scopeKey: roleScopeKey(role, scope) },
    });
  };
  await person("C0001", "student_centre");
  await person("L0001", "level_tutor", { programmeId: comp.id, yearOfStudy: 1 });
  await person("P0001", "programme_leader", { programmeId: comp.id });
  await person("O0001", "operator");

  // Rules and flags.
  for (const rule of Object.values(RULES)) await p.rule.create({ data: { id: rule.id, title: rule.title, enabled: rule.id !== RULES.retired.id } });
  const flag = (number: string, ruleId: string, day: number) =>
    p.flag.create({ data: { studentId: id(number), ruleId, ruleVersion: 1, periodKey: isoDay(day), day, evidence: {}, raisedAt: at(day + 1, 6) } });
  const inactive = (key: string, count: number) => COHORTS[key]!.slice(0, count);
  for (const [key, count] of [
    ["COMP1", 3],
    ["COMP2", 6],
    ["HIST1", 5],
    ["HIST2", 1],
    ["LAW3", 5],
    ["SENG4", 4],
  ] as const) {
    for (const number of inactive(key, count)) await flag(number, RULES.noVle.id, D);
  }
  for (const number of COHORTS.COMP2!.slice(6, 8)) await flag(number, RULES.lowAttendance.id, D - 1);
  for (const number of COHORTS.HIST1!.slice(0, 6)) await flag(number, RULES.missed.id, D - 2);
  // Last week, for the same students again.
  for (const number of [...inactive("COMP1", 3), ...inactive("LAW3", 5)]) await flag(number, RULES.noVle.id, D - 8);

  // Nudges: this month's, one from last month, one not sent, and an answer to a student (not outreach).
  const tutor = world.tutorId;
  const nudge = async (
    number: string,
    channel: "teams" | "sms" | "email",
    day: number | null,
    replied: boolean,
    kind: "nudge" | "reply" | "invitation_to_talk" = "nudge",
  ) => {
    const intervention = await p.intervention.create({
      data: { studentId: id(number), kind, state: day === null ? "queued" : "sent", channel, body: "…", proposedBy: "rule:test@1" },
    });
    await p.delivery.create({
      data: { interventionId: intervention.id, channel, dueAt: at(day ?? D), state: day === null ? "pending" : "sent", sentAt: day === null ? null : at(day) },
    });
    if (replied)
      await p.reply.create({
        data: { studentId: id(number), interventionId: intervention.id, channel, text: "thanks", classification: "thanks", receivedAt: at((day ?? D) + 1) },
      });
    return intervention.id;
  };
  for (const [i, number] of COHORTS.COMP1!.slice(3).entries()) await nudge(number, "teams", D - 3, i < 6);
  for (const [i, number] of COHORTS.LAW1!.slice(0, 3).entries()) await nudge(number, "sms", D - 2, i < 1);
  for (const [i, number] of COHORTS.LAW1!.entries()) await nudge(number, "email", D - 1, i < 2);
  await nudge(COHORTS.COMP3![0]!, "teams", D - 40, true);
  await nudge(COHORTS.COMP3![1]!, "teams", null, false);
  await nudge(COHORTS.HIST1![0]!, "teams", D - 1, false, "reply");

  // Invitations to talk and meetings.
  const meeting = async (number: string, sentDay: number, slotDay: number | null, state: "booked" | "held" | "no_show") => {
    const interventionId = await nudge(number, "teams", sentDay, false, "invitation_to_talk");
    if (slotDay === null) return;
    await p.meeting.create({
      data: { interventionId, studentId: id(number), tutorId: tutor, state, proposedSlots: [], startsAt: at(slotDay, 14), endsAt: at(slotDay, 15) },
    });
  };
  for (const [i, number] of COHORTS.HIST1!.slice(0, 6).entries()) await meeting(number, D - 10, D - 5, i < 5 ? "held" : "no_show");
  await meeting(COHORTS.HIST1![6]!, D - 2, D + 3, "booked");
  for (const number of COHORTS.COMP2!.slice(0, 2)) await meeting(number, D - 3, D - 1, "held");
  for (const number of COHORTS.COMP3!.slice(0, 5)) await meeting(number, D - 35, D - 30, "held");

  // Tutors' verdicts: recent ones, and one from long ago.
  const verdict = (ruleId: string, verdict: "useful" | "not_useful" | "wrong_data", day: number) =>
    p.ruleFeedback.create({ data: { ruleId, staffId: tutor, verdict, createdAt: at(day) } });
  for (let i = 0; i < 6; i++) await verdict(RULES.noVle.id, "useful", D - 1);
  for (let i = 0; i < 2; i++) await verdict(RULES.noVle.id, "not_useful", D - 1);
  await verdict(RULES.missed.id, "useful", D - 1);
  await verdict(RULES.lowAttendance.id, "wrong_data", D - 200);

  // LAW3 attends one of their two weekday sessions from D-27 on (the attendance rate's figures).
  await p.engagementDaily.updateMany({
    where: { studentId: { in: COHORTS.LAW3!.map(id) }, source: "attendance", day: { gte: D - 27 } },
    data: { count: 1 },
  });

  // Submissions beyond the usual one on D-20: LAW1's first 5 miss one due on D-5, LAW3's first 2
  // hand one in late that day, and LAW3's sixth missed one on D-40.
  const submission = (number: string, day: number, handedIn: number, late: number, missed: number) => ({
    studentId: id(number),
    day,
    source: "submission" as const,
    count: handedIn,
    expected: 1,
    late,
    missed,
  });
  await p.engagementDaily.createMany({
    data: [
      ...COHORTS.LAW1!.slice(0, 5).map((n) => submission(n, D - 5, 0, 0, 1)),
      ...COHORTS.LAW3!.slice(0, 2).map((n) => submission(n, D - 5, 1, 1, 0)),
      submission(COHORTS.LAW3![5]!, D - 40, 0, 0, 1),
    ],
  });

  // Help requests: COMP2's first 6 on D-2 (the first again on D-1), LAW3's first 2 on D-8, HIST1's first on D-40.
  const askedForHelp = (number: string, day: number) =>
    p.reply.create({ data: { studentId: id(number), channel: "teams", text: "…", classification: "needs_help", receivedAt: at(day) } });
  for (const number of COHORTS.COMP2!.slice(0, 6)) await askedForHelp(number, D - 2);
  await askedForHelp(COHORTS.COMP2![0]!, D - 1);
  for (const number of COHORTS.LAW3!.slice(0, 2)) await askedForHelp(number, D - 8);
  await askedForHelp(COHORTS.HIST1![0]!, D - 40);
  // Referrals: COMP2's first 5 on D-1, LAW3's first on D-8, COMP3's third on D-35; one rejected
  // (HIST1's second) and one escalation (HIST1's third), neither of them a referral made.
  const refer = (number: string, day: number, kind: "referral" | "escalation" = "referral", state: "sent" | "rejected" = "sent") =>
    p.intervention.create({
      data: {
        studentId: id(number),
        kind,
        state,
        body: "…",
        proposedBy: "staff:T0001",
        createdAt: at(day, 9),
        ...(state === "sent" ? { approvedById: tutor, approvedAt: at(day) } : {}),
      },
    });
  for (const number of COHORTS.COMP2!.slice(0, 5)) await refer(number, D - 1);
  await refer(COHORTS.LAW3![0]!, D - 8);
  await refer(COHORTS.COMP3![2]!, D - 35);
  await refer(COHORTS.HIST1![1]!, D - 1, "referral", "rejected");
  await refer(COHORTS.HIST1![2]!, D - 1, "escalation");

  // Opt-outs and pauses as they stand at NOW: COMP1's first 6 have opted out of SMS (the first 2 of
  // email too); LAW1's first 5 of email (the first 2 of Teams too); SENG1 all paused for another week;
  // HIST2's first paused until yesterday (over); COMP3's first opts out of SMS only tomorrow.
  const contact = (numbers: readonly string[], data: { teamsOptOutAt?: Date; smsOptOutAt?: Date; emailOptOutAt?: Date; pausedUntil?: Date }) =>
    p.student.updateMany({ where: { id: { in: numbers.map(id) } }, data });
  await contact(COHORTS.COMP1!.slice(0, 6), { smsOptOutAt: at(D - 30) });
  await contact(COHORTS.COMP1!.slice(0, 2), { emailOptOutAt: at(D - 3) });
  await contact(COHORTS.LAW1!.slice(0, 5), { emailOptOutAt: at(D - 10) });
  await contact(COHORTS.LAW1!.slice(0, 2), { teamsOptOutAt: at(D - 1) });
  await contact(COHORTS.SENG1!, { pausedUntil: at(D + 8) });
  await contact(COHORTS.HIST2!.slice(0, 1), { pausedUntil: at(D) });
  await contact(COHORTS.COMP3!.slice(0, 1), { smsOptOutAt: at(D + 2) });

  // A named student, for questions that name someone.
  await p.student.update({ where: { id: id(COHORTS.LAW1![0]!) }, data: { givenName: "Ada", familyName: "Lovelace" } });

  const programmeIds = Object.fromEntries((await p.programme.findMany()).map((row) => [row.code, row.id]));
  return { ids, programmeIds, staff: { admin: world.adminNumber, tutor: "T0001", centre: "C0001", levelTutor: "L0001", leader: "P0001", operator: "O0001" } };
}
