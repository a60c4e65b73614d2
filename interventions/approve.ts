/**
 * A person's decision on a proposed intervention (POLICY P2): approve (optionally with an edited
 * text), or reject with a reason. Only staff whose role the approval policy names for that kind,
 * and whose scope covers the student, may decide; a refusal is audited by the access layer.
 * The approval records who, when and the text as first proposed.
 */
import { NudgeError } from "../core/index.ts";
import type { Database } from "../prisma/index.ts";
import { authorise } from "../access/index.ts";
import { MAX_SMS_SEGMENTS, smsSegmentsOf } from "../rules/index.ts";
import type { ApprovalPolicy, ApprovableKind } from "./approval-policy.ts";
import { IllegalTransition, transition } from "./lifecycle.ts";
import type { TemplateData } from "./propose.ts";
import { channelOrderOf, queueApproved } from "./queue.ts";

export class DecisionRejected extends NudgeError {
  static override kind = "usage" as const;
  static override code = "decision_rejected";
}

export interface ApproveRequest {
  interventionId: number;
  staffNumber: string;
  /** The approver's own wording; replaces the text on every channel (the email subject stays). */
  editedText?: string;
  note?: string;
}

const MAX_TEXT = 2000;
const ALREADY_DECIDED = "Someone has already decided on this suggestion, so nothing was changed. Refresh the card to see where things stand.";

function checkEditedText(text: string, channels: readonly string[]): string {
  const trimmed = text.trim();
  if (!trimmed)
    throw new DecisionRejected("text: the edited message is empty", {
      plain: "The message is empty: please write what to send, or leave the suggestion as it is.",
    });
  if (trimmed.length > MAX_TEXT)
    throw new DecisionRejected(`text: the edited message has ${trimmed.length} characters; keep it within ${MAX_TEXT}`, {
      plain: `The message is too long: please keep it within ${MAX_TEXT} characters (it has ${trimmed.length}).`,
    });
  if (channels.includes("sms")) {
    const { segments, encoding } = smsSegmentsOf(trimmed);
    if (segments > MAX_SMS_SEGMENTS)
      throw new DecisionRejected(
        `text: as an SMS it needs ${segments} segments (${encoding}); keep it within ${MAX_SMS_SEGMENTS} or remove SMS from its channels`,
        { plain: "The message is too long to send as a text message: please shorten it." },
      );
  }
  return trimmed;
}

async function decidable(db: Database, interventionId: number) {
  const intervention = await db.prisma.intervention.findUnique({ where: { id: interventionId } });
  if (!intervention) throw new DecisionRejected(`intervention ${interventionId} does not exist`, { kind: "not_found" });
  if (intervention.kind === "reply") throw new DecisionRejected(`intervention ${interventionId} is an answer to the student and needs no approval`);
  return intervention;
}

export async function approveIntervention(db: Database, request: ApproveRequest, policy: ApprovalPolicy, now = new Date()): Promise<void> {
  const intervention = await decidable(db, request.interventionId);
  const kind = intervention.kind as ApprovableKind;
  const staff = await authorise(db, request.staffNumber, "intervention.decide", { studentId: intervention.studentId }, policy[kind].roles);
  const order = channelOrderOf(intervention.channelOrder);
  const edited = request.editedText === undefined ? undefined : checkEditedText(request.editedText, order);
  const actor = { kind: "staff", staffNumber: staff.staffNumber } as const;
  try {
    await db.prisma.$transaction(async (tx) => {
      if (intervention.state === "proposed") await transition(tx, { interventionId: intervention.id, to: "awaiting_approval", actor });
      const changes: Record<string, unknown> = { approvedById: staff.staffId, approvedAt: now, decisionNote: request.note ?? null };
      if (edited !== undefined && edited !== intervention.body) {
        const data = (intervention.templateData ?? {}) as Partial<TemplateData>;
        const texts = { ...(data.texts ?? {}) };
        if (texts.teams !== undefined || order.includes("teams")) texts.teams = edited;
        if (texts.sms !== undefined || order.includes("sms")) texts.sms = edited;
        if (texts.email !== undefined || order.includes("email"))
          texts.email = { subject: texts.email?.subject ?? intervention.subject ?? "A message from your personal tutor", body: edited };
        Object.assign(changes, { body: edited, originalBody: intervention.originalBody ?? intervention.body, templateData: { ...data, texts } });
      }
      await transition(tx, {
        interventionId: intervention.id,
        to: "approved",
        actor,
        changes,
        details: { edited: edited !== undefined && edited !== intervention.body, note: request.note ?? null, kind },
      });
      await queueApproved(tx, intervention.id, actor, now);
    });
  } catch (error) {
    if (error instanceof IllegalTransition)
      throw new DecisionRejected(`intervention ${intervention.id} is ${error.from ?? "gone"}: it can no longer be approved`, {
        kind: "conflict",
        plain: ALREADY_DECIDED,
      });
    throw error;
  }
}

export async function rejectIntervention(
  db: Database,
  request: { interventionId: number; staffNumber: string; note: string },
  policy: ApprovalPolicy,
): Promise<void> {
  const intervention = await decidable(db, request.interventionId);
  if (!request.note.trim())
    throw new DecisionRejected("note: say why it is rejected (kept as feedback on the rule)", {
      plain: "Please say why you're rejecting it: your reason is kept as feedback on the rule.",
    });
  const staff = await authorise(
    db,
    request.staffNumber,
    "intervention.decide",
    { studentId: intervention.studentId },
    policy[intervention.kind as ApprovableKind].roles,
  );
  const actor = { kind: "staff", staffNumber: staff.staffNumber } as const;
  try {
    await db.prisma.$transaction(async (tx) => {
      if (intervention.state === "proposed") await transition(tx, { interventionId: intervention.id, to: "awaiting_approval", actor });
      await transition(tx, {
        interventionId: intervention.id,
        to: "rejected",
        actor,
        changes: { decisionNote: request.note },
        details: { note: request.note, kind: intervention.kind },
      });
      if (intervention.flagId)
        await tx.flag.update({ where: { id: intervention.flagId }, data: { state: "dismissed", closedAt: new Date(), closedReason: request.note } });
    });
  } catch (error) {
    if (error instanceof IllegalTransition)
      throw new DecisionRejected(`intervention ${intervention.id} is ${error.from ?? "gone"}: it can no longer be rejected`, {
        kind: "conflict",
        plain: ALREADY_DECIDED,
      });
    throw error;
  }
}
