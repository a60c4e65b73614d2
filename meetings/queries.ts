/** The SQL meetings/ needs beyond Prisma Client: a row lock. */
import type { Database, Tx } from "../prisma/index.ts";

/**
 * The PostgreSQL row lock on the tutor, so two students cannot book the same time of theirs at
 * once (SQLite runs one writing transaction at a time anyway).
 */
export async function lockTutor(db: Database, tx: Tx, tutorId: number): Promise<void> {
  if (db.kind === "postgresql") await tx.$queryRaw`SELECT "id" FROM "Staff" WHERE "id" = ${tutorId} FOR UPDATE`;
}
