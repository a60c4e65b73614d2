/**
 * What each card shows: the data its template is expanded with. Builders elsewhere (bot/,
 * channels/, scheduler/) fill these from the database through the privacy layer; the templates in
 * this folder turn them into Adaptive Cards 1.5. Every string here is already fit to show.
 */

/** The verbs of the cards' `Action.Execute` buttons; the bot routes invokes by them. */
export const VERBS = {
  /** Student: a quick reply from a nudge card ("I'd like a chat", "Why did I get this?"). data: { text, interventionId } */
  studentReply: "student.reply",
  /** Student: a slot on an invitation to talk. data: { meetingId, choice } (1-based) */
  meetingChoose: "meeting.choose",
  /** Tutor: the outcome of a meeting. data: { meetingId, outcome } */
  meetingOutcome: "meeting.outcome",
  /** Tutor digest actions. data: { digestId, page, studentId, ... } */
  digestApprove: "digest.approve",
  digestEdit: "digest.edit",
  digestInvite: "digest.invite",
  digestRefer: "digest.refer",
  digestDismiss: "digest.dismiss",
  digestSnooze: "digest.snooze",
  digestPage: "digest.page",
  /** "I'm handling this" on a message pinned to a digest entry. data: { digestId, page, studentId, concernId } */
  digestAcknowledge: "digest.acknowledge",
  /** Sent by Teams when a card with `refresh` is shown: the card is rebuilt from the current state. */
  digestRefresh: "digest.refresh",
  /** Student centre: ask one of the suggested questions. data: { text } */
  analyticsAsk: "analytics.ask",
  /** Admin: apply the rule change a confirmation card describes. data: { change, ruleId, version } */
  rulesConfirm: "rules.confirm",
  /** Admin: leave the rule as it is. data: { change, ruleId, version } */
  rulesCancel: "rules.cancel",
  /** Admin: Release or Discard on a held-nudges card; answers with a confirmation card. data: { change, ruleId } */
  rulesHeld: "rules.held",
  /** Safeguarding contact or tutor: "I'm handling this". data: { concernId } */
  safeguardingAcknowledge: "safeguarding.acknowledge",
  /** Record extenuating circumstances (and acknowledge). data: { concernId }, inputs circumstancesFrom/To-<concernId> */
  safeguardingCircumstances: "safeguarding.circumstances",
  /** The team a referral or escalation went to: "Acknowledge". data: { caseId } */
  referralAcknowledge: "referral.acknowledge",
  /** Record the case's outcome and close it. data: { caseId }, inputs outcome-<caseId>, outcomeNote-<caseId> */
  referralClose: "referral.close",
} as const;
export type Verb = (typeof VERBS)[keyof typeof VERBS];

/** A student's nudge in Teams: warm text and one clear next step. */
export interface NudgeCardData {
  interventionId: number;
  /** The message, as approved (may be the tutor's own wording). */
  text: string;
  /** "Dr Ada Lovelace", or null when the student has no personal tutor on record. */
  tutorName: string | null;
  /** A module page to open, when the rule's evidence names one. */
  moduleUrl?: string | null;
}

export interface SlotChoice {
  /** 1-based, as the student would reply by SMS. */
  choice: number;
  /** "Tuesday 3 December, 10:00 to 10:30", in the tutor's timezone. */
  label: string;
}

/** An invitation to talk with the proposed slots as buttons; after the choice, what was booked. */
export interface InvitationCardData {
  meetingId: number;
  text: string;
  tutorName: string;
  slots: SlotChoice[];
  /** Set once booked: the card shows the booking instead of the buttons. */
  booked?: { label: string; location: string | null; onlineMeetingUrl: string | null } | null;
  /** Set when the invitation can no longer be answered (cancelled, expired, slots gone). */
  closed?: string | null;
}

/** The confirmation of a booked meeting, to the student or to the tutor. */
export interface MeetingBookedCardData {
  audience: "student" | "tutor";
  meetingId: number;
  /** The other person: the tutor's name for the student, the student's name and number for the tutor. */
  withWhom: string;
  when: string;
  location: string | null;
  onlineMeetingUrl: string | null;
  /** "A calendar invitation was sent to you by email." or null. */
  calendarNote: string | null;
}

