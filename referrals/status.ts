/** A student's latest case in a line for the referring tutor's cards: where it went and where it stands. */
import { dateLabel } from "../core/index.ts";
import type { Database } from "../prisma/index.ts";
import { outcomeWords, personName } from "./case-content.ts";

export async function caseStatusLine(db: Database, studentId: number, timeZone: string): Promise<string | null> {
  const kase = await db.prisma.referralCase.findFirst({
    where: { studentId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { kind: true, destination: true, state: true, createdAt: true, acknowledgedBy: true, outcome: true },
  });
  if (!kase) return null;
  const sent = `${kase.kind === "escalation" ? "Escalated" : "Referred"} to ${kase.destination} on ${dateLabel(kase.createdAt, timeZone)}`;
  if (kase.state === "open") return `${sent}: not yet acknowledged`;
  const by = await personName(db.prisma, kase.acknowledgedBy);
  if (kase.state === "acknowledged") return `${sent}: acknowledged by ${by}`;
  return `${sent}: closed by ${by} (${outcomeWords(kase.outcome)})`;
}
