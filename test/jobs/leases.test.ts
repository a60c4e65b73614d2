import { describe, expect, it } from "vitest";
import { acquireLease, currentLeases, releaseLease, renewLease } from "../../jobs/leases.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";

const at = (ms: number) => new Date(Date.UTC(2026, 10, 30, 7, 0, 0) + ms);

describe.each(databaseKindsUnderTest())("job leases on %s", (kind) => {
  const database = useMigratedDatabase(kind);

  it("goes to one owner at a time until it expires, then to whoever asks", async () => {
    expect(await acquireLease(database.db.prisma, "digest", "a", 1000, at(0))).toBe(true);
    expect(await acquireLease(database.db.prisma, "digest", "b", 1000, at(500))).toBe(false);
    // The holder may take it again (a new run), which extends it.
    expect(await acquireLease(database.db.prisma, "digest", "a", 1000, at(900))).toBe(true);
    expect(await acquireLease(database.db.prisma, "digest", "b", 1000, at(1500))).toBe(false);
    // a stopped renewing (crashed): after its lease ends, b gets the job.
    expect(await acquireLease(database.db.prisma, "digest", "b", 1000, at(1900))).toBe(true);
    expect((await currentLeases(database.db.prisma, at(2000))).get("digest")).toMatchObject({ owner: "b", leaseUntil: at(2900), acquiredAt: at(1900) });
  });

  it("is renewed only by its holder, and renewal keeps others out", async () => {
    expect(await acquireLease(database.db.prisma, "rules", "a", 1000, at(0))).toBe(true);
    expect(await renewLease(database.db.prisma, "rules", "a", 1000, at(800))).toBe(true);
    expect(await acquireLease(database.db.prisma, "rules", "b", 1000, at(1500))).toBe(false);
    expect(await renewLease(database.db.prisma, "rules", "b", 1000, at(1500))).toBe(false);
    // Lost: it expired and b took it, so a's renewal says so.
    expect(await acquireLease(database.db.prisma, "rules", "b", 1000, at(1900))).toBe(true);
    expect(await renewLease(database.db.prisma, "rules", "a", 1000, at(2000))).toBe(false);
  });

  it("is free for the next owner once released, and a release by someone else does nothing", async () => {
    const now = new Date();
    expect(await acquireLease(database.db.prisma, "retention", "a", 60_000, now)).toBe(true);
    await releaseLease(database.db.prisma, "retention", "b");
    expect(await acquireLease(database.db.prisma, "retention", "b", 60_000, now)).toBe(false);
    await releaseLease(database.db.prisma, "retention", "a");
    expect((await currentLeases(database.db.prisma, now)).has("retention")).toBe(false);
    expect(await acquireLease(database.db.prisma, "retention", "b", 60_000, now)).toBe(true);
  });

  it("goes to exactly one of many owners asking at once, for a new job and for an expired lease", async () => {
    const owners = Array.from({ length: 8 }, (_, i) => `owner-${i}`);
    const first = await Promise.all(owners.map((owner) => acquireLease(database.db.prisma, "race", owner, 1000, at(0))));
    expect(first.filter(Boolean)).toHaveLength(1);
    const afterExpiry = await Promise.all(owners.map((owner) => acquireLease(database.db.prisma, "race", owner, 1000, at(5000))));
    expect(afterExpiry.filter(Boolean)).toHaveLength(1);
  });
});