export const MEETING_OUTCOMES = [
  { value: "met", label: "We met" },
  { value: "no_show", label: "Student didn't come" },
  { value: "support_agreed", label: "Support agreed" },
  { value: "referred", label: "Referred on" },
] as const;
export type MeetingOutcomeValue = (typeof MEETING_OUTCOMES)[number]["value"];

/** After a meeting's end: the tutor is asked what happened; afterwards the card shows the answer. */
export interface OutcomeCardData {
  meetingId: number;
  studentName: string;
  studentNumber: string;
  when: string;
  recorded?: { outcome: string; by: string; at: string; note?: string | null } | null;
}

/** One week of a student's activity: a block character on the card's shared scale, and the count. */
export interface TrendBar {
  block: string;
  count: string;
}

/** One student on a tutor's digest (or the answer to "student <name or id>"). */
export interface DigestStudent {
  studentId: number;
  name: string;
  studentNumber: string;
  /** "BSc Computing, year 1", or null. */
  programme: string | null;
  /** What the rules saw, in one line: "No VLE activity for 12 days (to 23 Nov); 2 of 5 sessions attended". */
  evidence: string;
  /**
   * The last weeks of activity, oldest first: a label that states the scale, a row of block
   * characters, and each week's bar with its number (as columns, and as one line "█ 41 · ▇ 35" where
   * a card's size is tight). Every student on a card is drawn on one scale.
   */
  trend: { label: string; sparkline: string; weeks: number[]; bars: TrendBar[]; line: string };
  /** Earlier interventions and the student's replies, newest first, one line each. */
  history: string[];
  /** The suggested action waiting for a decision, if any. */
  proposal: { interventionId: number; kind: string; text: string } | null;
  /** What was done, by whom and when ("Nudge approved by Dr Tutor at 10:02"): replaces the actions. */
  done: string | null;
  /** Whether the viewer may act (false: the card shows the state only). */
  actionable: boolean;
  /** A message that could be a crisis or distress, pinned above everything until someone acknowledges it. */
  concern: { concernId: number; heading: string; text: string } | null;
}

export interface DigestCardData {
  digestId: number;
  tutorName: string;
  /** "Monday 30 November" */
  dateLabel: string;
  page: number;
  pages: number;
  totalStudents: number;
  /** "3 tutees have something new since Friday." */
  summary: string;
  students: DigestStudent[];
  /** Teams user ids whose clients refresh the card when shown (Universal Actions `refresh.userIds`). */
  refreshUserIds: string[];
}

/** "my tutees": a short list, with who needs a look. */
export interface TuteesCardData {
  tutorName: string;
  tutees: { name: string; studentNumber: string; programme: string | null; status: string }[];
  /** Shown when the list was cut to fit a card: "and 23 more: ask for a student by name". */
  more: string | null;
}

/** "student <name or id>": one student's evidence and history, for someone allowed to see it. */
export interface StudentCardData {
  student: DigestStudent;
  /** Consent and pause, in words ("Opted out of learning analytics", "Paused until 14 Dec"), or null. */
  status: string | null;
  /** The next meeting booked with them, in the reader's timezone ("Thursday 10 December, 11:30 to 12:00"), and where. */
  meeting?: { when: string; withWhom: string; where: string | null } | null;
}

/** A short message as a card (refusals, confirmations, help). */
export interface NoticeCardData {
  title: string;
  text: string;
}

/** An aggregate answer for student-centre staff: figures, period, data freshness and a bar chart. */
export interface AnswerCardData {
  /** The question as the parser understood it, in words. */
  question: string;
  title: string;
  /** "16 to 29 November 2026". */
  period: string;
  /** "VLE data up to 29 November; attendance up to 28 November". */
  freshness: string;
  columns: string[];
  /** `bar`: block characters for the first column, empty where the figure is not shown exactly. */
  rows: { label: string; cells: string[]; bar: string }[];
  total: { label: string; cells: string[] } | null;
  notes: string[];
  /** Teams' own chart of the exact figures (`Chart.HorizontalBar`, `Chart.Line`...), or none. */
  chart: TeamsChart | null;
}

