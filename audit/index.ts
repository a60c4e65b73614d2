/** The append-only audit log: every staff read of an individual, every action, every message (POLICY P3, P5). */
export { writeAudit, writeAudits, writeAuditBatch, type AuditActor, type AuditEntry, type AuditWriter } from "./write.ts";

import type { Database } from "../prisma/index.ts";
import { writeAudit as write, type AuditEntry as Entry } from "./write.ts";

/** What the edges may ask of the audit log (app/ binds the database): an entry for what only the edge saw. */
export const useCases = { record: (db: Database, entry: Entry) => write(db.prisma, entry) };
