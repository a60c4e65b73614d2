/**
 * The canonical text of a staff role's scope, stored in StaffRoleAssignment.scopeKey so that
 * (staff, role, programme, year) is unique without relying on how a database treats NULLs.
 *
 *   roleScopeKey("admin")                                          → "admin"
 *   roleScopeKey("programme_leader", { programmeId: 3 })           → "programme_leader:p3"
 *   roleScopeKey("level_tutor", { programmeId: 3, yearOfStudy: 1 }) → "level_tutor:p3:y1"
 */
import type { StaffRole } from "../prisma/index.ts";

export interface RoleScope {
  programmeId?: number | null;
  yearOfStudy?: number | null;
}

export function roleScopeKey(role: StaffRole, scope: RoleScope = {}): string {
  let key: string = role;
  if (scope.programmeId != null) key += `:p${positive(scope.programmeId, "programmeId")}`;
  if (scope.yearOfStudy != null) key += `:y${positive(scope.yearOfStudy, "yearOfStudy")}`;
  return key;
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
