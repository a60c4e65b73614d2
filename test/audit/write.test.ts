/**
 * The audit log keeps what people sent, whatever it holds: PostgreSQL's JSON refuses NUL and half
 * a surrogate pair, so they are kept as visible escapes rather than failing the action they record.
 */
import { describe, expect, it } from "vitest";
import { writeAudit, writeAudits } from "../../audit/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";

describe.each(databaseKindsUnderTest())("audit entries with awkward text on %s", (kind) => {
  const database = useMigratedDatabase(kind);

  it("stores NUL and lone surrogates as visible escapes, in values, keys and the target", async () => {
    await writeAudit(database.db.prisma, {
      actor: { kind: "staff", staffNumber: "E1" },
      action: "analytics.question",
      targetId: "q\u0000",
      details: { question: "\u0000 how many \uD835 first-years?", nested: [{ "k\u0000": "\uDD1F" }], when: "2026-12-07" },
    });
    const entry = await database.db.prisma.auditLog.findFirstOrThrow({ where: { action: "analytics.question" } });
    expect(entry.targetId).toBe("q\\u0000");
    expect(entry.details).toEqual({ question: "\\u0000 how many \uFFFD first-years?", nested: [{ "k\\u0000": "\uFFFD" }], when: "2026-12-07" });
  });

  it("leaves ordinary text, emoji and whole surrogate pairs as they are", async () => {
    await writeAudit(database.db.prisma, { actor: { kind: "system", component: "test" }, action: "plain", details: { text: "𝔣 café 🙂 \t tab" } });
    expect((await database.db.prisma.auditLog.findFirstOrThrow({ where: { action: "plain" } })).details).toEqual({ text: "𝔣 café 🙂 \t tab" });
  });

  it("writes many entries at once, in order, in batches, with the same escapes", async () => {
    const entries = Array.from({ length: 1_201 }, (_, i) => ({
      actor: { kind: "system" as const, component: "rules" },
      action: "flag.held_out",
      targetType: "flag",
      targetId: String(i + 1),
      details: { n: i, note: i === 700 ? "half \uD835 pair" : "plain" },
    }));
    await writeAudits(database.db.prisma, entries);
    const stored = await database.db.prisma.auditLog.findMany({ where: { action: "flag.held_out" }, orderBy: { id: "asc" } });
    expect(stored).toHaveLength(1_201);
    expect(stored.map((e) => Number(e.targetId))).toEqual(Array.from({ length: 1_201 }, (_, i) => i + 1));
    expect(stored[700]!.details).toEqual({ n: 700, note: "half \uFFFD pair" });
    expect(stored[0]).toMatchObject({ actorKind: "system", actorId: "rules", targetType: "flag" });
  });
});
