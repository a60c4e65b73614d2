/**
 * The SQL privacy/ needs beyond Prisma Client: JSON columns set to SQL NULL (Prisma Client would
 * write a JSON null), each the same statement on SQLite and PostgreSQL.
 */
import type { Tx } from "../prisma/index.ts";

export async function clearChannelOrder(tx: Tx, studentId: number): Promise<void> {
  await tx.$executeRaw`UPDATE "Student" SET "channelOrder" = NULL WHERE "id" = ${studentId}`;
}

export async function clearTemplateData(tx: Tx, studentId: number): Promise<void> {
  await tx.$executeRaw`UPDATE "Intervention" SET "templateData" = NULL WHERE "studentId" = ${studentId}`;
}

export async function clearStaffMessageCards(tx: Tx, studentId: number): Promise<void> {
  await tx.$executeRaw`UPDATE "StaffMessage" SET "card" = NULL WHERE "studentId" = ${studentId}`;
}
