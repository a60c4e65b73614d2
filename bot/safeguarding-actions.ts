/**
 * The buttons on a safeguarding alert card: "I'm handling this", and recording extenuating
 * circumstances (which acknowledges too). The person is checked by the privacy gate inside
 * safeguarding/; the card comes back updated, showing who acknowledged it and when.
 */
import { inputOf, VERBS, type AdaptiveCard } from "../adaptive-cards/index.ts";
import type { App } from "../app/index.ts";
import type { StaffPerson } from "./staff-person.ts";

export async function safeguardingAction(nudge: App, staff: StaffPerson, verb: string, data: Record<string, unknown>, timezone: string): Promise<AdaptiveCard> {
  const concernId = Number(data.concernId);
  const response =
    verb === VERBS.safeguardingCircumstances
      ? { kind: "circumstances" as const, from: inputOf(data, "circumstancesFrom", concernId) ?? "", to: inputOf(data, "circumstancesTo", concernId) ?? "" }
      : { kind: "acknowledge" as const };
  return (await nudge.safeguarding.respondToAlert(concernId, staff.staffNumber, response, timezone)) as AdaptiveCard;
}
