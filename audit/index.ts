/** The append-only audit log: every staff read of an individual, every action, every message (POLICY P3, P5). */
export { writeAudit, type AuditActor, type AuditEntry, type AuditWriter } from "./write.ts";
