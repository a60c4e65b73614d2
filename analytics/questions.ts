import { ENGAGEMENT_SOURCES, type EngagementSource } from "../core/index.ts";
/**
 * The question set: what student-centre staff may ask (POLICY P11). It is the contract between
 * the chat and the data: the parser only produces these queries, the runner only answers them,
 * and the README's table is rendered from this file.
 *
 * The filters are deliberately narrow (one year of study, programmes named by words, no
 * "except", no sets of years): a question whose answer is another answer minus a small group
 * cannot be put. See `disclosure.ts` for what protects the figures themselves.
 */

export { ENGAGEMENT_SOURCES, type EngagementSource };
export { CHANNELS, type ChannelName } from "../core/index.ts";

/** Calendar periods, resolved against "today" in the institution's timezone (see periods.ts). */
export type Period =
  | { kind: "last_days"; days: number }
  | { kind: "last_weeks"; weeks: number }
  | { kind: "last_months"; months: number }
  | { kind: "today" }
  | { kind: "yesterday" }
  | { kind: "this_week" }
  | { kind: "last_week" }
  | { kind: "this_month" }
  | { kind: "last_month" }
  /** Terms from the academic calendar's teaching periods (fixed months when none is imported). */
  | { kind: "this_term" }
  | { kind: "last_term" };

/** A year of study, or each programme's final year (its length in years, 3 when unknown). */
export type YearFilter = number | "final";

/** Which students: programmes by code (sorted) and/or one year of study. Empty means everyone. */
export interface CohortFilter {
  programmes?: string[];
  year?: YearFilter;
}

export type CohortGrouping = "none" | "programme" | "year";

export type Query =
  | {
      kind: "inactive";
      source: EngagementSource | "any";
      period: Period;
      cohort: CohortFilter;
      groupBy: CohortGrouping;
      /** "What proportion of…": also the students enrolled and the share of them. */
      share?: true;
    }
  | { kind: "flags"; period: Period; cohort: CohortFilter; groupBy: CohortGrouping | "rule" | "week" }
  | { kind: "top_rules"; period: Period; cohort: CohortFilter; limit: number }
  | { kind: "engagement_trend"; sources: EngagementSource[] | "all"; period: Period; cohort: CohortFilter }
  | { kind: "reach"; period: Period; cohort: CohortFilter }
  | { kind: "meetings"; period: Period; cohort: CohortFilter; groupBy: CohortGrouping }
  | { kind: "freshness"; source?: EngagementSource }
  | { kind: "support"; period: Period; cohort: CohortFilter; groupBy: CohortGrouping }
  | { kind: "attendance_rate"; period: Period; cohort: CohortFilter; groupBy: CohortGrouping }
  | { kind: "submissions"; period: Period; cohort: CohortFilter; groupBy: CohortGrouping }
  /** Students who have opted out of a channel, or paused messages, now. Channels are the columns. */
  | { kind: "opt_outs"; cohort: CohortFilter; groupBy: CohortGrouping }
  /** Interventions waiting for a person's approval now, and their students. */
  | { kind: "approvals"; cohort: CohortFilter; groupBy: CohortGrouping }
  | { kind: "feedback"; period: Period }
  /**
   * Whether nudges made a difference: nudged against held-out students, every rule pooled, on one
   * outcome (VLE by default), for flags raised in the period (every flag so far without one).
   */
  | { kind: "effect"; period?: Period; source?: EffectSource };

/** The sources an effect is measured on: VLE active days, attendance rate, work handed in on time. */
export type EffectSource = "vle" | "attendance" | "submission";

export type QuestionKind = Query["kind"];
export type Grouping = "none" | "rule" | "programme" | "year" | "week" | "channel" | "source";

export interface QuestionDefinition {
  kind: QuestionKind;
  /** Short name, for the README and "did you mean". */
  name: string;
  description: string;
  /** What the figures count, and so what small numbers mean. */
  counts: string;
  /** Groupings the question takes; the first is the default. */
  groupings: readonly Grouping[];
  cohortFilters: boolean;
  /** Whether a data source may be named: one, several, or none. */
  sources: "one" | "several" | "none";
  defaultPeriod: Period | null;
  /** Phrasings the parser must understand (tested one by one), the first is the canonical one. */
  examples: readonly string[];
  /**
   * Text (normalised, see parser.ts) that says this is the question being asked. Several kinds may
   * match; `outranks` settles it.
   */
  detect: readonly RegExp[];
  /** Words that belong to this question's wording, so they are not left over as not understood. */
  words: readonly string[];
  /** Kinds this one wins over when both are detected ("which rules flagged most" is not "flags"). */
  outranks?: readonly QuestionKind[];
}

