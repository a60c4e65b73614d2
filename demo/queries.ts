/**
 * Refusing to seed over existing data, and clearing it when asked to (--reset). Runs inside the
 * seeding transaction, so a failed seed leaves the old data in place.
 */
import { quoteIdentifier as q, type SqlExecutor } from "../prisma/index.ts";
import { withoutSecondaryIndexes } from "../prisma/index.ts";
import { DemoSeedError } from "./errors.ts";

/**
 * Everything that goes on reset, children first: the generated tables plus whatever refers to
 * their rows (flags, interventions and their outbox, replies, meetings, referral cases, feedback, audit entries
 * about the old students, ingest history). Staff is handled apart: rules stay, as configuration,
 * but lose their owner and authors.
 */
export const CLEAR_ORDER = [
  "ReferralCase",
  "StaffMessage",
  "SafeguardingConcern",
  "Delivery",
  "Reply",
  "Meeting",
  "RuleFeedback",
  "Intervention",
  "Flag",
  "RuleRun",
  "ConversationReference",
  "DataRequest",
  "AuditLog",
  "Consent",
  "ActivityStatement",
  "IngestBatch",
  "ExtenuatingCircumstance",
  "EngagementDaily",
  "Attendance",
  "Submission",
  "TimetableEvent",
  "Assessment",
  "TutorAssignment",
  "TutorGroup",
  "ModuleEnrolment",
  "ProgrammeEnrolment",
  "StaffRoleAssignment",
  "ModuleInstance",
  "Module",
  "Programme",
  "Student",
  "FeedFreshness",
] as const;

/** Deleting millions of rows costs a third as much with no index entries to remove one by one. */
const LARGE = new Set<string>(["EngagementDaily", "Attendance", "Submission"]);

/** Throws unless every table the generator writes (`tables`) is empty. */
export async function assertEmpty(tx: SqlExecutor, tables: readonly string[]): Promise<void> {
  const [students] = await tx.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM "Student"`);
  const count = Number(students?.n ?? 0);
  if (count > 0) {
    throw new DemoSeedError(`database already holds ${count} students; use --reset to delete them and everything that refers to them`, { kind: "conflict" });
  }
  for (const table of tables) {
    const rows = await tx.query(`SELECT 1 AS found FROM ${q(table)} LIMIT 1`);
    if (rows.length > 0) throw new DemoSeedError(`database already holds rows in ${table}; use --reset to delete them first`, { kind: "conflict" });
  }
}

export async function clearAll(tx: SqlExecutor): Promise<void> {
  if (tx.kind === "postgresql") {
    // TRUNCATE is instant where DELETE would visit millions of rows; Staff is deleted instead,
    // because truncating it would require truncating the rules that point at it.
    await tx.execScript(`TRUNCATE TABLE ${CLEAR_ORDER.map(q).join(", ")} RESTART IDENTITY`);
  } else {
    // With foreign keys on, SQLite deletes row by row (no truncate optimisation).
    for (const table of CLEAR_ORDER) {
      const clear = () => tx.execScript(`DELETE FROM ${q(table)}`);
      await (LARGE.has(table) ? withoutSecondaryIndexes(tx, table, clear) : clear());
    }
  }
  await tx.execScript(`UPDATE "Rule" SET "ownerId" = NULL WHERE "ownerId" IS NOT NULL`);
  await tx.execScript(`UPDATE "RuleVersion" SET "authorId" = NULL WHERE "authorId" IS NOT NULL`);
  await tx.execScript(`DELETE FROM "Staff"`);
  if (tx.kind === "sqlite") {
    // Start AUTOINCREMENT counters afresh, as RESTART IDENTITY does on PostgreSQL.
    const names = [...CLEAR_ORDER, "Staff"].map((t) => `'${t}'`).join(", ");
    await tx.execScript(`DELETE FROM sqlite_sequence WHERE name IN (${names})`);
  }
}
