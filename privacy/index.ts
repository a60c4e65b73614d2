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
  SOURCE_WORDS,
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
export { rectifyStudent, checkRectification, RectifyError, RECTIFIABLE_FIELDS, type RectifiableField, type RectifyRequest, type RectifyResult } from "./rectify.ts";
export { eraseStudent, findStudentForErasure, erasedNumber, EraseError, type EraseResult } from "./erase.ts";
export { recordConsent, checkConsent, consentInForce, ConsentError, CONSENT_PURPOSES, CONSENT_STATES, type ConsentChange, type ConsentResult, type ConsentPurposeName, type ConsentStateName } from "./consent.ts";
export { setRestriction, RestrictError, type RestrictResult } from "./restrict.ts";
export { privacyJobs } from "./jobs.ts";
