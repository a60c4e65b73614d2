/** Which students a phone number or an email address belongs to (a shared one may be several). */
import type { Database } from "../prisma/index.ts";
import { studentIdsByEmail } from "./queries.ts";

export async function studentsByMobile(db: Database, mobile: string): Promise<number[]> {
  return (await db.prisma.student.findMany({ where: { mobile }, select: { id: true } })).map((s) => s.id);
}

/** Addresses are stored as ingested, in any case; compared lower-cased (ASCII, as SQLite's lower() folds). */
export async function studentsByEmail(db: Database, address: string): Promise<number[]> {
  return studentIdsByEmail(db, address.toLowerCase());
}
