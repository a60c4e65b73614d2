/**
 * A crisis alert nobody has acknowledged in time goes further: to the escalation contacts (or,
 * when none are configured, to the first contacts again), marked as not yet acknowledged. Each
 * concern escalates once; the claim on `escalatedAt` keeps two instances from both doing it.
 */
import { PRIORITY } from "../notices/index.ts";
import type { Database } from "../prisma/index.ts";
import { writeAudit } from "../audit/index.ts";
import { alertFacts, alertPeople, personalTutors } from "./raise.ts";
import type { SafeguardingContact, SafeguardingSettings } from "./settings.ts";

export interface EscalationFigures {
  escalated: number;
  recipients: number;
}

async function resolve(db: Database, contacts: readonly SafeguardingContact[]) {
  const numbers = contacts.filter((c) => c.kind === "staff").map((c) => c.staffNumber);
  const staff = numbers.length
    ? await db.prisma.staff.findMany({ where: { staffNumber: { in: numbers }, active: true }, select: { id: true, staffNumber: true, displayName: true } })
    : [];
  return {
    people: staff.map((s) => ({ staffId: s.id, staffNumber: s.staffNumber, displayName: s.displayName })),
    mailboxes: contacts.filter((c) => c.kind === "email").map((c) => c.address),
  };
}

export async function escalateUnacknowledged(db: Database, settings: SafeguardingSettings, now = new Date()): Promise<EscalationFigures> {
  const due = await db.prisma.safeguardingConcern.findMany({
    where: { state: "open", escalatedAt: null, escalateAt: { lte: now } },
    select: { id: true, studentId: true },
    orderBy: { escalateAt: "asc" },
  });
  const figures: EscalationFigures = { escalated: 0, recipients: 0 };
  const contacts = settings.escalationContacts.length ? settings.escalationContacts : settings.contacts;
  for (const concern of due) {
    await db.prisma.$transaction(async (tx) => {
      const { count } = await tx.safeguardingConcern.updateMany({ where: { id: concern.id, state: "open", escalatedAt: null }, data: { escalatedAt: now } });
      if (count === 0) return;
      const facts = { ...(await alertFacts(tx, concern.id, now, settings.timezone)), escalated: true };
      let recipients = await resolve(db, contacts);
      if (recipients.people.length + recipients.mailboxes.length === 0)
        recipients = { people: await personalTutors(tx, concern.studentId, now), mailboxes: [] };
      const sent = await alertPeople(tx, facts, recipients, { priority: PRIORITY.urgent, route: "both", dueAt: now }, settings, concern.studentId);
      await writeAudit(tx, {
        actor: { kind: "system", component: "safeguarding" },
        action: "safeguarding.escalated",
        targetType: "concern",
        targetId: String(concern.id),
        studentId: concern.studentId,
        details: { recipients: sent, to: settings.escalationContacts.length ? "escalation contacts" : "first contacts again" },
      });
      figures.escalated++;
      figures.recipients += sent;
    });
  }
  return figures;
}
