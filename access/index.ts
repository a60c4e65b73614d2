/**
 * Access: the single gate for individuals' data (POLICY P5). Who holds which role over whom, and
 * whether a person may do something to a student; every refusal is audited.
 */
export { decide, CONCERN_SCOPE_DAYS, type Actor, type Decision, type SpecialCategory, type Target } from "./decide.ts";
export { CAPABILITIES, MATRIX, ROLES, renderAccessTable, type CapabilityName, type Role, type Scope } from "./permissions.ts";
export { roleScopeKey, type RoleScope } from "./role-scope.ts";
export { AccessRefused, authorise, staffByNumber, type StaffIdentity } from "./identity.ts";
export { grantRole, revokeRole, rolesOfStaff, RoleChangeError, STAFF_ROLES, type HeldRole, type RoleGrant, type StaffRoleName } from "./roles.ts";
export { personByAadObjectId } from "./people.ts";
