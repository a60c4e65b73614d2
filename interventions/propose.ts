/**
 * Flags become interventions. After a rule run, every open flag without an intervention is turned
 * into one, per student:
 * - flags from `nudge` rules on the same day merge into one message (the first rule's text; the
 *   explanation lists every rule), approved by the system and queued, when the policy allows it;
 * - any other kind (invitation to talk, referral, escalation) waits for an authorised person; an
 *   invitation to talk joins the one already waiting for the student, if there is one (merge.ts).
 * Flags a rule's randomised holdout put in the held-out arm get no automatic nudge; tutors still see them.
 * Unique keys make a repeated run create nothing new (invariant 2).
 */

import type { ChannelName } from "../core/index.ts";
import type { Database } from "../prisma/index.ts";
import type { InterventionKind } from "../prisma/index.ts";
import type { FlagEvidence } from "../rules/index.ts";
import { renderTemplate } from "../rules/index.ts";
import type { RuleDocument } from "../rules/index.ts";
import type { ApprovalPolicy } from "./approval-policy.ts";
import { createProposed, transition } from "./lifecycle.ts";
import { joinInvitation, waitingInvitation } from "./merge.ts";
import { messageValues } from "./message-values.ts";
import { queueApproved } from "./queue.ts";
import { personalTutorName } from "./tutors.ts";

export interface ProposeSettings {
  policy: ApprovalPolicy;
  /** Channels the service has switched on. */
  channels: readonly ChannelName[];
  now?: Date;
}

export interface ProposeReport {
  flagsConsidered: number;
  interventionsCreated: number;
  autoApproved: number;
  awaitingApproval: number;
  /** Flags folded into another rule's message to the same student that day. */
  merged: number;
}

/** Rendered texts per channel, kept on the intervention (and shown to an approver). */
export interface RenderedTexts {
  teams?: string;
  sms?: string;
  email?: { subject: string; body: string };
}

export interface TemplateData {
  texts: RenderedTexts;
  evidence: FlagEvidence[];
  flagIds: number[];
  /** The meeting an invitation to talk (or a reminder, or a calendar invitation) is about. */
  meetingId?: number;
  /** Email: attach the meeting's calendar invitation (interventions/calendar-invite.ts). */
  calendar?: { meetingId: number; method: "REQUEST" | "CANCEL" };
  /**
   * Invitation to talk: the tutor's calendar (Microsoft Graph) was there when they invited, so the
   * booked meeting becomes an event in it whose own invitations replace the .ics emails.
   */
  bookInTutorCalendar?: boolean;
  /** A copy of the student's data (subject access), built and attached when the email is sent. */
  subjectAccess?: { requestId: number };
}

interface OpenFlag {
  id: number;
  studentId: number;
  ruleId: string;
  ruleVersion: number;
  periodKey: string;
  evidence: FlagEvidence;
  document: RuleDocument;
}

export function renderTexts(document: RuleDocument, values: Record<string, string | number>): RenderedTexts {
  const texts: RenderedTexts = {};
  if (document.messages.teams) texts.teams = renderTemplate(document.messages.teams, values);
  if (document.messages.sms) texts.sms = renderTemplate(document.messages.sms, values);
  if (document.messages.email)
    texts.email = {
      subject: renderTemplate(document.messages.email.subject, values),
      body: renderTemplate(document.messages.email.body, values, { markdown: true }),
    };
  return texts;
}

/** What a student row says about channels: the order they chose, else the preferred channel from the student record feed. */
export interface StudentChannels {
  channelOrder: unknown;
  preferredChannel: ChannelName | null;
}

/**
 * The student's own order first (where the rule has a message for it), then the rule's; enabled
 * channels only. An order the student chose in a conversation outranks PREFERRED_CHANNEL from the
 * records system, which only moves that one channel to the front.
 */
export function channelOrderFor(
  student: StudentChannels,
  ruleChannels: readonly ChannelName[],
  texts: RenderedTexts,
  enabled: readonly ChannelName[],
): ChannelName[] {
  const chosen = Array.isArray(student.channelOrder) ? (student.channelOrder as ChannelName[]) : [];
  const preferred = chosen.length ? chosen : student.preferredChannel ? [student.preferredChannel] : [];
  const order = [...preferred.filter((c) => ruleChannels.includes(c)), ...ruleChannels.filter((c) => !preferred.includes(c))];
  return order.filter((c) => enabled.includes(c) && texts[c] !== undefined);
}

function bodyOf(texts: RenderedTexts, order: readonly ChannelName[]): string {
  for (const channel of order) {
    const text = texts[channel];
    if (text !== undefined) return typeof text === "string" ? text : text.body;
  }
  return texts.teams ?? texts.sms ?? texts.email?.body ?? "";
}

