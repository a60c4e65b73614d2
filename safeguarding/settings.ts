/** Who is alerted, how fast, and what a student in crisis or distress is told. */
import { DEFAULT_TIMEZONE } from "../core/index.ts";
import type { WorkingHours } from "../core/index.ts";

/** A safeguarding contact: a member of staff (Teams and email) or an address (a duty mailbox). */
export type SafeguardingContact = { kind: "staff"; staffNumber: string } | { kind: "email"; address: string };

export interface SafeguardingSettings {
  /** Alerted at once about a crisis; empty: the student's personal tutor (outside production only). */
  contacts: SafeguardingContact[];
  /** Alerted when a crisis alert is not acknowledged in time; empty: the first contacts again. */
  escalationContacts: SafeguardingContact[];
  escalateMinutes: number;
  /** National lines, e.g. "Samaritans: call 116 123 (free, day or night)". */
  crisisLines: string[];
  /** The university's wellbeing service as students reach it. */
  wellbeingContact?: string;
  /** The university's 24-hour security line. */
  securityContact?: string;
  /** The institution's clock: working hours and the times on alerts. */
  timezone: string;
  workingHours: WorkingHours;
  /** Where acknowledgement links in alert emails point (`<base>/safeguarding/acknowledge/<token>`); unset: no link. */
  publicBaseUrl?: string;
  /** Signs those links. */
  linkSecret: string;
}

export const DEFAULT_CRISIS_LINES = [
  "Samaritans: call 116 123 (free, day or night)",
  "Shout: text SHOUT to 85258",
  "NHS 111 (option 2 for mental health)",
  "In an emergency call 999",
];

/** Settings for tests and local use: no contacts (the tutor is alerted), UK lines, 9 to 5. */
export function defaultSafeguardingSettings(overrides: Partial<SafeguardingSettings> = {}): SafeguardingSettings {
  return {
    contacts: [],
    escalationContacts: [],
    escalateMinutes: 30,
    crisisLines: DEFAULT_CRISIS_LINES,
    timezone: DEFAULT_TIMEZONE,
    workingHours: { from: 9 * 60, to: 17 * 60 },
    linkSecret: "development-only-link-secret-not-for-production",
    ...overrides,
  };
}
