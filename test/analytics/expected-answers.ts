/**
 * The answer to every documented example question on the hand-built world (world.ts), worked out
 * by hand from the table there, not by the code under test. "f5" is "fewer than 5"; {from, to} a
 * total that includes one hidden cell; {about, from, to} a total with several, rounded (disclosure
 * rule 2: the hidden cells' sum, k to 4k; up to 3 hidden cells it is one step, the whole range,
 * shown as its middle: for 3 cells, 3–12, about 8). Used by the
 * analytics tests and by the Teams card test.
 */
import { FEWER_THAN_5, NOT_SHOWN, type Figure } from "../../analytics/index.ts";

const f5 = FEWER_THAN_5;
const r = (from: number, to: number) => ({ from, to });
const about = (n: number, from: number, to: number) => ({ about: n, from, to });

export type Expected = {
  title?: string;
  period?: [string, string];
  columns?: string[];
  /** [label, first column, ...other columns] */
  rows: [string, ...Figure[]][];
  total?: Figure[] | null;
  chart?: "bar" | "line";
};

const ALL_YEARS_TREND = ["VLE", "In class", "Library", "Hand-ins"];

export const EXPECTED: Record<string, Expected> = {
  // No activity: VLE-inactive cells COMP1 3, COMP2 6, HIST1 5, HIST2 1, LAW3 5, SENG4 4.
  "how many first-years in Computing had no VLE activity in the last 14 days?": {
    title: "First-years in BSc Computing with no VLE activity",
    period: ["2026-11-07", "2026-11-20"],
    rows: [["First-years in BSc Computing", f5]],
    total: null,
  },
  "how many students had no library activity in the last 4 weeks, by programme?": {
    period: ["2026-10-24", "2026-11-20"],
    rows: [
      ["BA History", 0],
      ["BSc Computing", 0],
      ["LLB Law", 0],
      ["MEng Software Engineering", 0],
    ],
    total: [0],
  },
  "how many second-years had no attendance in the last 7 days?": { rows: [["Second-years", 0]], total: null },
  "final-years with no activity in the last fortnight, by year": {
    rows: [
      ["Year 3", 0],
      ["Year 4", f5],
    ],
    total: [f5],
  },
  // Ten days is rounded to the last 7 days (the period grid).
  "how many year 1 students in History had no Moodle activity for ten days?": {
    period: ["2026-11-14", "2026-11-20"],
    rows: [["First-years in BA History", 5]],
    total: null,
  },

  // Flags this week/month (same students): COMP1 3, COMP2 8, HIST1 6, HIST2 1, LAW3 5, SENG4 4.
  // A flag counts on the day it was raised: D's on the 21st (this morning), D-1's on the 20th,
  // D-2's on the 19th, D-8's on the 13th; a rolling period of flags ends today.
  // All of them: exact 8 + 6 + 5 = 19; three hidden cells (3 to 12): about 19 + 8 = 27 (22–31); the truth is 27.
  "how many students were flagged this week?": { period: ["2026-11-16", "2026-11-21"], rows: [["Students", about(27, 22, 31)]], total: null },
  "flags by programme this month": {
    period: ["2026-11-01", "2026-11-21"],
    rows: [
      ["BA History", r(7, 10)],
      ["BSc Computing", r(9, 12)],
      ["LLB Law", 5],
      ["MEng Software Engineering", f5],
    ],
    total: [about(27, 22, 31)],
  },
  "how many first-years were flagged last week, by rule?": {
    period: ["2026-11-09", "2026-11-15"],
    rows: [
      ["Low attendance", 0],
      ["Missed submission", 0],
      ["No VLE activity for 14 days", f5],
    ],
    total: null,
  },
  "flags by year in the last 30 days": {
    rows: [
      ["Year 1", r(7, 10)],
      ["Year 2", r(9, 12)],
      ["Year 3", 5],
      ["Year 4", f5],
    ],
    total: [about(27, 22, 31)],
  },
  "flags by week in the last 8 weeks": {
    period: ["2026-09-27", "2026-11-21"],
    chart: "line",
    rows: [
      ["27 Sep–3 Oct", 0],
      ["4 Oct–10 Oct", 0],
      ["11 Oct–17 Oct", 0],
      ["18 Oct–24 Oct", 0],
      ["25 Oct–31 Oct", 0],
      ["1 Nov–7 Nov", 0],
      ["8 Nov–14 Nov", r(6, 9)],
      ["15 Nov–21 Nov", about(27, 22, 31)],
    ],
    total: null,
  },
  "how many students in Law were flagged this month?": { rows: [["Students in LLB Law", 5]], total: null },

  // Top rules: no-vle (3, 6, 5, 1, 5, 4), missed-submission HIST1 6, low-attendance COMP2 2.
  // No VLE: exact 16 and three hidden cells: about 16 + 8 = 24 (19–28); the truth is 24.
  "which rules flagged most students this week?": {
    rows: [
      ["No VLE activity for 14 days", about(24, 19, 28)],
      ["Missed submission", 6],
      ["Low attendance", f5],
    ],
  },
  "top 5 rules this month": {
    rows: [
      ["No VLE activity for 14 days", about(24, 19, 28)],
      ["Missed submission", 6],
      ["Low attendance", f5],
    ],
  },
  "which rules flagged the most first-years in Computing last week?": { rows: [["No VLE activity for 14 days", f5]] },

  // Trends: averages per student per 7-day block, oldest first.
  "engagement trend by source for first-years in Computing over the last 6 weeks": {
    columns: ALL_YEARS_TREND,
    chart: "line",
    rows: [
      ["10 Oct–16 Oct", 140, 10, 2, 0],
      ["17 Oct–23 Oct", 140, 10, 2, 0],
      ["24 Oct–30 Oct", 140, 10, 3, 0],
      ["31 Oct–6 Nov", 105, 10, 2, 1],
      ["7 Nov–13 Nov", 105, 10, 2, 0],
      ["14 Nov–20 Nov", 105, 10, 3, 0],
    ],
  },
  "VLE engagement trend for second-years over the last 8 weeks": {
    columns: ["VLE"],
    // HIST year 2 (3 students) is left out; COMP year 2: 8 students, 6 without VLE from D-20.
    rows: [
      ["26 Sep–2 Oct", 140],
      ["3 Oct–9 Oct", 140],
      ["10 Oct–16 Oct", 140],
      ["17 Oct–23 Oct", 140],
      ["24 Oct–30 Oct", 140],
      ["31 Oct–6 Nov", 35],
      ["7 Nov–13 Nov", 35],
      ["14 Nov–20 Nov", 35],
    ],
  },
  "how has engagement changed for History over the last 4 weeks?": {
    columns: ALL_YEARS_TREND,
    rows: [
      ["24 Oct–30 Oct", 140, 10, 3, 0],
      ["31 Oct–6 Nov", 40, 10, 2, 1],
      ["7 Nov–13 Nov", 40, 10, 2, 0],
      ["14 Nov–20 Nov", 40, 10, 3, 0],
    ],
  },

  // Reach: Teams COMP1 9 (6 replied), SMS LAW1 3 (1), email LAW1 8 (2).
  "reply rate by channel this month": {
    columns: ["students messaged", "replied", "reply rate (%)"],
    rows: [
      ["Teams", 9, 6, 66.7],
      ["SMS", f5, f5, f5],
      ["Email", 8, f5, NOT_SHOWN],
    ],
    total: null,
  },
  "nudge reach by channel last week": {
    rows: [
      ["Teams", 0, 0, null],
      ["SMS", 0, 0, null],
      ["Email", 0, 0, null],
    ],
  },
  "how many students did we nudge this month?": {
    rows: [
      ["Teams", 9, 6, 66.7],
      ["SMS", f5, f5, f5],
      ["Email", 8, f5, NOT_SHOWN],
    ],
  },
  "reply rate for first-years in Computing in the last 30 days": {
    rows: [
      ["Teams", 9, 6, 66.7],
      ["SMS", 0, 0, null],
      ["Email", 0, 0, null],
    ],
  },

  // Meetings this month: HIST1 7 invitations, 6 booked, 5 held, 1 no-show; COMP2 2, 2, 2, 0.
  "invitations and meetings this month": {
    columns: ["invitations sent", "meetings booked", "held", "no-shows"],
    rows: [["Students", r(8, 11), r(7, 10), r(6, 9), f5]],
    total: null,
  },
  "how many meetings were held last month?": { period: ["2026-10-01", "2026-10-31"], rows: [["Students", 5, 5, 5, 0]] },
  "no-shows by programme this month": {
    rows: [
      ["BA History", 7, 6, 5, f5],
      ["BSc Computing", f5, f5, f5, 0],
    ],
    total: [r(8, 11), r(7, 10), r(6, 9), f5],
  },
  "invitations to talk for first-years in the last 4 weeks": { rows: [["First-years", 7, 6, 5, f5]] },

  // Attendance rate: two sessions each weekday, all attended, except LAW3 (6) one of two from D-27;
  // SENG4's 4 silent students have sessions only to D-21 (5 weekdays of the last 4 weeks); HIST2 (3) is left out.
  // Last 4 weeks (20 weekdays): Law (8×40 + 6×20) / (14×40) = 440/560; all: 2040/2160.
  "attendance rate by programme in the last 4 weeks": {
    title: "Attendance rate: students, by programme",
    period: ["2026-10-24", "2026-11-20"],
    columns: ["attendance (%)"],
    rows: [
      ["BA History", 100],
      ["BSc Computing", 100],
      ["LLB Law", 78.6],
      ["MEng Software Engineering", 100],
    ],
    total: [94.4],
  },
  // Last 2 weeks (10 weekdays): COMP3 120/120, LAW3 60/120.
  "attendance rate for third-years in the last 2 weeks": { period: ["2026-11-07", "2026-11-20"], rows: [["Third-years", 75]], total: null },
  "what is the attendance rate for second-years in History?": { rows: [["Second-years in BA History", f5]], total: null },

  // Missed and late submissions: LAW1 5 missed on 15 Nov, LAW3 2 late that day, LAW3 1 missed on 11 Oct.
  "missed submissions by programme this month": {
    title: "Missed and late submissions: students, by programme",
    period: ["2026-11-01", "2026-11-21"],
    columns: ["missed a submission", "handed in late"],
    rows: [
      ["BA History", 0, 0],
      ["BSc Computing", 0, 0],
      ["LLB Law", 5, f5],
      ["MEng Software Engineering", 0, 0],
    ],
    total: [5, f5],
  },
  "how many first-years in Law missed a submission in the last 4 weeks?": {
    period: ["2026-10-24", "2026-11-20"],
    rows: [["First-years in LLB Law", 5, 0]],
    total: null,
  },
  "late submissions for third-years last month": { period: ["2026-10-01", "2026-10-31"], rows: [["Third-years", f5, 0]], total: null },

  // Help requests (students) and referrals (world.ts): COMP2 6 and 5 on 18-19 Nov; LAW3 2 and 1 on
  // 12 Nov; October's (HIST1's help, COMP3's referral), the rejected referral and the escalation do not count.
  "requests for help and referrals this month": {
    title: "Help requests and referrals: students",
    period: ["2026-11-01", "2026-11-21"],
    columns: ["students who asked for help", "referrals made"],
    rows: [["Students", r(7, 10), r(6, 9)]],
    total: null,
  },
  "how many students needed help last week?": { period: ["2026-11-09", "2026-11-15"], rows: [["Students", f5, f5]] },
  "referrals by programme this month": {
    rows: [
      ["BSc Computing", 6, 5],
      ["LLB Law", f5, f5],
    ],
    total: [r(7, 10), r(6, 9)],
  },
  "how many second-years in Computing asked for help in the last 4 weeks?": {
    period: ["2026-10-25", "2026-11-21"],
    rows: [["Second-years in BSc Computing", 6, 5]],
  },

  // Opt-outs now (world.ts): COMP1 any 6, SMS 6, email 2; LAW1 any 5, Teams 2, email 5; SENG1 paused 5.
  // HIST2's pause has ended and COMP3's opt-out is tomorrow's: neither counts.
  "opt-outs and pauses by programme": {
    title: "Opt-outs and pauses: students, by programme",
    period: ["2026-11-21", "2026-11-21"],
    columns: ["opted out (any channel)", "Teams", "SMS", "email", "paused"],
    rows: [
      ["BA History", 0, 0, 0, 0, 0],
      ["BSc Computing", 6, 0, 6, f5, 0],
      ["LLB Law", 5, f5, 0, 5, 0],
      ["MEng Software Engineering", 0, 0, 0, 0, 5],
    ],
    total: [11, f5, 6, r(6, 9), 5],
  },
  "how many students have opted out, by channel?": { rows: [["Students", 11, f5, 6, r(6, 9), 5]], total: null },
  "how many students in Law have opted out or paused?": { rows: [["Students in LLB Law", 5, f5, 0, 5, 0]], total: null },
  "opt-outs for first-years in Computing": { rows: [["First-years in BSc Computing", 6, 0, 6, f5, 0]], total: null },

  // Freshness: four feeds to D (2026-11-20), loaded at 05:00 the next morning; no printing feed.
  "how fresh is the data?": {
    title: "Data freshness",
    columns: ["data up to", "days behind", "last loaded", "status"],
    rows: [
      ["VLE", { text: "2026-11-20" }, 0, { text: "2026-11-21 05:00 UTC" }, { text: "fresh" }],
      ["Attendance", { text: "2026-11-20" }, 0, { text: "2026-11-21 05:00 UTC" }, { text: "fresh" }],
      ["Library", { text: "2026-11-20" }, 0, { text: "2026-11-21 05:00 UTC" }, { text: "fresh" }],
      ["Submissions", { text: "2026-11-20" }, 0, { text: "2026-11-21 05:00 UTC" }, { text: "fresh" }],
      ["Printing", null, null, null, { text: "never loaded" }],
    ],
  },
  "feed freshness": {
    rows: [
      ["VLE", { text: "2026-11-20" }, 0, { text: "2026-11-21 05:00 UTC" }, { text: "fresh" }],
      ["Attendance", { text: "2026-11-20" }, 0, { text: "2026-11-21 05:00 UTC" }, { text: "fresh" }],
      ["Library", { text: "2026-11-20" }, 0, { text: "2026-11-21 05:00 UTC" }, { text: "fresh" }],
      ["Submissions", { text: "2026-11-20" }, 0, { text: "2026-11-21 05:00 UTC" }, { text: "fresh" }],
      ["Printing", null, null, null, { text: "never loaded" }],
    ],
  },
  "when was the VLE data last loaded?": { rows: [["VLE", { text: "2026-11-20" }, 0, { text: "2026-11-21 05:00 UTC" }, { text: "fresh" }]] },

  // Feedback: no-vle 6 useful, 2 not useful; missed-submission 1 useful; the wrong-data one is old.
  "rule feedback from tutors": {
    columns: ["useful", "not useful", "wrong data"],
    rows: [
      ["Missed submission", f5, 0, 0],
      ["No VLE activity for 14 days", 6, f5, 0],
    ],
  },
  "rule feedback this month": {
    rows: [
      ["Missed submission", f5, 0, 0],
      ["No VLE activity for 14 days", 6, f5, 0],
    ],
  },
  "how useful did tutors find the rules in the last 90 days?": {
    rows: [
      ["Missed submission", f5, 0, 0],
      ["No VLE activity for 14 days", 6, f5, 0],
    ],
  },
  // Effect of nudges: the world's flags have no holdout arm, so there is nothing to compare.
  "did engagement improve after nudges last term?": {
    title: "Did nudges make a difference? VLE active days in the 14 days after a flag",
    // No calendar imported: last term is the fixed-month summer term.
    period: ["2026-04-01", "2026-07-31"],
    rows: [["All rules (pooled)", { text: "not enough students yet" }, null, 0, 0]],
    total: null,
  },
  "do nudges work?": {
    period: ["2026-11-21", "2026-11-21"],
    rows: [["All rules (pooled)", { text: "not enough students yet" }, null, 0, 0]],
    total: null,
  },
  "what difference have nudges made to attendance this term?": {
    title: "Did nudges make a difference? Attendance rate (share of sessions) in the 14 days after a flag",
    period: ["2026-08-01", "2026-11-21"],
    rows: [["All rules (pooled)", { text: "not enough students yet" }, null, 0, 0]],
    total: null,
  },
  // Waiting approvals: every intervention in the world was sent or queued, none waits for approval.
  "how many approvals are waiting?": { title: "Waiting for approval: students", rows: [["Students", 0, 0]], total: null },
  "nudges awaiting approval by programme": { rows: [], total: [0, 0] },
  "pending approvals for first-years in Computing": { rows: [["First-years in BSc Computing", 0, 0]], total: null },
};