export const TOP_RULES_DEFAULT = 10;

export const QUESTIONS: readonly QuestionDefinition[] = [
  {
    kind: "inactive",
    name: "No activity",
    description:
      "How many students had no activity from a source (VLE, attendance, library, submissions, printing, or any) over a period: students enrolled for the whole period, optionally one year of study and/or programmes, optionally by programme or year.",
    counts: "students",
    groupings: ["none", "programme", "year"],
    cohortFilters: true,
    sources: "one",
    defaultPeriod: { kind: "last_days", days: 14 },
    examples: [
      "how many first-years in Computing had no VLE activity in the last 14 days?",
      "how many students had no library activity in the last 4 weeks, by programme?",
      "how many second-years had no attendance in the last 7 days?",
      "final-years with no activity in the last fortnight, by year",
      "how many year 1 students in History had no Moodle activity for ten days?",
    ],
    detect: [
      // "zero" is read as the number 0 (words.ts).
      /\b(no|zero|0|without|not any|nothing)( \w+){0,3} (activity|engagement|logins?|log ins?|visits?|use|usage)\b/,
      /\bno (vle|moodle|canvas|blackboard|attendance|submissions?|library|printing)\b/,
      /\b(inactive|disengaged)\b/,
      /\bnot (been )?active\b/,
      /\bdid not (engage|log in|attend)\b/,
      // "haven't logged into Moodle", "not used the library", "never visited Canvas": no activity, as staff say it.
      /\b(not|never) (been )?(logged|log|logging|signed|sign|used|using|accessed|visited|engaged|attended|submitted|handed|been (on|onto|in|to|into))\b/,
    ],
    words: [
      "no",
      "zero",
      "without",
      "any",
      "nothing",
      "activity",
      "engagement",
      "logins",
      "login",
      "log",
      "visits",
      "use",
      "usage",
      "inactive",
      "disengaged",
      "active",
      "had",
      "have",
      "engage",
      "attend",
      "with",
      "not",
      "never",
      "been",
      "logged",
      "logging",
      "signed",
      "sign",
      "into",
      "onto",
      "in",
      "used",
      "using",
      "accessed",
      "visited",
      "engaged",
      "attended",
      "0",
      "submitted",
      "handed",
    ],
  },
  {
    kind: "flags",
    name: "Flags",
    description:
      "How many students were flagged by rules over a period (a flag counts on the day it was raised, as tutors saw it, any state), by rule, programme, year of study or week (7-day blocks counted back from the end of the period), optionally for one year and/or programmes.",
    counts: "students flagged",
    groupings: ["none", "rule", "programme", "year", "week"],
    cohortFilters: true,
    sources: "none",
    defaultPeriod: { kind: "this_week" },
    examples: [
      "how many students were flagged this week?",
      "flags by programme this month",
      "how many first-years were flagged last week, by rule?",
      "flags by year in the last 30 days",
      "flags by week in the last 8 weeks",
      "how many students in Law were flagged this month?",
    ],
    detect: [/\bflag(s|ged)?\b/],
    words: ["flag", "flags", "flagged", "raised", "were", "was", "by"],
  },
  {
    kind: "top_rules",
    name: "Top rules",
    description:
      "Which rules flagged the most students over a period, most first (ordered by the figures as shown, so a hidden figure's true size never shows through the order), optionally for one year and/or programmes.",
    counts: "students flagged",
    groupings: ["rule"],
    cohortFilters: true,
    sources: "none",
    defaultPeriod: { kind: "this_week" },
    examples: ["which rules flagged most students this week?", "top 5 rules this month", "which rules flagged the most first-years in Computing last week?"],
    detect: [/\b(which|what) rules?\b.*\b(most|flag(s|ged)?)\b/, /\btop( \d+)? rules?\b/, /\brules? (that |which )?flagged (the )?most\b/],
    words: ["which", "what", "top", "rule", "rules", "flagged", "flag", "flags", "most", "the"],
    outranks: ["flags"],
  },
  {
    kind: "engagement_trend",
    name: "Engagement trend",
    description:
      "Average events per student per week (7-day blocks counted back from the end of the period) from each source, for one year and/or programmes. Cohorts (programme and year) of fewer than 5 students are left out of every average.",
    counts: "average events per student",
    groupings: ["source", "week"],
    cohortFilters: true,
    sources: "several",
    defaultPeriod: { kind: "last_weeks", weeks: 6 },
    examples: [
      "engagement trend by source for first-years in Computing over the last 6 weeks",
      "VLE engagement trend for second-years over the last 8 weeks",
      "how has engagement changed for History over the last 4 weeks?",
    ],
    detect: [
      /\btrends?\b/,
      /\bengagement (over|by|per|each|changed|change)\b/,
      /\baverage( \w+)? (events|activity|engagement)\b/,
      /\bhow (has|is) engagement\b/,
    ],
    words: ["engagement", "trend", "trends", "average", "events", "activity", "over", "changed", "change", "has", "is", "how", "by"],
  },
  {
    kind: "reach",
    name: "Nudge reach and replies",
    description:
      "Students sent a nudge (any delivery sent in the period) and students who replied to one of those nudges, by the channel it went out on, with the reply rate; optionally for one year and/or programmes.",
    counts: "students",
    groupings: ["channel"],
    cohortFilters: true,
    sources: "none",
    defaultPeriod: { kind: "this_month" },
    examples: [
      "reply rate by channel this month",
      "nudge reach by channel last week",
      "how many students did we nudge this month?",
      "reply rate for first-years in Computing in the last 30 days",
    ],
    detect: [/\brepl(y|ies|ied)\b/, /\breach\b/, /\b(nudged|messaged)\b/, /\bdid we (nudge|message)\b/, /\bnudges? (sent|reach)\b/],
    words: ["reply", "replies", "replied", "rate", "rates", "reach", "nudge", "nudges", "nudged", "messaged", "message", "sent", "we", "did", "by"],
  },
  {
    kind: "meetings",
    name: "Invitations and meetings",
    description:
      "Invitations to talk sent in the period, and meetings whose slot fell in it: booked (booked, held or no-show), held, and no-shows; optionally for one year and/or programmes, by programme or year.",
    counts: "invitations and meetings",
    groupings: ["none", "programme", "year"],
    cohortFilters: true,
    sources: "none",
    defaultPeriod: { kind: "this_month" },
    examples: [
      "invitations and meetings this month",
      "how many meetings were held last month?",
      "no-shows by programme this month",
      "invitations to talk for first-years in the last 4 weeks",
    ],
    detect: [/\bmeetings?\b/, /\binvitations?\b/, /\bno shows?\b/, /\binvited\b/],
    words: ["invitation", "invitations", "to", "talk", "meeting", "meetings", "booked", "held", "no", "show", "shows", "sent", "invited", "and", "were"],
  },
  {
    kind: "attendance_rate",
    name: "Attendance rate",
    description:
      "Sessions attended as a share (%) of sessions timetabled over a period, for students enrolled at its end; optionally for one year and/or programmes, by programme or year. Cohorts (programme and year) of fewer than 5 students with sessions are left out of every rate.",
    counts: "percentage of sessions",
    groupings: ["none", "programme", "year"],
    cohortFilters: true,
    sources: "one",
    defaultPeriod: { kind: "last_weeks", weeks: 4 },
    examples: [
      "attendance rate by programme in the last 4 weeks",
      "attendance rate for third-years in the last 2 weeks",
      "what is the attendance rate for second-years in History?",
    ],
    detect: [/\battendance (rate|rates|percentage|percent|levels?)\b/, /\b(average|mean|overall) attendance\b/, /\brates? of attendance\b/],
    words: ["rate", "rates", "percentage", "percent", "level", "levels", "average", "mean", "overall", "of", "what", "is", "was", "the"],
  },
  {
    kind: "submissions",
    name: "Missed and late submissions",
    description:
      "Students who missed a submission (work due and not handed in) and students who handed work in late over a period: students enrolled at its end, optionally one year of study and/or programmes, by programme or year.",
    counts: "students",
    groupings: ["none", "programme", "year"],
    cohortFilters: true,
    sources: "one",
    defaultPeriod: { kind: "last_weeks", weeks: 4 },
    examples: [
      "missed submissions by programme this month",
      "how many first-years in Law missed a submission in the last 4 weeks?",
      "late submissions for third-years last month",
    ],
    detect: [/\b(missed|missing|late|overdue)( \w+)? (submissions?|coursework|assignments?|deadlines?|hand ins?)\b/, /\b(submitted|handed( \w+)?) late\b/],
    words: [
      "missed",
      "missing",
      "late",
      "overdue",
      "a",
      "an",
      "any",
      "deadline",
      "deadlines",
      "submitted",
      "handed",
      "in",
      "hand",
      "ins",
      "were",
      "was",
      "there",
      "did",
      "by",
    ],
  },
  {
    kind: "support",
    name: "Help requests and referrals",
    description:
      "Students who asked for help in the period (a reply read as asking for help) and referrals made in it (approved, whatever happened next; escalations are not referrals); optionally for one year and/or programmes, by programme or year.",
    counts: "students and referrals",
    groupings: ["none", "programme", "year"],
    cohortFilters: true,
    sources: "none",
    defaultPeriod: { kind: "this_month" },
    examples: [
      "requests for help and referrals this month",
      "how many students needed help last week?",
      "referrals by programme this month",
      "how many second-years in Computing asked for help in the last 4 weeks?",
    ],
    detect: [
      /\b(ask|asks|asked|asking) for help\b/,
      /\bhelp requests?\b/,
      /\brequests? for help\b/,
      /\b(need|needs|needed|needing|requested|wanted) help\b/,
      /\breferr(als?|ed)\b/,
    ],
    words: [
      "help",
      "requests",
      "request",
      "requested",
      "ask",
      "asks",
      "asked",
      "asking",
      "for",
      "need",
      "needs",
      "needed",
      "needing",
      "wanted",
      "referral",
      "referrals",
      "referred",
      "made",
      "were",
      "was",
      "and",
      "did",
      "by",
    ],
  },
  {
    kind: "opt_outs",
    name: "Opt-outs and pauses",
    description:
      "Students who have opted out of messages now, on any channel and on each (Teams, SMS, email), and students whose messages are paused now; students actively enrolled today, optionally one year of study and/or programmes, by programme or year.",
    counts: "students",
    groupings: ["none", "programme", "year", "channel"],
    cohortFilters: true,
    sources: "none",
    defaultPeriod: null,
    examples: [
      "opt-outs and pauses by programme",
      "how many students have opted out, by channel?",
      "how many students in Law have opted out or paused?",
      "opt-outs for first-years in Computing",
    ],
    detect: [/\bopt(s|ed|ing)? outs?\b/, /\bunsubscribed\b/, /\bpaus(e|ed|es|ing)\b/],
    words: [
      "opt",
      "opts",
      "opted",
      "opting",
      "out",
      "outs",
      "of",
      "and",
      "or",
      "pause",
      "paused",
      "pauses",
      "pausing",
      "have",
      "has",
      "who",
      "messages",
      "message",
      "nudges",
      "contact",
      "unsubscribed",
      "from",
      "by",
      // Every answer shows each channel, so naming one asks for nothing else.
      "sms",
      "text",
      "texts",
      "teams",
      "email",
      "emails",
    ],
  },
  {
    kind: "approvals",
    name: "Waiting approvals",
    description:
      "Messages, invitations and referrals waiting for a person's approval now (proposed or awaiting approval), and the students they are for; optionally for one year and/or programmes, by programme or year.",
    counts: "interventions and students",
    groupings: ["none", "programme", "year"],
    cohortFilters: true,
    sources: "none",
    defaultPeriod: null,
    examples: ["how many approvals are waiting?", "nudges awaiting approval by programme", "pending approvals for first-years in Computing"],
    detect: [/\bapprovals?\b/, /\bawaiting (approval|sign off)\b/, /\bwaiting (to be|for) (approved|approval|sign off)\b/],
    words: [
      "approval",
      "approvals",
      "awaiting",
      "waiting",
      "pending",
      "outstanding",
      "be",
      "approved",
      "sign",
      "off",
      "nudges",
      "nudge",
      "messages",
      "message",
      "interventions",
      "intervention",
      "are",
      "is",
      "there",
      "by",
      "still",
    ],
  },
  {
    kind: "freshness",
    name: "Data freshness",
    description:
      "How fresh each data feed is: the last day its data covers, when it was last loaded, and whether it is stale. No students are involved, so nothing is suppressed.",
    counts: "days",
    groupings: ["source"],
    cohortFilters: false,
    sources: "one",
    defaultPeriod: null,
    examples: ["how fresh is the data?", "feed freshness", "when was the VLE data last loaded?"],
    detect: [/\bfresh(ness)?\b/, /\bstale\b/, /\bup to date\b/, /\blast (loaded|updated)\b/, /\bfeeds?\b/],
    words: [
      "how",
      "fresh",
      "freshness",
      "is",
      "the",
      "data",
      "feed",
      "feeds",
      "stale",
      "up",
      "to",
      "date",
      "last",
      "loaded",
      "updated",
      "when",
      "was",
      "were",
      "are",
    ],
  },
  {
    kind: "feedback",
    name: "Rule feedback",
    description: "Tutors' verdicts on flags, by rule: useful, not useful, wrong data, over a period.",
    counts: "verdicts",
    groupings: ["rule"],
    cohortFilters: false,
    sources: "none",
    defaultPeriod: { kind: "last_days", days: 90 },
    examples: ["rule feedback from tutors", "rule feedback this month", "how useful did tutors find the rules in the last 90 days?"],
    detect: [/\bfeedback\b/, /\bverdicts?\b/, /\b(useful|wrong data)\b/],
    words: [
      "rule",
      "rules",
      "feedback",
      "from",
      "tutor",
      "tutors",
      "verdict",
      "verdicts",
      "useful",
      "not",
      "wrong",
      "data",
      "did",
      "find",
      "the",
      "by",
      "given",
      "according",
      "on",
      "flag",
      "flags",
    ],
    // "tutors' verdicts on flags" is about the verdicts.
    outranks: ["flags"],
  },
  {
    kind: "effect",
    name: "Effect of nudges",
    description:
      "Whether nudges made a difference: students flagged and nudged against students the rules held out at random, every rule pooled (weighted by its students), on VLE active days in the 14 days after the flag (or attendance, or work handed in on time), with a 95% interval; or plainly that there are not enough students yet. Flags raised in the period, or every flag so far.",
    counts: "difference between nudged and held-out students",
    groupings: ["none", "rule"],
    cohortFilters: false,
    sources: "one",
    defaultPeriod: null,
    examples: ["did engagement improve after nudges last term?", "do nudges work?", "what difference have nudges made to attendance this term?"],
    detect: [
      // A cause, what might cause it, and a question; never about flags ("did flags increase?").
      /^(?!.*\bflag(s|ged)?\b)(?=.*\b(improve[ds]?|improving|improvement|work(s|ed|ing)?|help(s|ed)?|effect(s|ive|iveness)?|impact|difference|change[ds]?|better|increase[ds]?)\b)(?=.*\b(nudges?|nudging|nudged|interventions?|messages?|rules?|prompts?)\b)(?=.*\b(did|do|does|has|have|is|are|were|was|what|how|whether)\b)/,
    ],
    words: [
      "improve",
      "improved",
      "improves",
      "improving",
      "improvement",
      "work",
      "works",
      "worked",
      "working",
      "help",
      "helps",
      "helped",
      "effect",
      "effects",
      "effective",
      "effectiveness",
      "impact",
      "difference",
      "change",
      "changed",
      "changes",
      "better",
      "increase",
      "increased",
      "increases",
      "nudge",
      "nudges",
      "nudging",
      "nudged",
      "intervention",
      "interventions",
      "message",
      "messages",
      "rule",
      "rules",
      "prompt",
      "prompts",
      "engagement",
      "engage",
      "more",
      "after",
      "actually",
      "really",
      "made",
      "make",
      "makes",
      "had",
      "any",
      "on",
      "by",
      "whether",
      "students",
    ],
    outranks: ["engagement_trend", "reach", "inactive", "attendance_rate", "support", "submissions", "meetings", "top_rules", "feedback"],
  },
];

