/**
 * Access: the single gate for individuals' data (POLICY P5). Who holds which role over whom, and
 * whether a person may do something to a student; every refusal is audited.
 */
export { decide, decideEach, scopeFilter, CONCERN_SCOPE_DAYS, type Actor, type Decision, type SpecialCategory, type Target } from "./decide.ts";
export { CAPABILITIES, MATRIX, ROLES, renderAccessTable, type CapabilityName, type Role, type Scope } from "./permissions.ts";
export { roleScopeKey, type RoleScope } from "./role-scope.ts";
export { AccessRefused, authorise, staffByNumber, type Authorised, type StaffIdentity } from "./identity.ts";
export {
  grantRole,
  revokeRole,
  rolesOfStaff,
  staffWithRoles,
  RoleChangeError,
  STAFF_ROLES,
  type HeldRole,
  type RoleGrant,
  type StaffRoleName,
} from "./roles.ts";
export { personByAadObjectId, whoIs, mayDo, type Person } from "./people.ts";
export { withholds, consentInForce, withholdingAnalytics, type ConsentState, type ConsentPurpose } from "./consent.ts";
export { consentGrantedSql, consentWithheldSql } from "./queries.ts";
export {
  FEWER_THAN_5,
  NOT_SHOWN,
  SMALL,
  countFigure,
  sumOfCells,
  bandOf,
  isHidden,
  rateOf,
  averageOverCohorts,
  figureText,
  plotted,
  shownSize,
  isRounded,
  roundedSum,
  roundingSteps,
  ROUNDED_RATE_MINIMUM,
  type BandedCell,
  type Figure,
  type Range,
  type Rounded,
} from "./disclosure.ts";

import { authorise, staffByNumber } from "./identity.ts";
import { decide } from "./decide.ts";
import { mayDo, whoIs } from "./people.ts";
import { grantRole, revokeRole, rolesOfStaff, staffWithRoles } from "./roles.ts";

/** What the edges may ask of access (app/ binds the database). */
export const useCases = { whoIs, mayDo, decide, authorise, staffByNumber, grantRole, revokeRole, rolesOfStaff, staffWithRoles };
