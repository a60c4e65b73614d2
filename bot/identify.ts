/**
 * Who is writing: a member of staff or a student, recognised by their Entra object id, or nobody
 * the service knows. Someone who is both (a doctoral student who tutors) is treated as staff in
 * the bot, since staff commands are a superset of what a student can ask here.
 */
import type { Activity } from "botbuilder";
import type { Database } from "../prisma/index.ts";
import { personByAadObjectId } from "../access/index.ts";
import { say } from "../core/index.ts";

export type Person =
  | { kind: "staff"; staffId: number; staffNumber: string; displayName: string }
  | { kind: "student"; studentId: number }
  | { kind: "unknown" };

export async function whoIs(db: Database, activity: Partial<Activity>): Promise<Person> {
  const { studentId, staffId } = await personByAadObjectId(db, activity.from?.aadObjectId);
  if (staffId !== null) {
    const staff = await db.prisma.staff.findUnique({ where: { id: staffId }, select: { staffNumber: true, displayName: true, active: true } });
    if (staff?.active) return { kind: "staff", staffId, staffNumber: staff.staffNumber, displayName: staff.displayName };
  }
  if (studentId !== null) return { kind: "student", studentId };
  return { kind: "unknown" };
}

/** Said to anyone the service does not know, in a message or on a card. */
export const UNKNOWN_PERSON = say("unknown_person");
