/**
 * Realistic data for every card, for the tests and the previews: each variant a template branches on
 * (booked or not, done or not, one page or several) and a worst-case digest page for the size check.
 */
import type {
  AnswerCardData,
  DigestCardData,
  DigestStudent,
  InvitationCardData,
  MeetingBookedCardData,
  MyDataCardData,
  NoticeCardData,
  NudgeCardData,
  OutcomeCardData,
  RuleChangeCardData,
  HeldNudgesCardData,
  RulesCardData,
  ReferralCaseCardData,
  SafeguardingAlertCardData,
  StudentCardData,
  SuggestionsCardData,
  TuteesCardData,
} from "./card-data.ts";
import { DIGEST_PAGE_SIZE, DIGEST_TEXT_LIMITS as LIMIT } from "./limits.ts";

export interface CardSamples {
  nudge: Record<string, NudgeCardData>;
  invitation: Record<string, InvitationCardData>;
  "meeting-booked": Record<string, MeetingBookedCardData>;
  outcome: Record<string, OutcomeCardData>;
  digest: Record<string, DigestCardData>;
  tutees: Record<string, TuteesCardData>;
  student: Record<string, StudentCardData>;
  notice: Record<string, NoticeCardData>;
  answer: Record<string, AnswerCardData>;
  suggestions: Record<string, SuggestionsCardData>;
  rules: Record<string, RulesCardData>;
  "rule-change": Record<string, RuleChangeCardData>;
  "held-nudges": Record<string, HeldNudgesCardData>;
  "safeguarding-alert": Record<string, SafeguardingAlertCardData>;
  "my-data": Record<string, MyDataCardData>;
  "referral-case": Record<string, ReferralCaseCardData>;
}

const TUTOR = "Dr Amara Okafor";
const TEAMS_MEETING = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NjQ2ZDQ5YjQtZmE1Ny00ZjVk%40thread.v2/0";
const SLOTS = [
  { choice: 1, label: "Tuesday 3 December, 10:00 to 10:30" },
  { choice: 2, label: "Wednesday 4 December, 14:00 to 14:30" },
  { choice: 3, label: "Friday 6 December, 11:30 to 12:00" },
];
const BLOCKS = "▁▂▃▄▅▆▇█";
/** The busiest week on the sample digest's first page: every student on it is drawn on this scale. */
const SCALE = 41;

/** A trend as the digest draws it: one block a week on the card's shared scale, with its number. */
function trend(weeks: number[], scale = SCALE): DigestStudent["trend"] {
  const blocks = weeks.map((w) => BLOCKS[Math.min(7, Math.round((w / scale) * 7))]!);
  return {
    label: weeks.length ? `Events a week, last ${weeks.length} weeks (one scale for all: full bar = ${scale})` : "",
    sparkline: blocks.join(""),
    weeks,
    bars: weeks.map((w, i) => ({ block: blocks[i]!, count: String(w) })),
    line: weeks.map((w, i) => `${blocks[i]}\u00a0${w}`).join("\u00a0· "),
  };
}

const INVITATION_TEXT =
  "Hi Jamie, I'd like to catch up about how the term is going. There's nothing to worry about: it's just a chance to talk things through. Pick whichever time suits you best.";

const jamie: DigestStudent = {
  studentId: 1042,
  name: "Jamie Patel",
  studentNumber: "22014387",
  programme: "BSc Computer Science, year 1",
  evidence: "No VLE activity for 12 days (to 27 Nov); attended 2 of 6 sessions",
  trend: trend([41, 35, 22, 9, 2, 0]),
  history: ["12 Nov: Nudge sent by Teams", '13 Nov: replied "thanks, will do" by Teams', "28 Oct: Nudge sent by email", "2 Oct: Nudge sent by SMS"],
  proposal: {
    interventionId: 5120,
    kind: "nudge",
    text: "Hi Jamie, we've noticed you haven't been on the VLE for a little while. If something's getting in the way, Dr Okafor would be glad to help: just reply here or book a chat.",
  },
  done: null,
  actionable: true,
  concern: null,
};

