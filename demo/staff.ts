/**
 * Staff and who looks after whom: a programme leader per programme, a level tutor per
 * programme-year, personal tutors (about one per 25 students) each with a tutor group in one
 * programme, and the central teams (student centre, admins, an operator).
 */
import { roleScopeKey } from "../access/index.ts";
import type { StaffRole } from "../prisma/index.ts";
import type { Setting } from "./activity.ts";
import { dayDate } from "./calendar.ts";
import { deterministicUuid, emailPart, nameSource } from "./identity.ts";
import { programmeDates } from "./people.ts";
import { stream } from "./random.ts";

export interface StaffMember {
  id: number;
  role: StaffRole;
  /** Programme index (0-based) for programme-scoped roles and personal tutors. */
  programme?: number;
  year?: number;
  /** Tutor group id for personal tutors. */
  group?: number;
}

const CENTRAL: readonly [StaffRole, number][] = [
  ["student_centre", 3],
  ["admin", 2],
  ["operator", 1],
];

/** Staff in id order. Ids are fixed by position, so tutor group g's tutor is found without lookups. */
export function planStaff(s: Setting): StaffMember[] {
  const staff: StaffMember[] = [];
  const add = (member: Omit<StaffMember, "id">) => staff.push({ id: staff.length + 1, ...member });
  s.curriculum.programmes.forEach((_, p) => void add({ role: "programme_leader", programme: p }));
  s.curriculum.programmes.forEach((programme, p) => {
    for (let year = 1; year <= programme.lengthYears; year++) add({ role: "level_tutor", programme: p, year });
  });
  s.curriculum.programmes.forEach((_, p) => {
    for (let g = 0; g < s.cohort.programmeGroups[p]!; g++) add({ role: "personal_tutor", programme: p, group: s.cohort.firstGroup[p]! + g });
  });
  for (const [role, count] of CENTRAL) for (let k = 0; k < count; k++) add({ role });
  return staff;
}

/** Staff id of tutor group `group`'s personal tutor. */
export function tutorOf(staff: readonly StaffMember[], group: number): number {
  const first = staff.findIndex((m) => m.role === "personal_tutor");
  return staff[first + group - 1]!.id;
}

const ACADEMIC_ROLES: readonly StaffRole[] = ["programme_leader", "level_tutor", "personal_tutor"];
const OFFICE_DAYS = ["mon", "tue", "wed", "thu", "fri"];

export const STAFF_COLUMNS = [
  "id",
  "staffNumber",
  "displayName",
  "email",
  "entraObjectId",
  "active",
  "officeHours",
  "timezone",
  "createdAt",
  "updatedAt",
] as const;

export function* staffRows(s: Setting, staff: readonly StaffMember[], createdAt: Date) {
  const nextName = nameSource(s.seed, "staff");
  for (const member of staff) {
    const name = nextName();
    const random = stream(s.seed, member.id, "staff");
    const academic = ACADEMIC_ROLES.includes(member.role);
    const title = academic ? (member.role === "programme_leader" && random.chance(0.3) ? "Prof " : random.chance(0.6) ? "Dr " : "") : "";
    // Academics hold a weekly office hour that invitations to talk are offered in.
    const hour = 9 + random.int(0, 6);
    const officeHours = academic
      ? [{ day: random.pick(OFFICE_DAYS), from: `${String(hour).padStart(2, "0")}:00`, to: `${String(hour + 2).padStart(2, "0")}:00` }]
      : null;
    yield [
      member.id,
      `E${String(100000 + member.id)}`,
      `${title}${name.given} ${name.family}`,
      `${emailPart(name.given)}.${emailPart(name.family)}.${member.id}@example.ac.uk`,
      deterministicUuid("staff", s.seed, member.id),
      true,
      officeHours,
      "Europe/London",
      createdAt,
      createdAt,
    ];
  }
}

export const STAFF_ROLE_COLUMNS = ["id", "staffId", "role", "programmeId", "yearOfStudy", "scopeKey", "createdAt"] as const;

/** One role each; only programme leaders and level tutors are scoped (personal tutors reach their tutees through TutorAssignment). */
export function* staffRoleRows(staff: readonly StaffMember[], createdAt: Date) {
  for (const member of staff) {
    const scoped = member.role === "programme_leader" || member.role === "level_tutor";
    const programmeId = scoped && member.programme !== undefined ? member.programme + 1 : null;
    const yearOfStudy = member.role === "level_tutor" ? (member.year ?? null) : null;
    yield [member.id, member.id, member.role, programmeId, yearOfStudy, roleScopeKey(member.role, { programmeId, yearOfStudy }), createdAt];
  }
}

export const TUTOR_GROUP_COLUMNS = ["id", "code", "name", "tutorId", "programmeId"] as const;

export function* tutorGroupRows(s: Setting, staff: readonly StaffMember[]) {
  for (const member of staff) {
    if (member.role !== "personal_tutor" || member.group === undefined || member.programme === undefined) continue;
    const programme = s.curriculum.programmes[member.programme]!;
    const number = member.group - s.cohort.firstGroup[member.programme]! + 1;
    const label = String(number).padStart(2, "0");
    yield [member.group, `PT-${programme.code}-${label}`, `${programme.title} personal tutor group ${label}`, member.id, member.programme + 1];
  }
}

export const TUTOR_ASSIGNMENT_COLUMNS = ["id", "studentId", "staffId", "role", "tutorGroupId", "startDate", "endDate"] as const;

/** Every student has exactly one personal tutor, from the start of their programme. */
export function* tutorAssignmentRows(s: Setting, staff: readonly StaffMember[]) {
  const firstTutor = tutorOf(staff, 1);
  for (let i = 1; i <= s.cohort.size; i++) {
    const group = s.cohort.tutorGroup[i]!;
    const left = s.cohort.leftDay[i]!;
    const ended = s.cohort.status[i] === 2 && left >= 0 ? dayDate(left) : null;
    yield [i, i, firstTutor + group - 1, "personal_tutor", group, programmeDates(s, i).start, ended];
  }
}