export function questionOf(kind: QuestionKind): QuestionDefinition {
  return QUESTIONS.find((q) => q.kind === kind)!;
}

/** The README's question table, from the definitions the parser and runner use. */
export function renderQuestionTable(): string {
  const cell = (text: string) => text.replace(/\|/g, "\\|");
  const lines = ["| Question | What it answers | Grouped by | Filters | Default period | Examples |", "|---|---|---|---|---|---|"];
  for (const q of QUESTIONS) {
    const filters =
      [q.cohortFilters ? "programme, year of study" : "", q.sources === "one" ? "one source" : q.sources === "several" ? "sources" : ""]
        .filter(Boolean)
        .join("; ") || "–";
    const groupings = q.groupings.filter((g) => g !== "none").join(", ") || "–";
    const examples = q.examples.map((e) => `“${e}”`).join("<br>");
    lines.push(
      `| ${cell(q.name)} | ${cell(q.description)} | ${groupings} | ${filters} | ${q.defaultPeriod ? periodText(q.defaultPeriod) : "–"} | ${cell(examples)} |`,
    );
  }
  return lines.join("\n");
}

/** A period in words, as the canonical phrasing says it (the parser reads it back). */
export function periodText(period: Period): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  switch (period.kind) {
    case "last_days":
      return `in the last ${plural(period.days, "day")}`;
    case "last_weeks":
      return `in the last ${plural(period.weeks, "week")}`;
    case "last_months":
      return `in the last ${plural(period.months, "month")}`;
    case "today":
      return "today";
    case "yesterday":
      return "yesterday";
    case "this_week":
      return "this week";
    case "last_week":
      return "last week";
    case "this_month":
      return "this month";
    case "last_month":
      return "last month";
    case "this_term":
      return "this term";
    case "last_term":
      return "last term";
  }
}
