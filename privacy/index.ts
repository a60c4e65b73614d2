/** Privacy: the single gate for access to individuals' data (POLICY P5-P9, P13). */
export { decide, type Actor, type Decision, type SpecialCategory, type Target } from "./access.ts";
export { CAPABILITIES, MATRIX, ROLES, renderAccessTable, type CapabilityName, type Role, type Scope } from "./permissions.ts";
export { roleScopeKey, type RoleScope } from "./role-scope.ts";
export { writeAudit, type AuditActor, type AuditEntry, type AuditWriter } from "./audit.ts";
export { AccessRefused, authorise, staffByNumber, type StaffIdentity } from "./identity.ts";
export { grantRole, revokeRole, rolesOfStaff, RoleChangeError, STAFF_ROLES, type HeldRole, type RoleGrant, type StaffRoleName } from "./roles.ts";
export { readAuditTrail, AuditQueryError, type AuditQuery, type AuditTrailEntry } from "./audit-trail.ts";
export { exportStudent, exportHtml, ExportError, EXPORT_FORMAT, SECTIONS as EXPORT_SECTIONS, type SubjectAccessExport } from "./export.ts";
