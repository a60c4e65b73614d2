/**
 * Job leases (`JobLease`, one row per job): whoever holds an unexpired lease runs the job, so one
 * instance runs it across processes and machines (invariant 3). A holder renews its lease
 * while it runs; a crashed holder's lease simply expires. Times come from each instance's clock,
 * so instances sharing a database need synchronised clocks (NTP), well within the lease length.
 */
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { isUniqueViolation, type Db } from "../prisma/index.ts";

export interface Lease {
  job: string;
  owner: string;
  leaseUntil: Date;
  acquiredAt: Date;
}

/** Names this scheduler in leases and run records: host, process and a per-start suffix. */
export function newOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

/**
 * Takes the job's lease for `ttlMs` if it is free, expired or already ours. Each step is one
 * conditional write, so two instances racing cannot both win: the UPDATE only matches a row that
 * is expired or ours (PostgreSQL re-checks the condition after a concurrent update commits; SQLite
 * writes one at a time), and when there is no row yet the INSERT of one of them hits the primary key.
 */
export async function acquireLease(prisma: Db, job: string, owner: string, ttlMs: number, now = new Date()): Promise<boolean> {
  const lease = { owner, leaseUntil: new Date(now.getTime() + ttlMs), acquiredAt: now };
  const taken = await prisma.jobLease.updateMany({ where: { job, OR: [{ owner }, { leaseUntil: { lte: now } }] }, data: lease });
  if (taken.count > 0) return true;
  try {
    await prisma.jobLease.create({ data: { job, ...lease } });
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

/**
 * Extends our lease while a run goes on; false when it is no longer ours (it expired and another
 * instance took it). An expired lease nobody took is still ours: taking it would have changed the owner.
 */
export async function renewLease(prisma: Db, job: string, owner: string, ttlMs: number, now = new Date()): Promise<boolean> {
  const renewed = await prisma.jobLease.updateMany({ where: { job, owner }, data: { leaseUntil: new Date(now.getTime() + ttlMs) } });
  return renewed.count > 0;
}

export async function releaseLease(prisma: Db, job: string, owner: string): Promise<void> {
  await prisma.jobLease.deleteMany({ where: { job, owner } });
}

/** Unexpired leases, by job. */
export async function currentLeases(prisma: Db, now = new Date()): Promise<Map<string, Lease>> {
  const rows = await prisma.jobLease.findMany({ where: { leaseUntil: { gt: now } } });
  return new Map(rows.map((row) => [row.job, row]));
}
