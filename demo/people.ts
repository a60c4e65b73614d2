/**
 * Students and what the student record system knows about them: personal details, programme and
 * module enrolments, and consent history.
 */
import { academicYearStart, dayDate, dayNumber, ukTime } from "./calendar.ts";
import type { Setting } from "./activity.ts";
import { modulesOfStudent } from "./activity.ts";
import { deterministicUuid, emailPart, nameSource } from "./identity.ts";
import { stream } from "./random.ts";
import { STATUSES } from "./cohort.ts";

/** Ofcom's drama range: numbers that will never reach a real phone. */
const DRAMA_MOBILE_BASE = 447700900000;
const DRAMA_MOBILE_COUNT = 1000;

const OTHER_TIMEZONES = ["Europe/Dublin", "Europe/Paris", "Asia/Shanghai", "Asia/Kolkata", "America/New_York", "Africa/Lagos"];

/** HESA-style DISABLE codes (learning difference, mental health, long-term illness, autism ...). */
const DISABILITY_CODES = ["51", "55", "54", "53", "56", "57", "58", "96"];
const DISABILITY_WEIGHTS = [0.4, 0.25, 0.12, 0.08, 0.05, 0.03, 0.02, 0.05];

/** HESA ETHNIC codes with rough UK undergraduate proportions (90 not known, 98 refused). */
const ETHNICITY_CODES = ["10", "15", "21", "22", "29", "31", "32", "33", "34", "39", "41", "42", "43", "49", "50", "80", "90", "98"];
const ETHNICITY_WEIGHTS = [68, 0.2, 1.5, 6, 0.5, 3.5, 3.5, 1.5, 1.5, 2, 1.2, 0.6, 1, 1.2, 1, 0.8, 2, 2];

const HEALTH_CODES = ["HC01", "HC02", "HC03", "HC04"];

export interface PersonDetails {
  timezone: string;
  disability: string | null;
  ethnicity: string | null;
  healthCode: string | null;
  channel: number;
}

/** Details drawn from the student's own stream, so the consent pass can see the same disability. */
export function personDetails(seed: number, i: number): PersonDetails {
  const random = stream(seed, i, "person");
  const u = [random.float(), random.float(), random.float(), random.float(), random.float()] as const;
  return {
    timezone: u[0] < 0.96 ? "Europe/London" : OTHER_TIMEZONES[Math.floor(((u[0] - 0.96) / 0.04) * OTHER_TIMEZONES.length)]!,
    disability: u[1] < 0.12 ? DISABILITY_CODES[random.weighted(DISABILITY_WEIGHTS)]! : null,
    // Ethnicity is recorded for most students, not all (older records, imports).
    ethnicity: u[2] < 0.8 ? ETHNICITY_CODES[random.weighted(ETHNICITY_WEIGHTS)]! : null,
    healthCode: u[3] < 0.02 ? HEALTH_CODES[Math.floor((u[3] / 0.02) * HEALTH_CODES.length)]! : null,
    channel: u[4],
  };
}

/** When a student's programme enrolment began and is expected to end (UK academic calendar). */
export function programmeDates(s: Setting, i: number): { start: Date; expectedEnd: Date } {
  const year = s.cohort.year[i]!;
  const intake = academicYearStart(s.period.startDay) - (year - 1);
  const welcome = dayNumber(new Date(Date.UTC(intake, 8, 22)));
  const length = s.curriculum.programmes[s.cohort.programme[i]!]!.lengthYears;
  return {
    // A period that starts before welcome week still sees the enrolment in force.
    start: dayDate(Math.min(welcome, s.period.startDay)),
    expectedEnd: new Date(Date.UTC(intake + length, 5, 30)),
  };
}

function studentNumber(s: Setting, i: number): string {
  const intake = academicYearStart(s.period.startDay) - (s.cohort.year[i]! - 1);
  return `S${String(intake % 100).padStart(2, "0")}${String(i).padStart(5, "0")}`;
}

function endDate(s: Setting, i: number): Date {
  const left = s.cohort.leftDay[i]!;
  return s.cohort.status[i] === 2 && left >= 0 ? dayDate(left) : programmeDates(s, i).expectedEnd;
}

