/** Where referrals and escalations go (NUDGE_REFERRAL_* and NUDGE_ESCALATION_*), and how links in their emails are made. */
import { DEFAULT_TIMEZONE, type LinkRecipient } from "../core/index.ts";

export const CASE_KINDS = ["referral", "escalation"] as const;
export type CaseKind = (typeof CASE_KINDS)[number];

/** A team that takes cases of one kind: named staff (Teams, email when Teams cannot reach them) and/or shared mailboxes. */
export interface CaseDestination {
  /** The team as the student and staff read it, e.g. "the Student Centre's support team". */
  team: string;
  contacts: LinkRecipient[];
}

export interface ReferralSettings {
  /** A kind with no destination is not set up: nothing is referred, and the tutor is told so. */
  destinations: Partial<Record<CaseKind, CaseDestination>>;
  /** Hours a case may stay unacknowledged before its team is reminded; 0: never. */
  remindHours: number;
  /** Where acknowledgement links in case emails point (`<base>/referrals/acknowledge/<token>`); unset: no link. */
  publicBaseUrl?: string;
  linkSecret: string;
  timezone: string;
}

export const DEFAULT_TEAMS: Record<CaseKind, string> = {
  referral: "the Student Centre's support team",
  escalation: "the student's programme team",
};

/** Settings for tests and local use: nothing set up. */
export function defaultReferralSettings(overrides: Partial<ReferralSettings> = {}): ReferralSettings {
  return {
    destinations: {},
    remindHours: 0,
    linkSecret: "development-only-link-secret-not-for-production",
    timezone: DEFAULT_TIMEZONE,
    ...overrides,
  };
}
