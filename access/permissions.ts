/**
 * The permission matrix (POLICY P5): for each role, what it may do with each kind of data, and
 * over whom. Every edge (bot, HTTP, CLI) asks `privacy/access.ts`, which reads this table; the
 * README's access table is generated from it.
 *
 * Scopes, narrowest first:
 *   own            the student themself
 *   tutees         students the staff member is personal tutor to (current assignment)
 *   programme_year students on the role's programme and year of study (level tutor)
 *   programme      students on the role's programme (programme leader)
 *   concerns       students who raised a safeguarding concern in the last 90 days (safeguarding staff)
 *   all            everyone (designated staff handling data-protection requests; system actions)
 *   aggregate      counts over groups with small numbers suppressed, never an individual
 */
export const ROLES = ["student", "personal_tutor", "level_tutor", "programme_leader", "student_centre", "safeguarding", "admin", "operator"] as const;
export type Role = (typeof ROLES)[number];

export type Scope = "own" | "tutees" | "programme_year" | "programme" | "concerns" | "all" | "aggregate";

export interface Capability {
  /** Shown in the access table (docs/data-protection.md). */
  label: string;
  /** Whether it concerns one student (then a target student is checked against the scope). */
  individual: boolean;
}

export const CAPABILITIES = {
  "student.read": { label: "Read a student's record, engagement metrics and flags with evidence", individual: true },
  "student.special_category.read": {
    label: "See special-category data (health, disability, ethnicity), only with the student's consent for it",
    individual: true,
  },
  "student.contact": { label: "Message a student, invite to talk, see their replies", individual: true },
  "intervention.decide": { label: "Approve, edit, dismiss or snooze a proposed intervention", individual: true },
  "consent.record": { label: "Record consent or its withdrawal", individual: true },
  "student.export": { label: "Export everything held about a student (subject access)", individual: true },
  "student.rectify": { label: "Correct a student's record", individual: true },
  "student.erase": { label: "Erase a student's personal data", individual: true },
  "safeguarding.respond": { label: "Acknowledge a safeguarding alert, record extenuating circumstances", individual: true },
  "analytics.ask": { label: "Ask aggregate questions (small groups suppressed)", individual: false },
  "analytics.report": { label: "Produce the annual report on use, effectiveness and equality (aggregates, small groups suppressed)", individual: false },
  "rules.edit": { label: "Write, test, enable and roll back rules", individual: false },
  "runs.read": { label: "See rule-run history and data freshness (counts only)", individual: false },
  "audit.read": { label: "Read the audit log", individual: false },
  "system.operate": { label: "Ingest feeds, run migrations and retention, read health", individual: false },
} as const satisfies Record<string, Capability>;
export type CapabilityName = keyof typeof CAPABILITIES;

/** What each role may do, and over whom; a missing entry means never. */
export const MATRIX: Record<Role, Partial<Record<CapabilityName, Scope>>> = {
  student: {
    "student.read": "own",
    "student.special_category.read": "own",
    "consent.record": "own",
    "student.export": "own",
  },
  personal_tutor: {
    "student.read": "tutees",
    "student.special_category.read": "tutees",
    "student.contact": "tutees",
    "intervention.decide": "tutees",
    "safeguarding.respond": "tutees",
  },
  level_tutor: {
    "student.read": "programme_year",
    "student.special_category.read": "programme_year",
    "student.contact": "programme_year",
    "intervention.decide": "programme_year",
    "safeguarding.respond": "programme_year",
    "analytics.ask": "aggregate",
  },
  programme_leader: {
    "student.read": "programme",
    "student.special_category.read": "programme",
    "student.contact": "programme",
    "intervention.decide": "programme",
    "safeguarding.respond": "programme",
    "analytics.ask": "aggregate",
    "runs.read": "aggregate",
  },
  student_centre: {
    "analytics.ask": "aggregate",
  },
  // Safeguarding and wellbeing staff see only the students who raised a concern, for as long as
  // they may need to follow it up (invariant 7).
  safeguarding: {
    "student.read": "concerns",
    "student.contact": "concerns",
    "safeguarding.respond": "concerns",
  },
  // Admins see individuals only through data-protection duties (export, rectify, erase, consent
  // recorded on a student's behalf) or when they also hold a support role (POLICY P5).
  admin: {
    "consent.record": "all",
    "student.export": "all",
    "student.rectify": "all",
    "student.erase": "all",
    "analytics.ask": "aggregate",
    "analytics.report": "aggregate",
    "rules.edit": "all",
    "runs.read": "aggregate",
    "audit.read": "all",
    "system.operate": "all",
  },
  // IT runs the system without reading anyone's data.
  operator: {
    "runs.read": "aggregate",
    "system.operate": "all",
  },
};

const SCOPE_TEXT: Record<Scope, string> = {
  own: "own",
  tutees: "tutees",
  programme_year: "programme + year",
  programme: "programme",
  concerns: "safeguarding concerns",
  all: "all",
  aggregate: "aggregates",
};

/** The access table in docs/data-protection.md, from the matrix the code enforces. */
export function renderAccessTable(): string {
  const header = `| What | ${ROLES.map((role) => role.replace(/_/g, " ")).join(" | ")} |`;
  const rule = `|---|${ROLES.map(() => "---").join("|")}|`;
  const rows = (Object.keys(CAPABILITIES) as CapabilityName[]).map((name) => {
    const cells = ROLES.map((role) => {
      const scope = MATRIX[role][name];
      return scope ? SCOPE_TEXT[scope] : "–";
    });
    return `| ${CAPABILITIES[name].label} | ${cells.join(" | ")} |`;
  });
  return [header, rule, ...rows].join("\n");
}
