/**
 * A tutor's office hours (when invitations to talk offer times) and office location (where a
 * booked meeting takes place, shown on the cards and in the calendar invitation). Set by an
 * administrator at the command line (`nudge staff office`); every change is audited.
 */
import { writeAudit, type AuditActor } from "../audit/index.ts";
import type { Database } from "../prisma/index.ts";
import { MeetingError, parseOfficeHours } from "./slots.ts";

const MAX_LOCATION = 200;

export interface OfficeChange {
  staffNumber: string;
  /** Weekly windows, e.g. [{"day":"tue","from":"10:00","to":"12:00"}]; [] clears them. */
  officeHours?: unknown;
  /** "Room 2.14, Hawthorn Building"; "" clears it (meetings are then online, or the place is agreed). */
  officeLocation?: string;
}

export interface OfficeDetails {
  staffNumber: string;
  displayName: string;
  officeHours: unknown;
  officeLocation: string | null;
  timezone: string;
}

export async function setOffice(db: Database, change: OfficeChange, actor: AuditActor): Promise<OfficeDetails> {
  const staff = await db.prisma.staff.findUnique({ where: { staffNumber: change.staffNumber }, select: { id: true, displayName: true } });
  if (!staff) throw new MeetingError(`${change.staffNumber} is not a known member of staff`, { kind: "not_found" });
  const data: { officeHours?: object; officeLocation?: string | null } = {};
  if (change.officeHours !== undefined) {
    const windows = Array.isArray(change.officeHours) && change.officeHours.length === 0 ? [] : parseOfficeHours(change.officeHours, staff.displayName);
    // Stored as given (validated), so it reads back as the administrator wrote it.
    data.officeHours = windows.length ? (change.officeHours as object) : [];
  }
  if (change.officeLocation !== undefined) {
    const location = change.officeLocation.replace(/\s+/g, " ").trim();
    if (location.length > MAX_LOCATION) throw new MeetingError(`location: ${location.length} characters; keep it within ${MAX_LOCATION}`);
    data.officeLocation = location || null;
  }
  const updated = await db.prisma.$transaction(async (tx) => {
    const row = await tx.staff.update({
      where: { id: staff.id },
      data,
      select: { staffNumber: true, displayName: true, officeHours: true, officeLocation: true, timezone: true },
    });
    await writeAudit(tx, {
      actor,
      action: "staff.office",
      targetType: "staff",
      targetId: row.staffNumber,
      details: {
        ...(data.officeHours !== undefined ? { officeHours: data.officeHours } : {}),
        ...(data.officeLocation !== undefined ? { officeLocation: data.officeLocation } : {}),
      },
    });
    return row;
  });
  return updated;
}

export async function officeOf(db: Database, staffNumber: string): Promise<OfficeDetails> {
  const row = await db.prisma.staff.findUnique({
    where: { staffNumber },
    select: { staffNumber: true, displayName: true, officeHours: true, officeLocation: true, timezone: true },
  });
  if (!row) throw new MeetingError(`${staffNumber} is not a known member of staff`, { kind: "not_found" });
  return row;
}