/**
 * A Teams chart element (Teams renders `Chart.*` in Adaptive Cards; other hosts drop it through
 * `fallback: "drop"`, and the table above it still holds every figure).
 */
export type TeamsChart =
  | {
      type: "Chart.HorizontalBar" | "Chart.VerticalBar";
      title: string;
      xAxisTitle?: string;
      yAxisTitle?: string;
      colorSet?: string;
      data: { x: string; y: number }[];
      fallback: "drop";
    }
  | {
      type: "Chart.Line" | "Chart.VerticalBar.Grouped";
      title: string;
      xAxisTitle?: string;
      yAxisTitle?: string;
      colorSet?: string;
      data: { legend: string; values: { x: string; y: number }[] }[];
      fallback: "drop";
    };

/** A question not understood: what was not, and questions that would work, as buttons. */
export interface SuggestionsCardData {
  text: string;
  suggestions: string[];
}

/** "rules": every rule, switched on or off, its version and what its last run found. */
export interface RulesCardData {
  rules: { id: string; title: string; state: "On" | "Off"; version: number; lastRun: string }[];
  /** What to ask next ("rule <id>" …). */
  note: string;
}

export type RuleChangeKind = "enable" | "disable" | "rollback" | "release" | "discard";

/** Nudges the volume guard held, a rule at a time, with Release and Discard (each confirmed on a rule-change card). */
export interface HeldNudgesCardData {
  heading: string;
  /** What happened and what the buttons do. */
  text: string;
  /** figures: "10 nudges held from the run for 20 Nov 2026: 10 of 25 students in XA year 2 (40%, more than 15%) in one day" */
  rules: { ruleId: string; title: string; figures: string }[];
}

/** A change to a rule asked for in chat: what will change, Confirm / Cancel; afterwards, who did it. */
export interface RuleChangeCardData {
  change: RuleChangeKind;
  ruleId: string;
  title: string;
  /** The version to restore (rollback), or the current version (enable, disable). */
  version: number;
  /** "Disable a rule" */
  heading: string;
  /** What will change, in words. */
  summary: string;
  /** Set once confirmed or cancelled ("Disabled by Rules Admin at 10:02, 30 Nov"): replaces the buttons. */
  result: string | null;
  resultColor: "good" | "default";
}

/** An alert to a safeguarding contact or a personal tutor: a student's message that could be a crisis or distress. */
export interface SafeguardingAlertCardData {
  concernId: number;
  level: "crisis" | "distress";
  /** "Urgent: a student may be at risk" */
  title: string;
  /** One or two sentences: what was recognised and what to do. */
  summary: string;
  student: { name: string; number: string; programme: string; tutor: string; mobile: string; email: string };
  /** "Monday 7 December, 10:42, by text message" */
  received: string;
  message: string;
  told: string;
  /** "Acknowledged by Dr Ada Lovelace at 10:48", or null while open. */
  acknowledged: string | null;
}

/** A referral or escalation as the team that takes it sees it: acknowledge, then record an outcome and close. */
export interface ReferralCaseCardData {
  caseId: number;
  /** "Referral from Dr Ada Lovelace" */
  title: string;
  /** What is asked of the team, in a sentence or two. */
  summary: string;
  student: { name: string; number: string; programme: string; tutor: string; mobile: string; email: string };
  /** The referring person's note, or a line saying there is none. */
  note: string;
  /** What the flags saw, in plain words, one phrase each; empty: none recorded. */
  evidence: { text: string }[];
  /** What the student was told. */
  told: string;
  /** "Acknowledged by Jo Bloggs at 10:31, 8 Dec", or null while open. */
  acknowledged: string | null;
  /** "Closed at 14:02, 9 Dec: support arranged. Booked a money advice appointment.", or null. */
  closed: string | null;
  /** The outcomes a case can close with. */
  outcomes: { title: string; value: string }[];
}

/** A student's own figures and flags (POLICY P6): "my data" in Teams. */
export interface MyDataCardData {
  intro: string;
  /** "Last time on the VLE": "3 November"; only figures whose data exists. */
  facts: { title: string; value: string }[];
  /** Each open flag: the check's title and what it saw, in plain words. */
  flags: { title: string; text: string }[];
  /** Data freshness and where to get a full copy. */
  footer: string;
}
