/** The member of staff writing to the bot, and what every staff handler shares. */
import type { TurnContext } from "botbuilder";
import type { Person } from "../access/index.ts";

export type StaffPerson = Extract<Person, { kind: "staff" }>;

/** The Teams user ids whose clients refresh a digest card when it is shown: the person it is for. */
export function refreshIds(context: TurnContext): string[] {
  return context.activity.from?.id ? [context.activity.from.id] : [];
}
