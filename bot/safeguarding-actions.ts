/**
 * The buttons on a safeguarding alert card: "I'm handling this", and recording extenuating
 * circumstances (which acknowledges too). The person is checked by the privacy gate inside
 * safeguarding/; the card comes back updated, showing who acknowledged it and when.
 */
import { inputOf, VERBS, type AdaptiveCard } from "../adaptive-cards/index.ts";
import type { Database } from "../prisma/index.ts";
import { acknowledgeConcern, alertCard, alertFacts, recordCircumstances } from "../safeguarding/index.ts";
import type { StaffPerson } from "./tutor-handler.ts";

export async function safeguardingAction(db: Database, staff: StaffPerson, verb: string, data: Record<string, unknown>, timezone: string): Promise<AdaptiveCard> {
  const concernId = Number(data.concernId);
  const now = new Date();
  if (verb === VERBS.safeguardingCircumstances) {
    await recordCircumstances(db, concernId, staff.staffNumber, inputOf(data, "circumstancesFrom", concernId) ?? "", inputOf(data, "circumstancesTo", concernId) ?? "", now);
  } else {
    await acknowledgeConcern(db, concernId, { kind: "staff", staffNumber: staff.staffNumber }, now);
  }
  const facts = await alertFacts(db.prisma, concernId, now, timezone);
  return alertCard(facts, timezone) as AdaptiveCard;
}
