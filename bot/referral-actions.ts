/**
 * The buttons on a referral or escalation case card: Acknowledge, and the outcome that closes it.
 * Whether the person may act (the case was sent to them) is decided in referrals/; the card comes
 * back updated, showing who acknowledged it and how it ended.
 */
import { inputOf, VERBS, type AdaptiveCard } from "../adaptive-cards/index.ts";
import type { App } from "../app/index.ts";
import type { StaffPerson } from "./staff-person.ts";

export async function referralAction(nudge: App, staff: StaffPerson, verb: string, data: Record<string, unknown>, timezone: string): Promise<AdaptiveCard> {
  const caseId = Number(data.caseId);
  const response =
    verb === VERBS.referralClose
      ? { kind: "close" as const, outcome: inputOf(data, "outcome", caseId) ?? "", note: inputOf(data, "outcomeNote", caseId) }
      : { kind: "acknowledge" as const };
  return (await nudge.referrals.respondToCase(caseId, staff.staffNumber, response, timezone)) as AdaptiveCard;
}
