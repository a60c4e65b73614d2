/**
 * The Teams cards: each builder expands its JSON template in templates/ with the card's data. The
 * templates hold the wording and layout; this file only binds data to them and measures the result.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Template } from "adaptivecards-templating";
import type {
  AnswerCardData,
  DigestCardData,
  HeldNudgesCardData,
  InvitationCardData,
  MeetingBookedCardData,
  MyDataCardData,
  NoticeCardData,
  NudgeCardData,
  OutcomeCardData,
  RuleChangeCardData,
  RulesCardData,
  ReferralCaseCardData,
  SafeguardingAlertCardData,
  StudentCardData,
  SuggestionsCardData,
  TuteesCardData,
} from "./card-data.ts";
import { SAMPLES, type CardSamples } from "./samples.ts";

export * from "./card-data.ts";
export * from "./limits.ts";
export { SAMPLES } from "./samples.ts";

/** An expanded card, ready to send as an attachment's content. */
export interface AdaptiveCard {
  type: "AdaptiveCard";
  version: string;
  body: Record<string, unknown>[];
  actions?: Record<string, unknown>[];
  [property: string]: unknown;
}

const templates = {
  nudge: load("nudge"),
  invitation: load("invitation"),
  meetingBooked: load("meeting-booked"),
  outcome: load("outcome"),
  digest: load("digest"),
  tutees: load("tutees"),
  student: load("student"),
  notice: load("notice"),
  answer: load("answer"),
  suggestions: load("suggestions"),
  rules: load("rules"),
  ruleChange: load("rule-change"),
  heldNudges: load("held-nudges"),
  safeguardingAlert: load("safeguarding-alert"),
  myData: load("my-data"),
  referralCase: load("referral-case"),
};

function load(name: string): Template {
  return new Template(JSON.parse(readFileSync(join(import.meta.dirname, "templates", `${name}.json`), "utf8")));
}

function expand(template: Template, data: object): AdaptiveCard {
  return template.expand({ $root: data }) as AdaptiveCard;
}

export const nudgeCard = (data: NudgeCardData): AdaptiveCard => expand(templates.nudge, data);
export const invitationCard = (data: InvitationCardData): AdaptiveCard => expand(templates.invitation, data);
export const meetingBookedCard = (data: MeetingBookedCardData): AdaptiveCard => expand(templates.meetingBooked, data);
export const outcomeCard = (data: OutcomeCardData): AdaptiveCard => expand(templates.outcome, data);
export const digestCard = (data: DigestCardData): AdaptiveCard => expand(templates.digest, data);
export const tuteesCard = (data: TuteesCardData): AdaptiveCard => expand(templates.tutees, data);
export const studentCard = (data: StudentCardData): AdaptiveCard => expand(templates.student, data);
export const noticeCard = (data: NoticeCardData): AdaptiveCard => expand(templates.notice, data);
/** The chart element goes in as built (templating is for text), just before the data freshness line. */
export const answerCard = (data: AnswerCardData): AdaptiveCard => {
  const card = expand(templates.answer, { ...data, chart: null });
  if (!data.chart) return card;
  const at = card.body.findIndex((element) => element.text === data.freshness);
  card.body.splice(at < 0 ? card.body.length : at, 0, { ...data.chart });
  return card;
};
export const suggestionsCard = (data: SuggestionsCardData): AdaptiveCard => expand(templates.suggestions, data);
export const rulesCard = (data: RulesCardData): AdaptiveCard => expand(templates.rules, data);
export const ruleChangeCard = (data: RuleChangeCardData): AdaptiveCard => expand(templates.ruleChange, data);
export const heldNudgesCard = (data: HeldNudgesCardData): AdaptiveCard => expand(templates.heldNudges, data);
export const myDataCard = (data: MyDataCardData): AdaptiveCard => expand(templates.myData, data);
export const safeguardingAlertCard = (data: SafeguardingAlertCardData): AdaptiveCard => expand(templates.safeguardingAlert, data);
export const referralCaseCard = (data: ReferralCaseCardData): AdaptiveCard => expand(templates.referralCase, data);

/** Bytes of the card's JSON as sent (UTF-8), to compare with `MAX_CARD_BYTES`. */
export function cardSize(card: AdaptiveCard): number {
  return Buffer.byteLength(JSON.stringify(card), "utf8");
}

export function attachmentOf(card: AdaptiveCard): { contentType: "application/vnd.microsoft.card.adaptive"; content: AdaptiveCard } {
  return { contentType: "application/vnd.microsoft.card.adaptive", content: card };
}

/**
 * An input's value from an `Action.Execute` invoke. Digest inputs are named `<name>-<studentId>`
 * because a card's input ids must be unique (the adaptivecards validator reports duplicates across
 * show-cards); a plain `<name>` is accepted as well.
 */
export function inputOf(data: Record<string, unknown>, name: string, studentId: number): string | undefined {
  const value = data[`${name}-${studentId}`] ?? data[name];
  return typeof value === "string" ? value : undefined;
}

const BUILDERS: { [K in keyof CardSamples]: (data: CardSamples[K][string]) => AdaptiveCard } = {
  nudge: nudgeCard,
  invitation: invitationCard,
  "meeting-booked": meetingBookedCard,
  outcome: outcomeCard,
  digest: digestCard,
  tutees: tuteesCard,
  student: studentCard,
  notice: noticeCard,
  answer: answerCard,
  suggestions: suggestionsCard,
  rules: rulesCard,
  "rule-change": ruleChangeCard,
  "held-nudges": heldNudgesCard,
  "safeguarding-alert": safeguardingAlertCard,
  "my-data": myDataCard,
  "referral-case": referralCaseCard,
};

/** Every sample expanded, named `<card>-<sample>` (the tests and the previews go through these). */
export function sampleCards(): { name: string; card: AdaptiveCard }[] {
  return Object.entries(SAMPLES).flatMap(([kind, samples]) =>
    Object.entries(samples).map(([sample, data]) => ({
      name: `${kind}-${sample}`,
      card: (BUILDERS[kind as keyof CardSamples] as (data: unknown) => AdaptiveCard)(data),
    })),
  );
}
