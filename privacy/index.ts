/** Privacy: the data subject's rights (POLICY P6-P9): the notice, consent, access, rectification, erasure, restriction, retention. */
export { readAuditTrail, AuditQueryError, type AuditQuery, type AuditTrailEntry } from "./audit-trail.ts";
export { exportStudent, exportHtml, ExportError, EXPORT_FORMAT, SECTIONS as EXPORT_SECTIONS, type SubjectAccessExport } from "./export.ts";
export {
  privacyNotice,
  noticeHtml,
  noticeText,
  welcomeText,
  asksForPrivacyNotice,
  privacySummary,
  accessRows,
  CAPABILITY_WORDS,
  NOTICE_SOURCES,
  DEFAULT_NOTICE_SETTINGS,
  DEFAULT_INSTITUTION_NAME,
  DEFAULT_PRIVACY_CONTACT,
  type PrivacyNotice,
  type PrivacyNoticeSettings,
  type NoticeSection,
  type AccessRow,
} from "./notice.ts";
export { academicYear } from "./anonymise.ts";
export { runRetention, anonymousNumber, RETENTION_ACTOR, type RetentionReport, type RetentionSettings, type RetentionOptions } from "./retention.ts";
export {
  rectifyStudent,
  checkRectification,
  RectifyError,
  RECTIFIABLE_FIELDS,
  type RectifiableField,
  type RectifyRequest,
  type RectifyResult,
} from "./rectify.ts";
export { eraseStudent, findStudentForErasure, erasedNumber, EraseError, type EraseResult } from "./erase.ts";
export {
  recordConsent,
  checkConsent,
  ConsentError,
  CONSENT_PURPOSES,
  CONSENT_STATES,
  type ConsentChange,
  type ConsentResult,
  type ConsentPurposeName,
  type ConsentStateName,
} from "./consent.ts";
export { setRestriction, RestrictError, type RestrictResult } from "./restrict.ts";
export { privacyJobs } from "./jobs.ts";
export {
  queueDataCopy,
  completeAccessRequest,
  deliverDataCopies,
  openAccessRequest,
  DataCopyError,
  SUBJECT_ACCESS_DELIVERIES,
  type SubjectAccessDelivery,
  type DataCopyFigures,
} from "./subject-access.ts";
export { recordNoticeGiven, type NoticeOccasion } from "./notice-given.ts";
export { exportFor, restrictFor, consentFor, rectifyFor, eraseFor, openRequests, sendDataCopy, handOverDataCopy, type OpenRequest } from "./staff-requests.ts";
export { auditTrailFor } from "./audit-trail.ts";

import { auditTrailFor } from "./audit-trail.ts";
import { recordNoticeGiven } from "./notice-given.ts";
import { runRetention } from "./retention.ts";
import { privacyJobs as privacyJobsOf } from "./jobs.ts";
import { consentFor, eraseFor, exportFor, handOverDataCopy, openRequests, rectifyFor, restrictFor, sendDataCopy } from "./staff-requests.ts";

/** What the edges may ask of privacy (app/ binds the database). */
export const useCases = {
  exportFor,
  restrictFor,
  consentFor,
  rectifyFor,
  eraseFor,
  openRequests,
  sendDataCopy,
  handOverDataCopy,
  auditTrailFor,
  runRetention,
  recordNoticeGiven,
  jobs: privacyJobsOf,
};
