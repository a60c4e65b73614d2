/**
 * Who each student is, decided once: programme, year, engagement profile, enrolment status and
 * personal tutor group. Kept in typed arrays (a few bytes per student) because staff numbers and
 * tutor groups depend on how many students each programme has, and every later pass needs them.
 */
import type { Period } from "./calendar.ts";
import type { Curriculum } from "./curriculum.ts";
import { stream } from "./random.ts";

export const PROFILES = ["steady", "declining", "erratic", "disengaged"] as const;
export type Profile = (typeof PROFILES)[number];
const PROFILE_WEIGHTS = [0.7, 0.15, 0.1, 0.05];

export const STATUSES = ["active", "intermitting", "withdrawn"] as const;
const STATUS_WEIGHTS = [0.96, 0.015, 0.025];

/** Year 1 ("first-years") is a little larger: some students leave after it. */
const YEAR_WEIGHTS = [0.36, 0.33, 0.31];

/** About one personal tutor per this many students. */
export const TUTEES_PER_TUTOR = 25;

export interface Cohort {
  size: number;
  /** Indexed by student id (index 0 unused). */
  programme: Uint8Array;
  year: Uint8Array;
  profile: Uint8Array;
  status: Uint8Array;
  /** First day the student no longer takes part (withdrawn or intermitting), else -1. */
  leftDay: Int32Array;
  /** Personal tutor group id (1-based, numbered programme by programme). */
  tutorGroup: Int32Array;
  /** Per programme: number of students and of tutor groups, and its first group id. */
  programmeStudents: number[];
  programmeGroups: number[];
  firstGroup: number[];
  groups: number;
  profiles: Record<Profile, number>;
}

export function planCohort(seed: number, students: number, curriculum: Curriculum, period: Period): Cohort {
  const n = students + 1;
  const c: Cohort = {
    size: students,
    programme: new Uint8Array(n),
    year: new Uint8Array(n),
    profile: new Uint8Array(n),
    status: new Uint8Array(n),
    leftDay: new Int32Array(n).fill(-1),
    tutorGroup: new Int32Array(n),
    programmeStudents: curriculum.programmes.map(() => 0),
    programmeGroups: [],
    firstGroup: [],
    groups: 0,
    profiles: { steady: 0, declining: 0, erratic: 0, disengaged: 0 },
  };
  const weights = curriculum.programmes.map((p) => p.weight);
  const rank = new Int32Array(n);
  for (let i = 1; i <= students; i++) {
    const random = stream(seed, i, "plan");
    const p = random.weighted(weights);
    c.programme[i] = p;
    c.year[i] = random.weighted(YEAR_WEIGHTS) + 1;
    const profile = random.weighted(PROFILE_WEIGHTS);
    c.profile[i] = profile;
    c.profiles[PROFILES[profile]!]++;
    const status = random.weighted(STATUS_WEIGHTS);
    c.status[i] = status;
    // Leaving happens after the first quarter of the period, so there is some data before it.
    const leaves = period.startDay + Math.floor(period.days * (0.25 + 0.7 * random.float()));
    if (status !== 0) c.leftDay[i] = Math.min(leaves, period.endDay);
    rank[i] = c.programmeStudents[p]!++;
  }
  // Tutees are dealt round-robin within the programme, so groups differ in size by one at most.
  for (const count of c.programmeStudents) {
    c.firstGroup.push(c.groups + 1);
    const groups = Math.ceil(count / TUTEES_PER_TUTOR);
    c.programmeGroups.push(groups);
    c.groups += groups;
  }
  for (let i = 1; i <= students; i++) {
    const p = c.programme[i]!;
    c.tutorGroup[i] = c.firstGroup[p]! + (rank[i]! % c.programmeGroups[p]!);
  }
  return c;
}