const ellie: DigestStudent = {
  studentId: 1077,
  name: "Ellie Hughes",
  studentNumber: "21009856",
  programme: "BA History, year 2",
  evidence: "Missed 3 assessment deadlines in a row (to 25 Nov)",
  trend: trend([28, 27, 20, 15, 14, 8]),
  history: ['22 Nov: replied "I need help with my essay" by SMS', "18 Nov: Nudge sent by SMS"],
  proposal: {
    interventionId: 5133,
    kind: "invitation_to_talk",
    text: "Hi Ellie, thanks for getting in touch. Let's find a time to talk about your essay and how the term is going.",
  },
  done: "Invitation to talk sent by Dr Amara Okafor at 10:02, 30 Nov",
  actionable: true,
  concern: null,
};

const callum: DigestStudent = {
  studentId: 1103,
  name: "Callum O'Neill",
  studentNumber: "23001122",
  programme: null,
  evidence: "Attended 1 of 5 sessions (to 28 Nov)",
  trend: trend([12, 11, 7, 6, 3, 5]),
  history: [],
  proposal: null,
  done: null,
  actionable: true,
  concern: null,
};

const priya: DigestStudent = {
  studentId: 1150,
  name: "Not available",
  studentNumber: "22030419",
  programme: null,
  evidence: "You can no longer see this student (not your tutee since 29 Nov).",
  trend: trend([]),
  history: [],
  proposal: null,
  done: null,
  actionable: false,
  concern: null,
};

/** Long names, many flags and a student with a trickle of activity beside a busy one, for the layout checks. */
const LONG_SCALE = 236;
const alexandra: DigestStudent = {
  studentId: 1201,
  name: "Alexandra-Jane Featherstonehaugh-Montgomery",
  studentNumber: "22014388",
  programme: "BSc (Hons) Computer Science with a Year in Industry and Foundation Year, year 3",
  evidence:
    "No VLE activity for 23 days (last 14 Nov); VLE activity in the lowest 5% of their cohort (last 14 days); 1 of 9 sessions attended (last 28 days); Missed the last 6 sessions in a row; and 3 more",
  trend: trend([3, 1, 1, 0, 1, 0], LONG_SCALE),
  history: [
    '2 Dec: replied "sorry, I have been working nights at the warehouse and my laptop broke, I will try…" by text',
    "25 Nov: Invitation to talk sent by email",
    "11 Nov: Nudge sent by Teams",
  ],
  proposal: {
    interventionId: 5201,
    kind: "invitation_to_talk",
    text: "Hi Alexandra-Jane, I'd like to catch up about how the term is going and whether anything is getting in the way. There's nothing to worry about: pick whichever time suits you best, or reply here if none do.",
  },
  done: null,
  actionable: true,
  concern: null,
};
const mohammed: DigestStudent = {
  studentId: 1202,
  name: "Mohammed Abdirahman Abdullahi-Oluwaseun",
  studentNumber: "21009857",
  programme: "BA (Hons) Philosophy, Politics and Economics (Joint Honours), year 2",
  evidence: "VLE activity at 38% of their usual (last 14 days); 2 assessments due in the last 28 days not submitted; 2 late submissions (last 28 days)",
  trend: trend([236, 198, 170, 120, 64, 41], LONG_SCALE),
  history: [],
  proposal: null,
  done: "Dismissed (not useful) by Professor Bartholomew Higginbottom-Smythe, 10:02, 7 Dec",
  actionable: true,
  concern: null,
};

const digestBase = {
  digestId: 318,
  tutorName: TUTOR,
  dateLabel: "Monday 30 November",
  summary: "3 tutees have something new since Friday.",
  refreshUserIds: ["29:1f3XkPq2vT8sLmW0aBcDeFgHiJkLmNoPqRsTuVwXyZ01234567890abcdefGhIjKlMnOpQrStUv"],
};

/** Text of exactly `length` characters, from realistic wording repeated. */
function fill(wording: string, length: number): string {
  return wording.repeat(Math.ceil(length / wording.length)).slice(0, length);
}

