/**
 * Work that must not run twice at once anywhere (a rules run started from the command line while
 * the scheduled one runs): done under a lease of its own, held in this run's name alone and
 * renewed while it lives, so a killed process's lease lapses and the next run can tell its
 * leftovers were abandoned.
 */
import { randomBytes } from "node:crypto";
import type { Database } from "../prisma/index.ts";
import { acquireLease, currentLeases, newOwnerId, releaseLease, renewLease, type Lease } from "./leases.ts";

export const EXCLUSIVE_LEASE_TTL_MS = 60_000;

export type Exclusive<T> = { held: true; value: T } | { held: false; lease: Lease | null };

export async function whileHoldingLease<T>(db: Database, name: string, work: () => Promise<T>, ttlMs = EXCLUSIVE_LEASE_TTL_MS): Promise<Exclusive<T>> {
  const owner = `${newOwnerId()}/${randomBytes(3).toString("hex")}`;
  if (!(await acquireLease(db.prisma, name, owner, ttlMs))) return { held: false, lease: (await currentLeases(db.prisma)).get(name) ?? null };
  const heartbeat = setInterval(() => void renewLease(db.prisma, name, owner, ttlMs).catch(() => undefined), Math.max(1, Math.floor(ttlMs / 3)));
  heartbeat.unref();
  try {
    return { held: true, value: await work() };
  } finally {
    clearInterval(heartbeat);
    await releaseLease(db.prisma, name, owner).catch(() => undefined);
  }
}
