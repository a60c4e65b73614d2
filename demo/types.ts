/** The public shapes of the demo generator (see seed.ts). */
import type { Profile } from "./cohort.ts";

export interface DemoOptions {
  students: number;
  days: number;
  seed: number;
  /** Last day of data (UTC midnight; a later time of day counts as that day). */
  endDate: Date;
  /** Delete existing students, staff, curriculum and everything referring to them first. */
  reset?: boolean;
}

export interface DemoCounts {
  students: number;
  staff: number;
  programmes: number;
  modules: number;
  moduleInstances: number;
  programmeEnrolments: number;
  moduleEnrolments: number;
  tutorGroups: number;
  tutorAssignments: number;
  staffRoles: number;
  timetableEvents: number;
  attendance: number;
  assessments: number;
  submissions: number;
  engagementDays: number;
  consents: number;
  feeds: number;
  profiles: Record<Profile, number>;
  /** First and last day of data, YYYY-MM-DD. */
  startDate: string;
  endDate: string;
  /** SHA-256 (hex) over every generated row, in write order. */
  fingerprint: string;
}

/** The row counts, one per table written. */
export type CountKey = Exclude<keyof DemoCounts, "profiles" | "startDate" | "endDate" | "fingerprint">;