function worstCaseStudent(i: number): DigestStudent {
  return {
    studentId: 900_000 + i,
    name: fill("Alexandra-Jane Featherstonehaugh-Montgomery ", LIMIT.name),
    studentNumber: fill("2201438700000000", LIMIT.studentNumber),
    programme: fill("BSc (Hons) Computer Science with a Year in Industry, year 3 ", LIMIT.programme),
    evidence: fill('No VLE activity for 12 days (rule "Quiet on the VLE", data to 27 Nov). ', LIMIT.evidence),
    trend: {
      label: fill("Events a week, last 12 weeks ", LIMIT.trendLabel),
      sparkline: fill("▇▆▄▂▁▁", LIMIT.sparkline),
      weeks: Array.from({ length: LIMIT.sparkline }, () => 99_999),
      bars: Array.from({ length: LIMIT.sparkline }, () => ({ block: "█", count: "99999" })),
      line: Array.from({ length: LIMIT.sparkline }, () => "█\u00a099999").join("\u00a0· "),
    },
    history: Array.from({ length: 3 }, () => fill('13 Nov: replied "thanks, I will have a look at it this week" by Teams ', LIMIT.historyLine)),
    concern: {
      concernId: 700_000 + i,
      heading: fill("Urgent: their message suggests they may be at risk (7 Dec, 23:42, by text) ", LIMIT.concernHeading),
      text: fill("i dont see the point anymore, everyone would be better off without me. ", LIMIT.concernText),
    },
    proposal: {
      interventionId: 800_000 + i,
      kind: fill("invitation_to_talk", LIMIT.proposalKind),
      text: fill(
        "Hi Alex, we've noticed you haven't been on the VLE for a little while. If something's getting in the way, your tutor would be glad to help. ",
        LIMIT.proposalText,
      ),
    },
    done: null,
    actionable: true,
  };
}

const CASE_OUTCOMES = [
  { title: "Support arranged", value: "supported" },
  { title: "Referred on to another service", value: "signposted" },
  { title: "Could not reach the student", value: "no_contact" },
  { title: "The student declined help", value: "declined" },
  { title: "No action needed", value: "not_needed" },
];
const REFERRAL_CASE: ReferralCaseCardData = {
  caseId: 7,
  title: `Referral from ${TUTOR}`,
  summary:
    "Dr Amara Okafor has passed Jamie Rivers to the Student Centre's support team. Please get in touch with them, and acknowledge this so Dr Amara Okafor knows it is in hand; record the outcome when you close it.",
  student: {
    name: "Jamie Rivers",
    number: "S0012377",
    programme: "BSc Computing, year 1",
    tutor: TUTOR,
    mobile: "+44 7700 900456",
    email: "jamie.rivers@student.example.ac.uk",
  },
  note: "Mentioned money worries in our last chat and has been working long shifts; missed two weeks of labs.",
  evidence: [{ text: "No VLE activity for 12 days (last 25 Nov)" }, { text: "2 of 6 sessions attended (last 14 days)" }],
  told: "That their tutor has passed their details to the Student Centre's support team, who will get in touch.",
  acknowledged: null,
  closed: null,
  outcomes: CASE_OUTCOMES,
};

