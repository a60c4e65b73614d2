/**
 * Referrals and escalations as cases for the team that takes them: where each kind goes
 * (configured destinations), the case opened with the referral and its team told, acknowledgement
 * and outcome from the Teams card or the signed link in the email, and the case's state for the
 * referring tutor.
 */
export { CASE_KINDS, DEFAULT_TEAMS, defaultReferralSettings, type CaseDestination, type CaseKind, type ReferralSettings } from "./settings.ts";
export { CASE_OUTCOMES, caseCard, caseEmail, caseFacts, type CaseFacts, type CaseOutcome } from "./case-content.ts";
export { CASE_LINK_PATH, caseLinkUrl, readCaseLink } from "./case-links.ts";
export { openCase, reachableDestination, resolveDestination, type NewCase, type ResolvedDestination } from "./open-case.ts";
export { referToTeam, escalationCase, ReferralNotSetUp } from "./refer.ts";
export {
  acknowledgeCase,
  closeCase,
  respondToCase,
  caseOfLink,
  respondByLink,
  CaseError,
  type CaseActor,
  type CaseResponse,
  type CaseState,
  type LinkedCase,
} from "./respond.ts";
export { caseStatusLine } from "./status.ts";
export { remindUnacknowledged, referralJobs } from "./reminders.ts";

import { referralJobs } from "./reminders.ts";
import { caseOfLink, respondByLink, respondToCase } from "./respond.ts";

/** What the edges may ask of referrals (app/ binds the database). */
export const useCases = { respondToCase, caseOfLink, respondByLink, jobs: referralJobs };
