/**
 * transitionMany: the state machine's table and guard for many interventions in a few statements,
 * with one audit entry each, or nothing at all when any move is refused.
 */
import { describe, expect, it } from "vitest";
import { IllegalTransition, transitionMany } from "../../interventions/index.ts";
import type { InterventionState } from "../../prisma/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";

const SYSTEM = { kind: "system", component: "outbox" } as const;
const AT = new Date("2026-11-18T12:00:00Z");

describe("transitionMany", () => {
  const database = useMigratedDatabase();
  const db = () => database.db;
  let sequence = 0;

  async function intervention(state: InterventionState): Promise<{ id: number; studentId: number }> {
    const student = await db().prisma.student.create({ data: { studentNumber: `TM${++sequence}`, enrolmentStatus: "active" } });
    const created = await db().prisma.intervention.create({ data: { studentId: student.id, kind: "nudge", state, body: "hi", proposedBy: "rule:x@1" } });
    return { id: created.id, studentId: student.id };
  }
  const stateOf = (id: number) => db().prisma.intervention.findUniqueOrThrow({ where: { id }, select: { state: true, channel: true, updatedAt: true } });
  const auditsAfter = (id: number) =>
    db().prisma.auditLog.findMany({
      where: { id: { gt: id } },
      orderBy: { id: "asc" },
      select: { actorKind: true, actorId: true, action: true, targetId: true, studentId: true, details: true, at: true },
    });
  const lastAudit = async () => (await db().prisma.auditLog.aggregate({ _max: { id: true } }))._max.id ?? 0;

  it("moves each intervention with its channel, and writes one audit entry each saying from where", async () => {
    const a = await intervention("queued");
    const b = await intervention("queued");
    const c = await intervention("approved");
    const before = await lastAudit();

    const moved = await db().prisma.$transaction((tx) =>
      transitionMany(
        tx,
        db().kind,
        [
          { interventionId: a.id, to: "sent", actor: SYSTEM, changes: { channel: "sms" }, details: { channel: "sms", deliveryId: 11, attempts: 1 } },
          { interventionId: b.id, to: "sent", actor: SYSTEM, changes: { channel: "email" }, details: { channel: "email", deliveryId: 12, attempts: 2 } },
          { interventionId: c.id, to: "queued", actor: SYSTEM },
        ],
        AT,
      ),
    );
    expect([...moved.entries()].sort(([x], [y]) => x - y)).toEqual([
      [a.id, { from: "queued", studentId: a.studentId }],
      [b.id, { from: "queued", studentId: b.studentId }],
      [c.id, { from: "approved", studentId: c.studentId }],
    ]);
    expect(await stateOf(a.id)).toEqual({ state: "sent", channel: "sms", updatedAt: AT });
    expect(await stateOf(b.id)).toEqual({ state: "sent", channel: "email", updatedAt: AT });
    expect(await stateOf(c.id)).toEqual({ state: "queued", channel: null, updatedAt: AT });
    expect(await auditsAfter(before)).toEqual([
      {
        actorKind: "system",
        actorId: "outbox",
        action: "intervention.sent",
        targetId: String(a.id),
        studentId: a.studentId,
        details: { from: "queued", to: "sent", channel: "sms", deliveryId: 11, attempts: 1 },
        at: AT,
      },
      {
        actorKind: "system",
        actorId: "outbox",
        action: "intervention.sent",
        targetId: String(b.id),
        studentId: b.studentId,
        details: { from: "queued", to: "sent", channel: "email", deliveryId: 12, attempts: 2 },
        at: AT,
      },
      {
        actorKind: "system",
        actorId: "outbox",
        action: "intervention.queued",
        targetId: String(c.id),
        studentId: c.studentId,
        details: { from: "approved", to: "queued" },
        at: AT,
      },
    ]);
  });

  it("cancels from different states in one call, each audited with its own starting state", async () => {
    const proposed = await intervention("proposed");
    const waiting = await intervention("awaiting_approval");
    const before = await lastAudit();
    await db().prisma.$transaction((tx) =>
      transitionMany(tx, db().kind, [
        { interventionId: proposed.id, to: "cancelled", actor: SYSTEM, details: { reason: "the student's record was erased" } },
        { interventionId: waiting.id, to: "cancelled", actor: SYSTEM, details: { reason: "the student's record was erased" } },
      ]),
    );
    expect((await stateOf(proposed.id)).state).toBe("cancelled");
    expect((await stateOf(waiting.id)).state).toBe("cancelled");
    expect((await auditsAfter(before)).map((e) => [e.targetId, e.details])).toEqual([
      [String(proposed.id), { from: "proposed", to: "cancelled", reason: "the student's record was erased" }],
      [String(waiting.id), { from: "awaiting_approval", to: "cancelled", reason: "the student's record was erased" }],
    ]);
  });

  it("refuses the lot when one move is not allowed: nothing moves and nothing is audited", async () => {
    const queued = await intervention("queued");
    const alreadySent = await intervention("sent");
    const before = await lastAudit();
    const attempt = db().prisma.$transaction((tx) =>
      transitionMany(tx, db().kind, [
        { interventionId: queued.id, to: "sent", actor: SYSTEM, changes: { channel: "sms" } },
        { interventionId: alreadySent.id, to: "sent", actor: SYSTEM, changes: { channel: "sms" } },
      ]),
    );
    await expect(attempt).rejects.toThrow(IllegalTransition);
    await expect(attempt).rejects.toThrow(`intervention ${alreadySent.id} cannot go from sent to sent`);
    expect((await stateOf(queued.id)).state).toBe("queued");
    expect((await stateOf(queued.id)).channel).toBeNull();
    expect(await auditsAfter(before)).toEqual([]);
  });
});