async function openFlags(db: Database): Promise<OpenFlag[]> {
  const flags = await db.prisma.flag.findMany({
    // A held-out flag stays open for the tutor, but its automatic nudge is never proposed (rules/holdout.ts).
    where: { state: "open", interventions: { none: {} }, OR: [{ arm: null }, { arm: "nudged" }] },
    orderBy: [{ studentId: "asc" }, { ruleId: "asc" }],
    select: { id: true, studentId: true, ruleId: true, ruleVersion: true, periodKey: true, evidence: true },
  });
  const versions = new Map<string, RuleDocument>();
  for (const key of new Set(flags.map((f) => `${f.ruleId}@${f.ruleVersion}`))) {
    const [ruleId, version] = [key.slice(0, key.lastIndexOf("@")), Number(key.slice(key.lastIndexOf("@") + 1))];
    const row = await db.prisma.ruleVersion.findUniqueOrThrow({ where: { ruleId_version: { ruleId, version } }, select: { document: true } });
    versions.set(key, row.document as unknown as RuleDocument);
  }
  return flags.map((f) => ({ ...f, evidence: f.evidence as unknown as FlagEvidence, document: versions.get(`${f.ruleId}@${f.ruleVersion}`)! }));
}

export async function proposeFromFlags(db: Database, settings: ProposeSettings): Promise<ProposeReport> {
  const now = settings.now ?? new Date();
  const flags = await openFlags(db);
  const report: ProposeReport = { flagsConsidered: flags.length, interventionsCreated: 0, autoApproved: 0, awaitingApproval: 0, merged: 0 };
  const byStudent = new Map<number, OpenFlag[]>();
  for (const flag of flags) byStudent.set(flag.studentId, [...(byStudent.get(flag.studentId) ?? []), flag]);

  for (const [studentId, studentFlags] of byStudent) {
    const student = await db.prisma.student.findUniqueOrThrow({
      where: { id: studentId },
      select: { givenName: true, preferredName: true, channelOrder: true, preferredChannel: true },
    });
    const tutorName = await personalTutorName(db, studentId, now);
    // Nudges of one day merge; everything else stands alone.
    const groups = new Map<string, { kind: InterventionKind; flags: OpenFlag[] }>();
    for (const flag of studentFlags) {
      const kind = flag.document.intervention as InterventionKind;
      const key =
        kind === "nudge" && flag.document.significance === "nudge"
          ? `nudge:${studentId}:${flag.periodKey}`
          : `${kind}:${studentId}:${flag.ruleId}:${flag.periodKey}`;
      const group = groups.get(key) ?? { kind, flags: [] };
      group.flags.push(flag);
      groups.set(key, group);
    }
    for (const [dedupeKey, group] of groups) {
      const [lead] = group.flags;
      const values = messageValues(lead!.evidence, student, tutorName);
      const texts = renderTexts(lead!.document, values);
      const order = channelOrderFor(student, lead!.document.channels, texts, settings.channels);
      const system = group.kind === "nudge" && lead!.document.significance === "nudge" && settings.policy.nudge.system;
      const component = `rules:${lead!.ruleId}`;
      const created = await db.prisma.$transaction(async (tx) => {
        const existing = await tx.intervention.findUnique({ where: { dedupeKey }, select: { id: true } });
        if (existing) {
          // Another rule already reached this student today: the flag is covered by that message.
          await tx.flag.updateMany({
            where: { id: { in: group.flags.map((f) => f.id) }, state: "open" },
            data: { state: "actioned", closedReason: `covered by intervention ${existing.id}` },
          });
          return null;
        }
        const data: TemplateData = { texts, evidence: group.flags.map((f) => f.evidence), flagIds: group.flags.map((f) => f.id) };
        const actor = { kind: "system", component } as const;
        if (group.kind === "invitation_to_talk") {
          // One invitation waiting per student: this rule's flags join the one already waiting.
          const waiting = await waitingInvitation(tx, studentId);
          if (waiting) {
            const joining = { flagIds: data.flagIds, evidence: data.evidence, proposedBy: `rule:${lead!.ruleId}@${lead!.ruleVersion}`, studentId };
            await joinInvitation(tx, waiting, joining, actor);
            return null;
          }
        }
        const intervention = await createProposed(
          tx,
          {
            studentId,
            flagId: lead!.id,
            kind: group.kind,
            channelOrder: order,
            subject: texts.email?.subject ?? null,
            body: bodyOf(texts, order),
            templateData: data as object,
            proposedBy: `rule:${lead!.ruleId}@${lead!.ruleVersion}`,
            dedupeKey,
          },
          actor,
          { flags: group.flags.map((f) => f.id) },
        );
        await tx.flag.updateMany({ where: { id: { in: group.flags.map((f) => f.id) } }, data: { state: "actioned" } });
        if (system) {
          await transition(tx, {
            interventionId: intervention.id,
            to: "approved",
            actor,
            changes: { approvedAt: now },
            details: { policy: "a rule's nudge is approved by the system", rules: group.flags.map((f) => f.ruleId) },
          });
          await queueApproved(tx, intervention.id, actor, now);
        } else {
          await transition(tx, {
            interventionId: intervention.id,
            to: "awaiting_approval",
            actor,
            details: { approvers: settings.policy[group.kind as keyof ApprovalPolicy]?.roles ?? [] },
          });
        }
        return intervention.id;
      });
      if (created === null) {
        report.merged += group.flags.length;
        continue;
      }
      report.interventionsCreated++;
      report.merged += group.flags.length - 1;
      if (system) report.autoApproved++;
      else report.awaitingApproval++;
    }
  }
  return report;
}
