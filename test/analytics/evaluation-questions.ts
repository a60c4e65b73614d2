/**
 * The evaluation set: questions as student-centre staff ask them, none of them the README's
 * examples, each with the measure and filters it must be read as (written by hand). `unsupported`
 * names a measure the question set does not have yet: such a question must not be answered, and
 * counts against the share answered. `refused` questions must be refused (questions of cause).
 */
import type { Query } from "../../analytics/index.ts";

export const EVALUATION_PROGRAMMES = [
  { code: "COMP-BSC", title: "BSc Computing" },
  { code: "HIST-BA", title: "BA History" },
  { code: "LAW-LLB", title: "LLB Law" },
  { code: "SENG-MENG", title: "MEng Software Engineering" },
  { code: "MECH-BENG", title: "BEng Mechanical Engineering" },
  { code: "CS-BSC", title: "BSc Computer Science" },
  { code: "NURS-BSC", title: "BSc Nursing" },
  { code: "PSY-BSC", title: "BSc Psychology" },
  { code: "BM-BA", title: "BA Business Management" },
];

export type Expected = Query | { unsupported: string } | { refused: true };
export type Case = [question: string, expected: Expected];

const days = (n: number) => ({ kind: "last_days", days: n }) as const;
const weeks = (n: number) => ({ kind: "last_weeks", weeks: n }) as const;
const months = (n: number) => ({ kind: "last_months", months: n }) as const;
const thisWeek = { kind: "this_week" } as const;
const lastWeek = { kind: "last_week" } as const;
const thisMonth = { kind: "this_month" } as const;
const lastMonth = { kind: "last_month" } as const;
const today = { kind: "today" } as const;
const yesterday = { kind: "yesterday" } as const;

type Cohort = { programmes?: string[]; year?: number | "final" };
type Source = "vle" | "attendance" | "library" | "submission" | "printing" | "any";
const inactive = (source: Source, period: object, cohort: Cohort = {}, groupBy: "none" | "programme" | "year" = "none"): Query =>
  ({ kind: "inactive", source, period, cohort, groupBy }) as Query;
const flags = (period: object, cohort: Cohort = {}, groupBy: "none" | "programme" | "year" | "rule" | "week" = "none"): Query =>
  ({ kind: "flags", period, cohort, groupBy }) as Query;
const topRules = (period: object, cohort: Cohort = {}, limit = 10): Query => ({ kind: "top_rules", period, cohort, limit }) as Query;
const trend = (sources: Source[] | "all", period: object, cohort: Cohort = {}): Query => ({ kind: "engagement_trend", sources, period, cohort }) as Query;
const reach = (period: object, cohort: Cohort = {}): Query => ({ kind: "reach", period, cohort }) as Query;
const meetings = (period: object, cohort: Cohort = {}, groupBy: "none" | "programme" | "year" = "none"): Query =>
  ({ kind: "meetings", period, cohort, groupBy }) as Query;
const freshness = (source?: Source): Query => (source ? { kind: "freshness", source } : { kind: "freshness" }) as Query;
const feedback = (period: object): Query => ({ kind: "feedback", period }) as Query;
const submissions = (period: object, cohort: Cohort = {}, groupBy: "none" | "programme" | "year" = "none"): Query =>
  ({ kind: "submissions", period, cohort, groupBy }) as Query;
const attendanceRate = (period: object, cohort: Cohort = {}, groupBy: "none" | "programme" | "year" = "none"): Query =>
  ({ kind: "attendance_rate", period, cohort, groupBy }) as Query;
const support = (period: object, cohort: Cohort = {}, groupBy: "none" | "programme" | "year" = "none"): Query =>
  ({ kind: "support", period, cohort, groupBy }) as Query;
const optOuts = (cohort: Cohort = {}, groupBy: "none" | "programme" | "year" = "none"): Query => ({ kind: "opt_outs", cohort, groupBy }) as Query;
const unsupported = (measure: string) => ({ unsupported: measure });

const COMP = ["COMP-BSC"];
const NURS = ["NURS-BSC"];
const PSY = ["PSY-BSC"];
const MECH = ["MECH-BENG"];
const CS = ["CS-BSC"];
const LAW = ["LAW-LLB"];
const HIST = ["HIST-BA"];
const BM = ["BM-BA"];
const SENG = ["SENG-MENG"];

