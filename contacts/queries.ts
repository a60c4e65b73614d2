/** The SQL contacts/ needs beyond Prisma Client. */
import type { Database } from "../prisma/index.ts";

/** Case-insensitive: Prisma's `mode: "insensitive"` exists on PostgreSQL only. */
export async function studentIdsByEmail(db: Database, lowerCased: string): Promise<number[]> {
  const rows = await db.sql.query<{ id: number }>(`SELECT "id" FROM "Student" WHERE lower("email") = $1`, [lowerCased]);
  return rows.map((r) => Number(r.id));
}
