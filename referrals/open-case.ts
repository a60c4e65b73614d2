/**
 * A case is opened in the same transaction as the referral or escalation it hands over, and its
 * team is told in that transaction too (through the staff outbox: named staff get a Teams card,
 * email when Teams cannot reach them; a shared mailbox gets an email with a signed link), so no
 * student is told "someone will be in touch" without someone having been asked.
 */
import type { LinkRecipient } from "../core/index.ts";
import { writeAudit } from "../audit/index.ts";
import { PRIORITY, queueStaffNotice, type StaffRecipient } from "../notices/index.ts";
import type { Tx } from "../prisma/index.ts";
import { caseCard, caseEmail, caseFacts } from "./case-content.ts";
import { caseLinkUrl } from "./case-links.ts";
import type { CaseDestination, CaseKind, ReferralSettings } from "./settings.ts";

/** A destination's contacts as they stand in the staff records: active staff Nudge can reach (Teams or email), and mailboxes. */
export interface ResolvedDestination {
  team: string;
  people: { staffId: number; staffNumber: string }[];
  mailboxes: string[];
  /** Configured staff numbers of nobody active, or of someone with neither Teams nor an email address. */
  unknown: string[];
}

export async function resolveDestination(tx: Tx, destination: CaseDestination): Promise<ResolvedDestination> {
  const numbers = destination.contacts.filter((c) => c.kind === "staff").map((c) => c.staffNumber);
  const staff = numbers.length
    ? await tx.staff.findMany({
        // Someone the staff outbox could not reach would leave the student waiting for nobody.
        where: { staffNumber: { in: numbers }, active: true, OR: [{ email: { not: null } }, { conversationReference: { is: { unavailableAt: null } } }] },
        select: { id: true, staffNumber: true },
      })
    : [];
  const found = new Set(staff.map((s) => s.staffNumber));
  return {
    team: destination.team,
    people: staff.map((s) => ({ staffId: s.id, staffNumber: s.staffNumber })),
    mailboxes: destination.contacts.filter((c) => c.kind === "email").map((c) => c.address),
    unknown: numbers.filter((n) => !found.has(n)),
  };
}

/** Whether anyone would receive a case of this kind; null: the kind is not set up. */
export async function reachableDestination(tx: Tx, settings: ReferralSettings, kind: CaseKind): Promise<ResolvedDestination | null> {
  const destination = settings.destinations[kind];
  if (!destination) return null;
  const resolved = await resolveDestination(tx, destination);
  return resolved.people.length + resolved.mailboxes.length > 0 ? resolved : null;
}

export interface NewCase {
  interventionId: number;
  studentId: number;
  kind: CaseKind;
  note: string | null;
  referredById: number | null;
  /** Who opened it, for the audit log. */
  actor: { kind: "staff"; staffNumber: string };
}

/** Queues the case's card and email to everyone at the destination; returns how many were told. */
export async function tellDestination(
  tx: Tx,
  caseId: number,
  studentId: number,
  destination: Pick<ResolvedDestination, "people" | "mailboxes">,
  settings: ReferralSettings,
  now: Date,
  reminder = false,
): Promise<number> {
  const facts = await caseFacts(tx, caseId, settings.timezone);
  const card = caseCard(facts);
  const link = (recipient: LinkRecipient) => (settings.publicBaseUrl ? caseLinkUrl(settings.publicBaseUrl, settings.linkSecret, caseId, recipient) : null);
  const queue = async (recipient: StaffRecipient, id: LinkRecipient) => {
    const email = caseEmail(facts, link(id), reminder);
    await queueStaffNotice(tx, recipient, {
      kind: "referral_case",
      priority: PRIORITY.soon,
      studentId,
      subject: email.subject,
      text: email.text,
      card,
      route: "teams-then-email",
      dueAt: now,
    });
  };
  for (const person of destination.people) await queue({ staffId: person.staffId }, { kind: "staff", staffNumber: person.staffNumber });
  for (const address of destination.mailboxes) await queue({ address }, { kind: "email", address });
  return destination.people.length + destination.mailboxes.length;
}

export async function openCase(
  tx: Tx,
  input: NewCase,
  destination: ResolvedDestination,
  settings: ReferralSettings,
  now: Date,
): Promise<{ caseId: number; recipients: number }> {
  const created = await tx.referralCase.create({
    data: {
      interventionId: input.interventionId,
      studentId: input.studentId,
      kind: input.kind,
      destination: destination.team,
      note: input.note,
      referredById: input.referredById,
      createdAt: now,
    },
    select: { id: true },
  });
  const recipients = await tellDestination(tx, created.id, input.studentId, destination, settings, now);
  await writeAudit(tx, {
    actor: input.actor,
    action: "referral.case_opened",
    targetType: "referral_case",
    targetId: String(created.id),
    studentId: input.studentId,
    details: {
      kind: input.kind,
      destination: destination.team,
      interventionId: input.interventionId,
      staff: destination.people.map((p) => p.staffNumber),
      mailboxes: destination.mailboxes.length,
      ...(destination.unknown.length ? { unreachableStaffNumbers: destination.unknown } : {}),
    },
  });
  return { caseId: created.id, recipients };
}