export const EVALUATION: readonly Case[] = [
  // No activity, as staff say it.
  ["how many 2nd years in Nursing haven't logged into Moodle in a fortnight?", inactive("vle", weeks(2), { programmes: NURS, year: 2 })],
  ["how many students haven't logged in to Moodle this week?", inactive("vle", thisWeek)],
  ["nursing students who have not logged into the VLE in the last 10 days", inactive("vle", days(10), { programmes: NURS })],
  ["how many Mech Eng students have had no engagement at all for 2 weeks?", inactive("any", weeks(2), { programmes: MECH })],
  ["how many students had no VLE activity in the last 14 days?", inactive("vle", days(14))],
  ["which programmes have students with no Moodle activity in the last 3 weeks, by programme", inactive("vle", weeks(3), {}, "programme")],
  ["how many first years haven't been on Canvas for 7 days", inactive("vle", days(7), { year: 1 })],
  ["Comp Sci students with no VLE activity this month", inactive("vle", thisMonth, { programmes: CS })],
  ["how many psych students have not used the library in the past 6 weeks?", inactive("library", weeks(6), { programmes: PSY })],
  ["number of final years with no attendance in the last fortnight", inactive("attendance", weeks(2), { year: "final" })],
  ["how many year 2 Law students had no library activity in the last month", inactive("library", months(1), { programmes: LAW, year: 2 })],
  ["students who never visited the library in the last 4 weeks by year", inactive("library", weeks(4), {}, "year")],
  ["how many third years had zero VLE activity in the last 5 days", inactive("vle", days(5), { year: 3 })],
  ["History students inactive on Moodle for a fortnight", inactive("vle", weeks(2), { programmes: HIST })],
  ["how many disengaged first years in Computing over the last 2 weeks", inactive("any", weeks(2), { programmes: COMP, year: 1 })],
  ["no attendance in the last 10 days for second years by programme", inactive("attendance", days(10), { year: 2 }, "programme")],
  ["how many students have not attended lectures in the last 3 weeks?", inactive("attendance", weeks(3))],
  ["how many students didn't attend any classes this week", inactive("attendance", thisWeek)],
  ["how many Nursing students haven't submitted any coursework in the last 6 weeks?", inactive("submission", weeks(6), { programmes: NURS })],
  ["count of students with no printing in the last 30 days", inactive("printing", days(30))],
  ["how many yr 1 students had no VLE activity in the past week", inactive("vle", weeks(1), { year: 1 })],
  ["students not logged into Blackboard for twenty one days", inactive("vle", days(21))],
  ["how many students have not been active at all in the last 2 weeks", inactive("any", weeks(2))],
  ["how many Business Management students had no activity in the last month", inactive("any", months(1), { programmes: BM })],
  ["psychology first years with no library use in the last 8 weeks", inactive("library", weeks(8), { programmes: PSY, year: 1 })],
  ["how many freshers haven't logged in to Moodle in a fortnight", inactive("vle", weeks(2), { year: 1 })],
  ["how many finalists had no attendance this month?", inactive("attendance", thisMonth, { year: "final" })],
  ["Software Engineering final-years with no VLE activity in the last 14 days", inactive("vle", days(14), { programmes: SENG, year: "final" })],
  ["how many Mech Eng 2nd years have not used Moodle in the last week", inactive("vle", weeks(1), { programmes: MECH, year: 2 })],
  ["how many students had no engagement in the last 3 weeks, by year", inactive("any", weeks(3), {}, "year")],
  ["inactive Law students in the last 14 days", inactive("any", days(14), { programmes: LAW })],
  ["how many comp sci year 3 students had no VLE logins in the last 10 days", inactive("vle", days(10), { programmes: CS, year: 3 })],
  ["how many history second years haven't logged in to the VLE this week", inactive("vle", thisWeek, { programmes: HIST, year: 2 })],
  ["how many nursing students had no attendance yesterday", inactive("attendance", yesterday, { programmes: NURS })],
  ["no vle activity today for first years", inactive("vle", today, { year: 1 })],
  ["how many students have not accessed Canvas in the past 2 weeks?", inactive("vle", weeks(2))],
  ["students with no library visits in the last 60 days by programme", inactive("library", days(60), {}, "programme")],
  ["how many 3rd years in Psychology had no activity in a fortnight", inactive("any", weeks(2), { programmes: PSY, year: 3 })],
  ["how many law students haven't used the library this month", inactive("library", thisMonth, { programmes: LAW })],
  ["how many students with no Moodle activity over the last 4 weeks in Nursing", inactive("vle", weeks(4), { programmes: NURS })],
  ["haven't logged into moodle for 3 weeks: how many second years", inactive("vle", weeks(3), { year: 2 })],
  ["how many year 1 Business Management students had no VLE activity in the last 7 days", inactive("vle", days(7), { programmes: BM, year: 1 })],
  ["how many students have had no engagement at all for two weeks", inactive("any", weeks(2))],
  ["no submissions in the last 4 weeks by programme", inactive("submission", weeks(4), {}, "programme")],
  ["how many students in Computing had no VLE activity last week", inactive("vle", lastWeek, { programmes: COMP })],
  ["how many students were inactive last month", inactive("any", lastMonth)],
  ["final year nursing students not logged in to moodle in the past 10 days", inactive("vle", days(10), { programmes: NURS, year: "final" })],
  ["students with no VLE use in the last 3 weeks by year", inactive("vle", weeks(3), {}, "year")],
  ["how many 1st year Mech Eng students had no attendance in the last fortnight?", inactive("attendance", weeks(2), { programmes: MECH, year: 1 })],
  ["how many students have not logged on to Moodle in 14 days", inactive("vle", days(14))],

  ["how many students haven't been to lectures in the past 3 weeks", inactive("attendance", weeks(3))],
  ["how many HIST-BA students had no VLE activity in the last 7 days", inactive("vle", days(7), { programmes: HIST })],
  ["LAW-LLB final years with no library activity in the last 4 weeks", inactive("library", weeks(4), { programmes: LAW, year: "final" })],
  ["how many students had no moodle activity in the last fortnight by programme", inactive("vle", weeks(2), {}, "programme")],
  ["year 2 students with no engagement at all in the last 10 days", inactive("any", days(10), { year: 2 })],
  ["how many nursing 1st years have not logged in to Moodle this month", inactive("vle", thisMonth, { programmes: NURS, year: 1 })],

  // Flags.
  ["how many students got flagged today?", flags(today)],
  ["how many students were flagged yesterday", flags(yesterday)],
  ["flags this month by programme", flags(thisMonth, {}, "programme")],
  ["how many second years were flagged this week", flags(thisWeek, { year: 2 })],
  ["flagged students in Nursing last month", flags(lastMonth, { programmes: NURS })],
  ["how many flags were raised in the last 2 weeks by rule", flags(weeks(2), {}, "rule")],
  ["flags per week over the last 6 weeks", flags(weeks(6), {}, "week")],
  ["how many psych students were flagged in the last 30 days", flags(days(30), { programmes: PSY })],
  ["flags by year this month", flags(thisMonth, {}, "year")],
  ["how many Mech Eng first years were flagged last week", flags(lastWeek, { programmes: MECH, year: 1 })],
  ["number of students flagged in the past fortnight", flags(weeks(2))],
  ["flags for final years in the last 4 weeks by programme", flags(weeks(4), { year: "final" }, "programme")],
  ["how many Comp Sci students were flagged this month", flags(thisMonth, { programmes: CS })],
  ["weekly flags for History over the last 8 weeks", flags(weeks(8), { programmes: HIST }, "week")],
  ["how many students have been flagged so far this week", flags(thisWeek)],
  ["flags in Law by rule last month", flags(lastMonth, { programmes: LAW }, "rule")],
  ["how many year 3 students were flagged in the last 10 days", flags(days(10), { year: 3 })],
  ["flagged students by programme in the last 3 months", flags(months(3), {}, "programme")],
  ["how many business management students got flagged last week", flags(lastWeek, { programmes: BM })],
  ["flags broken down by rule this week", flags(thisWeek, {}, "rule")],

  // Top rules.
  ["which rule flagged the most students last month", topRules(lastMonth)],
  ["top 3 rules this week", topRules(thisWeek, {}, 3)],
  ["what rules flagged the most nursing students this month", topRules(thisMonth, { programmes: NURS })],
  ["top rules for second years in the last 4 weeks", topRules(weeks(4), { year: 2 })],
  ["which rules flagged most first years last week", topRules(lastWeek, { year: 1 })],
  ["top 5 rules for Psychology in the last 30 days", topRules(days(30), { programmes: PSY }, 5)],
  ["what rule flags the most students this month", topRules(thisMonth)],
  ["top rules in the last fortnight", topRules(weeks(2))],

  // Engagement trend.
  ["engagement trend for nursing over the last 8 weeks", trend("all", weeks(8), { programmes: NURS })],
  ["VLE trend for first years in the last 6 weeks", trend(["vle"], weeks(6), { year: 1 })],
  ["attendance trend for Law over the last 4 weeks", trend(["attendance"], weeks(4), { programmes: LAW })],
  ["how has engagement changed for Mech Eng students in the last 10 weeks", trend("all", weeks(10), { programmes: MECH })],
  ["library trend for final years over the last 12 weeks", trend(["library"], weeks(12), { year: "final" })],
  ["engagement trend by source for History second years in the last 6 weeks", trend("all", weeks(6), { programmes: HIST, year: 2 })],
  ["average activity per student in Business Management over the last month", trend("all", months(1), { programmes: BM })],
  ["average VLE activity per student in Business Management over the last month", trend(["vle"], months(1), { programmes: BM })],
  ["Moodle trend for comp sci over the last 5 weeks", trend(["vle"], weeks(5), { programmes: CS })],
  ["how is engagement for psychology first years over the last 8 weeks", trend("all", weeks(8), { programmes: PSY, year: 1 })],
  ["submissions trend for second years over the last 10 weeks", trend(["submission"], weeks(10), { year: 2 })],
  ["engagement trend over the last 3 months", trend("all", months(3))],

  // Reach and replies.
  ["how many students did we message last week", reach(lastWeek)],
  ["reply rate this week", reach(thisWeek)],
  ["what is the reply rate for nursing this month", reach(thisMonth, { programmes: NURS })],
  ["how many students replied to nudges last month", reach(lastMonth)],
  ["nudge reach for final years in the last 30 days", reach(days(30), { year: "final" })],
  ["how many students were nudged in the last 2 weeks", reach(weeks(2))],
  ["reply rates by channel for psych in the last 4 weeks", reach(weeks(4), { programmes: PSY })],
  ["how many first years replied this month", reach(thisMonth, { year: 1 })],
  ["nudges sent by channel last week", reach(lastWeek)],
  ["reply rate for Mech Eng students last month", reach(lastMonth, { programmes: MECH })],

  // Invitations and meetings.
  ["how many meetings were booked this month", meetings(thisMonth)],
  ["no-shows last month", meetings(lastMonth)],
  ["how many invitations to talk were sent last week", meetings(lastWeek)],
  ["meetings by programme in the last 4 weeks", meetings(weeks(4), {}, "programme")],
  ["how many nursing students were invited to talk this month", meetings(thisMonth, { programmes: NURS })],
  ["meetings held with first years in the last 30 days", meetings(days(30), { year: 1 })],
  ["no shows by year this month", meetings(thisMonth, {}, "year")],
  ["how many meetings did Law students have last month", meetings(lastMonth, { programmes: LAW })],
  ["invitations and meetings for psych final years in the last 6 weeks", meetings(weeks(6), { programmes: PSY, year: "final" })],
  ["how many meetings this week", meetings(thisWeek)],

  // Freshness.
  ["is the data up to date?", freshness()],
  ["when was the attendance data last updated", freshness("attendance")],
  ["is the library feed stale", freshness("library")],
  ["how fresh is the Moodle data", freshness("vle")],
  ["data freshness", freshness()],
  ["when was the submissions feed last loaded?", freshness("submission")],

  // Rule feedback.
  ["what feedback have tutors given on rules this month", feedback(thisMonth)],
  ["tutor verdicts on flags in the last 30 days", feedback(days(30))],
  ["rule feedback last month", feedback(lastMonth)],
  ["how useful are the rules according to tutors in the last 90 days", feedback(days(90))],
  ["rule feedback over the last 6 weeks", feedback(weeks(6))],

  // Questions of cause: nudged against held-out students, every rule pooled.
  ["did engagement improve after nudges last term?", { kind: "effect", period: { kind: "last_term" } }],
  ["do nudges actually work?", { kind: "effect" }],
  ["have the rules made any difference to attendance?", { kind: "effect", source: "attendance" }],
  ["did the messages help students engage more?", { kind: "effect" }],
  ["what impact have nudges had on engagement?", { kind: "effect" }],

  // Comparisons between programmes: the question by programme, for those programmes.
  ["attendance rate Nursing vs Psychology", attendanceRate(weeks(4), { programmes: ["NURS-BSC", "PSY-BSC"] }, "programme")],
  ["compare missed submissions in Law and History this month", submissions(thisMonth, { programmes: ["HIST-BA", "LAW-LLB"] }, "programme")],
  [
    "how many students in Nursing versus Psychology had no Moodle activity in the last 2 weeks",
    inactive("vle", weeks(2), { programmes: ["NURS-BSC", "PSY-BSC"] }, "programme"),
  ],
  ["referrals in Psychology compared with Nursing this month", support(thisMonth, { programmes: ["NURS-BSC", "PSY-BSC"] }, "programme")],
  ["opt-outs in Law vs History", optOuts({ programmes: ["HIST-BA", "LAW-LLB"] }, "programme")],

  // Terms from the academic calendar, and week-by-week series.
  ["flags per week this term", flags({ kind: "this_term" }, {}, "week")],
  ["how many students were flagged since the start of term", flags({ kind: "this_term" })],
  ["how many first years were flagged last term, by rule", flags({ kind: "last_term" }, { year: 1 }, "rule")],
  ["missed submissions this semester by programme", submissions({ kind: "this_term" }, {}, "programme")],
  ["requests for help last semester", support({ kind: "last_term" })],

  // Waiting approvals, now.
  ["how many nudges are awaiting approval", { kind: "approvals", cohort: {}, groupBy: "none" }],
  ["pending approvals by programme", { kind: "approvals", cohort: {}, groupBy: "programme" }],
  ["how many messages are waiting to be approved for second years", { kind: "approvals", cohort: { year: 2 }, groupBy: "none" }],

  // Effect of nudges, with a period or an outcome.
  ["did attendance improve after nudges this semester", { kind: "effect", period: { kind: "this_term" }, source: "attendance" }],
  ["have nudges made a difference this term", { kind: "effect", period: { kind: "this_term" } }],

  // Measures the question set does not have yet: never answered as something else.
  ["attendance rate by programme", attendanceRate(weeks(4), {}, "programme")],
  ["what is the attendance rate for nursing this month", attendanceRate(thisMonth, { programmes: NURS })],
  ["how many students in Psychology missed a submission this month?", submissions(thisMonth, { programmes: PSY })],
  ["how many late submissions were there last week", submissions(lastWeek)],
  ["what proportion of first years haven't used the library in the last 6 weeks?", { ...inactive("library", weeks(6), { year: 1 }), share: true } as Query],
  ["what percentage of students had no VLE activity in the last 2 weeks", { ...inactive("vle", weeks(2)), share: true } as Query],
  ["how many students have opted out of messages?", optOuts()],
  ["how many students have paused nudges", optOuts()],
  ["how many students withdrew consent this term", unsupported("consent_withdrawals")],
  ["how many students asked for help this month?", support(thisMonth)],
  ["how many referrals were made this month?", support(thisMonth)],
  ["how many approvals are waiting", { kind: "approvals", cohort: {}, groupBy: "none" }],
  ["what share of flagged students met their tutor", unsupported("flagged_met_tutor")],
  ["how many SMS messages were sent this month", unsupported("messages_by_channel")],
  ["compare VLE activity between Law and History", unsupported("comparison")],
  ["how many students are enrolled in Nursing", unsupported("enrolment")],
  ["average attendance for first years", attendanceRate(weeks(4), { year: 1 })],
  ["how many students are at risk of withdrawing", unsupported("risk")],
  ["what's the weather like", unsupported("none")],
  ["list the students in Law with no VLE activity", unsupported("individuals")],
];