export const STUDENT_COLUMNS = [
  "id",
  "studentNumber",
  "givenName",
  "familyName",
  "email",
  "mobile",
  "entraObjectId",
  "timezone",
  "preferredChannel",
  "enrolmentStatus",
  "enrolmentEndDate",
  "disability",
  "ethnicity",
  "healthCode",
  "createdAt",
  "updatedAt",
] as const;

export function* studentRows(s: Setting, updatedAt: Date) {
  const nextName = nameSource(s.seed, "students");
  for (let i = 1; i <= s.cohort.size; i++) {
    const name = nextName();
    const person = personDetails(s.seed, i);
    const mobile = i <= DRAMA_MOBILE_COUNT ? `+${DRAMA_MOBILE_BASE + i - 1}` : null;
    // Most students leave the channel to the rules; a few state a preference.
    const channel = person.channel < 0.12 ? "teams" : person.channel < 0.16 ? "email" : person.channel < 0.2 && mobile ? "sms" : null;
    yield [
      i,
      studentNumber(s, i),
      name.given,
      name.family,
      `${emailPart(name.given)}.${emailPart(name.family)}.${i}@student.example.ac.uk`,
      mobile,
      deterministicUuid("student", s.seed, i),
      person.timezone,
      channel,
      STATUSES[s.cohort.status[i]!]!,
      endDate(s, i),
      person.disability,
      person.ethnicity,
      person.healthCode,
      programmeDates(s, i).start,
      updatedAt,
    ];
  }
}

export const PROGRAMME_ENROLMENT_COLUMNS = ["id", "studentId", "programmeId", "yearOfStudy", "startDate", "endDate", "status"] as const;

export function* programmeEnrolmentRows(s: Setting) {
  for (let i = 1; i <= s.cohort.size; i++) {
    yield [i, i, s.cohort.programme[i]! + 1, s.cohort.year[i]!, programmeDates(s, i).start, endDate(s, i), STATUSES[s.cohort.status[i]!]!];
  }
}

export const MODULE_ENROLMENT_COLUMNS = ["id", "studentId", "moduleInstanceId", "enrolledAt", "withdrawnAt"] as const;

export function* moduleEnrolmentRows(s: Setting) {
  const enrolled = dayDate(s.period.startDay);
  let id = 0;
  for (let i = 1; i <= s.cohort.size; i++) {
    const left = s.cohort.leftDay[i]!;
    const withdrawn = left >= 0 ? dayDate(left) : null;
    for (const moduleId of modulesOfStudent(s, i)) yield [++id, i, moduleId, enrolled, withdrawn];
  }
}

export const CONSENT_COLUMNS = ["id", "studentId", "purpose", "state", "source", "recordedAt", "recordedById", "note"] as const;

/**
 * Consent history, appended in time order: analytics granted at online registration for most,
 * refused by a few, granted then withdrawn (through the bot) by a few more; some students with a
 * recorded disability also allow it to be used.
 */
export function* consentRows(s: Setting) {
  let id = 0;
  for (let i = 1; i <= s.cohort.size; i++) {
    const random = stream(s.seed, i, "consent");
    const choice = random.float();
    const registeredDay = s.period.startDay - random.int(1, 14);
    const registered = ukTime(registeredDay, 9, random.int(0, 600));
    const withdrawnDay = s.period.startDay + Math.floor(s.period.days * (0.1 + 0.8 * random.float()));
    const allowsDisability = random.chance(0.55);
    if (choice < 0.97) yield [++id, i, "analytics", "granted", "sis", registered, null, null];
    else if (choice < 0.988) yield [++id, i, "analytics", "refused", "sis", registered, null, null];
    else {
      yield [++id, i, "analytics", "granted", "sis", registered, null, null];
      yield [++id, i, "analytics", "withdrawn", "teams", ukTime(withdrawnDay, 19, random.int(0, 120)), null, null];
    }
    if (allowsDisability && personDetails(s.seed, i).disability) {
      yield [++id, i, "special_category_disability", "granted", "sis", new Date(registered.getTime() + 60_000), null, null];
    }
  }
}