export const SAMPLES: CardSamples = {
  nudge: {
    "with-module-page": {
      interventionId: 5120,
      text: "Hi Jamie, we've noticed you haven't been on the VLE for a couple of weeks. That's fine if you've been busy, but if anything's getting in the way, your tutor would be glad to help. Even a quick chat can make a difference.",
      tutorName: TUTOR,
      moduleUrl: "https://vle.example.ac.uk/course/view.php?id=2231",
    },
    "no-tutor": {
      interventionId: 5121,
      text: "Hi Sam, it looks like the last few seminars have been tricky to get to. If there's anything we can do to help, just let us know.",
      tutorName: null,
    },
  },
  invitation: {
    open: { meetingId: 77, text: INVITATION_TEXT, tutorName: TUTOR, slots: SLOTS },
    booked: {
      meetingId: 77,
      text: INVITATION_TEXT,
      tutorName: TUTOR,
      slots: SLOTS,
      booked: { label: "Tuesday 3 December, 10:00 to 10:30", location: "Room 2.14, Hopkinson Building", onlineMeetingUrl: TEAMS_MEETING },
    },
    closed: {
      meetingId: 78,
      text: INVITATION_TEXT,
      tutorName: TUTOR,
      slots: SLOTS,
      closed: "This invitation has closed because the times have passed. Dr Okafor will be in touch with new ones.",
    },
  },
  "meeting-booked": {
    student: {
      audience: "student",
      meetingId: 77,
      withWhom: TUTOR,
      when: "Tuesday 3 December, 10:00 to 10:30",
      location: "Room 2.14, Hopkinson Building",
      onlineMeetingUrl: TEAMS_MEETING,
      calendarNote: "A calendar invitation was sent to you by email.",
    },
    tutor: {
      audience: "tutor",
      meetingId: 77,
      withWhom: "Jamie Patel (22014387)",
      when: "Tuesday 3 December, 10:00 to 10:30",
      location: null,
      onlineMeetingUrl: null,
      calendarNote: null,
    },
  },
  outcome: {
    open: { meetingId: 77, studentName: "Jamie Patel", studentNumber: "22014387", when: "Tuesday 3 December, 10:00" },
    recorded: {
      meetingId: 77,
      studentName: "Jamie Patel",
      studentNumber: "22014387",
      when: "Tuesday 3 December, 10:00",
      recorded: {
        outcome: "Support agreed",
        by: TUTOR,
        at: "10:41 on Thursday 3 December",
        note: "Weekly check-ins until the January exams; study skills session booked.",
      },
    },
  },
  digest: {
    "first-page": { ...digestBase, page: 1, pages: 2, totalStudents: 4, students: [jamie, ellie, callum] },
    "last-page": { ...digestBase, page: 2, pages: 2, totalStudents: 4, students: [priya] },
    "one-page": { ...digestBase, page: 1, pages: 1, totalStudents: 1, summary: "Jamie Patel has something new since Friday.", students: [jamie] },
    pinned: {
      ...digestBase,
      page: 1,
      pages: 1,
      totalStudents: 2,
      summary: "2 tutees need a look (1 with something new).",
      students: [
        {
          ...callum,
          evidence: "Their message above needs a person.",
          concern: {
            concernId: 77,
            heading: "Their message suggests a hard time (29 Nov, 21:14, by text)",
            text: "sorry ive missed so much, my grandad died last week and the funeral is on friday",
          },
        },
        jamie,
      ],
    },
    "long-texts": {
      ...digestBase,
      tutorName: "Professor Bartholomew Higginbottom-Smythe",
      summary: "2 tutees need a look (2 with something new).",
      page: 1,
      pages: 1,
      totalStudents: 2,
      students: [alexandra, mohammed],
    },
    "worst-case": {
      ...digestBase,
      tutorName: fill("Professor Alexandra Featherstonehaugh ", LIMIT.name),
      summary: fill("12 tutees have something new since Friday. ", 200),
      page: 2,
      pages: 4,
      totalStudents: 4 * DIGEST_PAGE_SIZE,
      refreshUserIds: Array.from({ length: 5 }, (_, i) => `${digestBase.refreshUserIds[0]}${i}`),
      students: Array.from({ length: DIGEST_PAGE_SIZE }, (_, i) => worstCaseStudent(i)),
    },
  },
  tutees: {
    list: {
      tutorName: TUTOR,
      tutees: [
        { name: "Jamie Patel", studentNumber: "22014387", programme: "BSc Computer Science, year 1", status: "Needs a look" },
        { name: "Ellie Hughes", studentNumber: "21009856", programme: "BA History, year 2", status: "Meeting booked" },
        { name: "Callum O'Neill", studentNumber: "23001122", programme: null, status: "Needs a look" },
        { name: "Aisha Rahman", studentNumber: "22017730", programme: "BSc Psychology, year 2", status: "All fine" },
        { name: "Tom Williams", studentNumber: "22011045", programme: "BEng Mechanical Engineering, year 1", status: "Paused" },
      ],
      more: "and 23 more: ask for a student by name",
    },
    none: { tutorName: TUTOR, tutees: [], more: null },
    "long-texts": {
      tutorName: "Professor Bartholomew Higginbottom-Smythe",
      tutees: [
        {
          name: "Alexandra-Jane Featherstonehaugh-Montgomery",
          studentNumber: "22014388",
          programme: "BSc (Hons) Computer Science with a Year in Industry and Foundation Year, year 3",
          status: "No VLE activity for 23 days (last 14 Nov); 1 of 9 sessions attended (last 28 days); and 4 more",
        },
        {
          name: "Mohammed Abdirahman Abdullahi-Oluwaseun",
          studentNumber: "21009857",
          programme: "BA (Hons) Philosophy, Politics and Economics (Joint Honours), year 2",
          status: 'Dismissed by Professor Bartholomew Higginbottom-Smythe as "not useful" (7 December)',
        },
        { name: "Siobhán Ní Mhaoldhomhnaigh", studentNumber: "23001123", programme: null, status: "Snoozed until 14 December by Dr Amara Okafor" },
        { name: "Jo Li", studentNumber: "22017731", programme: "BSc Psychology, year 2", status: "Waiting for your decision: invitation to talk" },
        {
          name: "Tom Williams",
          studentNumber: "22011045",
          programme: "BEng Mechanical Engineering, year 1",
          status: "Nudge approved by Dr Amara Okafor (3 December), sent",
        },
      ],
      more: "and 23 more: ask for a student by name or number",
    },
  },
  student: {
    "with-status": {
      student: { ...jamie, history: [...jamie.history.slice(0, 3), "15 Oct: Invitation to talk, met", ...jamie.history.slice(3)] },
      status: "Paused until 14 Dec",
    },
    "done-no-status": { student: ellie, status: null },
    "with-meeting": {
      student: ellie,
      status: null,
      meeting: { when: "Thursday 10 December, 11:30 to 12:00", withWhom: TUTOR, where: "Room 2.14, Hawthorn Building" },
    },
    "long-texts": {
      student: { ...alexandra, trend: trend([3, 1, 1, 0, 1, 0], 40), actionable: false },
      status: "The student has paused messages until Monday 21 December",
    },
  },
  notice: {
    refused: {
      title: "Not something I can show you",
      text: "Only a student's personal tutor and their support team can see that. If you think you should have access, ask your school office.",
    },
  },
  answer: {
    "by-programme": {
      question: "How many first-years had no VLE activity in the last 14 days, by programme?",
      title: "First-years with no VLE activity",
      period: "16 to 29 November 2026 (14 days)",
      freshness: "VLE data up to 29 November; attendance up to 28 November; library up to 29 November",
      columns: ["Students", "Of cohort"],
      rows: [
        { label: "BSc Computing (COMP)", cells: ["12", "148"], bar: "████████████" },
        { label: "BSc Computer Science (CS)", cells: ["7", "96"], bar: "███████" },
        { label: "BA History (HIST)", cells: ["fewer than 5", "41"], bar: "" },
      ],
      total: { label: "All first-years", cells: ["20–23", "285"] },
      notes: ["Groups of fewer than 5 students are not shown; totals that include one are shown as a range."],
      chart: {
        type: "Chart.HorizontalBar",
        title: "First-years with no VLE activity",
        yAxisTitle: "Students",
        colorSet: "categorical",
        data: [
          { x: "BSc Computing (COMP)", y: 12 },
          { x: "BSc Computer Science (CS)", y: 7 },
        ],
        fallback: "drop",
      },
    },
    trend: {
      question: "VLE engagement trend for second-years over the last 4 weeks",
      title: "Engagement trend: second-years",
      period: "3 to 30 November 2026 (4 weeks)",
      freshness: "VLE data up to 29 November",
      columns: ["VLE"],
      rows: [
        { label: "week from 3 Nov", cells: ["41.2"], bar: "████████████" },
        { label: "week from 10 Nov", cells: ["38.0"], bar: "███████████" },
        { label: "week from 17 Nov", cells: ["29.5"], bar: "█████████" },
        { label: "week from 24 Nov", cells: ["22.1"], bar: "██████" },
      ],
      total: null,
      notes: ["Average events per student per week; cohorts of fewer than 5 students are left out."],
      chart: {
        type: "Chart.Line",
        title: "Engagement trend: second-years",
        colorSet: "categorical",
        data: [
          {
            legend: "VLE",
            values: [
              { x: "3 Nov", y: 41.2 },
              { x: "10 Nov", y: 38 },
              { x: "17 Nov", y: 29.5 },
              { x: "24 Nov", y: 22.1 },
            ],
          },
        ],
        fallback: "drop",
      },
    },
    "trend-all-sources": {
      question: "engagement trend for first-year students on BSc (Hons) Computer Science with a Year in Industry over the last 6 weeks",
      title: "Engagement trend: first-years on BSc (Hons) Computer Science with a Year in Industry, average events per student per week",
      period: "19 October to 29 November 2026 (6 weeks)",
      freshness: "Data: VLE activity up to 29 November; attendance up to 28 November; library use up to 29 November; coursework submissions up to 27 November.",
      columns: ["VLE", "In class", "Library", "Hand-ins"],
      rows: [
        { label: "week from 19 Oct", cells: ["141.2", "11.4", "3.2", "0.4"], bar: "" },
        { label: "week from 26 Oct", cells: ["138.0", "10.9", "2.8", "0.9"], bar: "" },
        { label: "week from 2 Nov", cells: ["129.5", "10.1", "3.5", "0.2"], bar: "" },
        { label: "week from 9 Nov", cells: ["122.1", "9.8", "2.1", "1.1"], bar: "" },
        { label: "week from 16 Nov", cells: ["98.7", "fewer than 5", "1.9", "0.3"], bar: "" },
        { label: "week from 23 Nov", cells: ["91.3", "8.7", "1.4", "0.8"], bar: "" },
      ],
      total: null,
      notes: [
        "Average events per student in each 7-day block, counted back from the end of the period, over students enrolled by the block's end. In class: sessions attended; Hand-ins: coursework submitted.",
        "Cohorts (programme and year) of fewer than 5 students are left out of the averages (1 here).",
      ],
      chart: null,
    },
  },
  suggestions: {
    "near-miss": {
      text: 'I didn\'t understand "vle actvity". Here are questions I can answer:',
      suggestions: [
        "How many first-years had no VLE activity in the last 14 days?",
        "Which rules flagged most students this week?",
        "Reply rate by channel this month",
      ],
    },
  },
  rules: {
    list: {
      rules: [
        {
          id: "no-vle-10-days",
          title: "No VLE activity for 10 days",
          state: "On",
          version: 3,
          lastRun: "Last run for 29 Nov 2026: 14 flagged of 2310 evaluated",
        },
        {
          id: "attendance-below-60",
          title: "Attendance below 60% over four weeks",
          state: "On",
          version: 1,
          lastRun: "Last run for 29 Nov 2026: 6 flagged of 2310 evaluated",
        },
        { id: "missed-submission", title: "Missed a submission", state: "Off", version: 2, lastRun: "Not in a run yet" },
      ],
      note: 'Ask "rule <id>" for the details, "dry run <id>" for what it would flag, "history <id>" for its versions.',
    },
  },
  "rule-change": {
    "to-confirm": {
      change: "disable",
      ruleId: "no-vle-10-days",
      title: "No VLE activity for 10 days",
      version: 3,
      heading: "Disable a rule",
      summary:
        "No VLE activity for 10 days (no-vle-10-days, version 3) is on. Disabled, the next runs will not evaluate it; flags it raised already stay open.",
      result: null,
      resultColor: "default",
    },
    confirmed: {
      change: "rollback",
      ruleId: "no-vle-10-days",
      title: "No VLE activity for 10 days",
      version: 2,
      heading: "Roll a rule back",
      summary:
        "No VLE activity for 10 days (no-vle-10-days) is at version 3. Rolling back makes version 2's wording and condition current again, as version 4.",
      result: "✓ Rolled back to version 2 (now version 4) by Rules Admin at 10:02, 30 Nov",
      resultColor: "good",
    },
  },
  "held-nudges": {
    alert: {
      heading: "Nudges held",
      text: "The rules run for 20 Nov 2026 would have sent far more nudges than usual, so they have been held and nothing has been sent. This usually means a data problem (a feed cut short or missing for a module). Check the latest loads, then release or discard.",
      rules: [
        {
          ruleId: "no-vle-10-days",
          title: "No VLE activity for 10 days",
          figures: "10 nudges held from the run for 20 Nov 2026: 10 of 25 students in XA year 2 (40%, more than 15%) in one day",
        },
      ],
    },
  },
  "safeguarding-alert": {
    crisis: {
      concernId: 41,
      level: "crisis",
      title: "Urgent: a student may be at risk",
      summary:
        "Their message suggests suicidal thoughts. Please contact them as soon as you can, and press \"I'm handling this\" so others know. If you can't reach them and think they are in danger, follow the university's emergency procedure.",
      student: {
        name: "Sam Okoro",
        number: "S0012345",
        programme: "BSc Computing, year 1",
        tutor: TUTOR,
        mobile: "+44 7700 900123",
        email: "sam.okoro@student.example.ac.uk",
      },
      received: "Monday 7 December, 23:42, by text message",
      message: "honestly i dont see the point anymore. everyone would be better off without me",
      told: "Crisis lines (999, Samaritans 116 123, Shout 85258), and that someone from the university will contact them as soon as they can.",
      acknowledged: null,
    },
    "distress-acknowledged": {
      concernId: 42,
      level: "distress",
      title: "A student is going through a hard time",
      summary: "Their message mentions a bereavement. Please get in touch today if you can; you can record extenuating circumstances below.",
      student: {
        name: "Priya Shah",
        number: "S0012399",
        programme: "BA History, year 2",
        tutor: TUTOR,
        mobile: "not on record",
        email: "priya.shah@student.example.ac.uk",
      },
      received: "Tuesday 8 December, 10:05, in Teams",
      message: "sorry I've missed lectures, my nan died last week and the funeral is on friday",
      told: "Condolences, that you will see their message today, and how to reach the wellbeing service and Samaritans.",
      acknowledged: "Acknowledged by Dr Amara Okafor at 10:31, 8 Dec",
    },
  },
  "my-data": {
    flagged: {
      intro: "Here is what Nudge sees about you at the moment. It's an automatic check, not a judgement, and data can be incomplete.",
      facts: [
        { title: "Last time on the VLE", value: "3 November" },
        { title: "Days on the VLE, last 14 days", value: "2" },
        { title: "Sessions attended, last 28 days", value: "5 of 9" },
        { title: "Coursework not handed in (due in the last 28 days)", value: "1" },
      ],
      flags: [{ title: "Quiet on the VLE", text: "We haven't seen you on the VLE since 3 November." }],
      footer: 'Data up to 30 November. Reply "copy of my data" for everything Nudge holds about you, or "why" about any message.',
    },
    "no-flags": {
      intro: "Here is what Nudge sees about you at the moment. It's an automatic check, not a judgement, and data can be incomplete.",
      facts: [{ title: "Days on the VLE, last 14 days", value: "9" }],
      flags: [],
      footer: 'Data up to 30 November. Reply "copy of my data" for everything Nudge holds about you.',
    },
  },
  "referral-case": {
    open: REFERRAL_CASE,
    acknowledged: { ...REFERRAL_CASE, acknowledged: "Acknowledged by Jo Bloggs at 10:31, 8 Dec" },
    closed: {
      ...REFERRAL_CASE,
      acknowledged: "Acknowledged by Jo Bloggs at 10:31, 8 Dec",
      closed: "Closed at 14:02, 9 Dec: support arranged. Booked a money advice appointment for Thursday.",
    },
  },
};
