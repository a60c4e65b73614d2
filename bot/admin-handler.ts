/**
 * Admins managing rules in their 1:1 chat: "rules", "rule <id>", "enable <id>", "disable <id>",
 * "rollback <id> to <version>", "dry run <id>", "history <id>". Changes are never made by the
 * message itself: it answers with a confirmation card, and Confirm applies the change through the
 * rules module (which audits it in the same transaction). Who may do this is asked of the access
 * gate (`rules.edit`) on every message and again on Confirm, since a card's payload can be edited.
 * Nothing here names a student: a dry run shows counts, with groups under 5 as "fewer than 5"
 * (the rules use case applies the disclosure rules, as for every edge).
 */
import type { TurnContext } from "botbuilder";
import {
  heldNudgesCard,
  noticeCard,
  ruleChangeCard,
  rulesCard,
  type AdaptiveCard,
  type RuleChangeCardData,
  type RuleChangeKind,
} from "../adaptive-cards/index.ts";
import { AccessRefused } from "../access/index.ts";
import type { App } from "../app/index.ts";
import type { ChannelName } from "../core/index.ts";
import type { ApprovalPolicy } from "../interventions/index.ts";
import { heldCardData, NothingHeld, RuleNotFound, versionChanges, type Count, type DryRunReport, type HeldRule, type RuleDetail } from "../rules/index.ts";
import { figureText } from "../access/index.ts";
import { sendCard } from "./send-card.ts";
import type { StaffPerson } from "./staff-person.ts";

export const ADMIN_HELP = [
  '- "rules": every rule, on or off, its version and its last run',
  '- "rule <id>": what a rule checks, its channels and significance',
  '- "enable <id>" / "disable <id>": switch a rule on or off (you confirm on a card)',
  '- "rollback <id> to <version>": make an earlier version current again (you confirm on a card)',
  '- "dry run <id>": how many students it would flag now, by cohort (counts only)',
  '- "history <id>": its versions, with author and date',
  '- "held nudges": nudges held because a rule flagged far more students than usual, with Release and Discard (you confirm on a card)',
  '- "effect of <id>": whether its nudge helps, nudged against held-out students, with a 95% interval (counts only)',
].join("\n");

const COMMAND = {
  list: /^rules$/i,
  show: /^rule\s+(\S+)$/i,
  toggle: /^(enable|disable)\s+(?:rule\s+)?(\S+)$/i,
  rollback: /^roll\s*back\s+(?:rule\s+)?(\S+)\s+to\s+(?:version\s+|v)?(\d+)$/i,
  dryRun: /^dry[\s-]?run\s+(?:rule\s+)?(\S+)(?:\s+as\s+of\s+(\d{4}-\d{2}-\d{2}))?$/i,
  history: /^history\s+(?:rule\s+)?(\S+)$/i,
  effect: /^effect\s+(?:of\s+)?(?:rule\s+)?(\S+)$/i,
  held: /^held(?:\s+nudges)?$/i,
};

export function isRulesCommand(text: string): boolean {
  return Object.values(COMMAND).some((re) => re.test(text.trim()));
}

export async function mayEditRules(nudge: App, staff: StaffPerson): Promise<boolean> {
  return (await nudge.access.mayDo(staff.staffId, ["rules.edit"]))["rules.edit"] === true;
}

/** Times and dates in the reader's own timezone. */
const dateIn = (timeZone: string) => new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone });
function whenText(date: Date, timeZone: string): string {
  const time = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", day: "numeric", month: "short", timeZone });
  const parts = Object.fromEntries(time.formatToParts(date).map((p) => [p.type, p.value]));
  return `${parts.hour}:${parts.minute}, ${parts.day} ${parts.month}`;
}

/**
 * Answers a rules command (for someone not allowed `rules.edit`, with a polite no); returns false
 * when the text is not one, so the caller carries on with its other commands.
 */
/** `institutionTimezone`: what "yesterday" means for a dry run (NUDGE_TIMEZONE). */
export async function answerAdminMessage(nudge: App, context: TurnContext, staff: StaffPerson, text: string, institutionTimezone: string): Promise<boolean> {
  if (!isRulesCommand(text)) return false;
  if (!(await mayEditRules(nudge, staff))) {
    await context.sendActivity("Rules are looked after by admins, so I can't show or change them for you here.");
    return true;
  }
  const t = text.trim();
  let m: RegExpExecArray | null;
  if (COMMAND.list.test(t)) await sendCard(context, await rulesListCard(nudge, staff.timezone));
  else if ((m = COMMAND.show.exec(t))) await sendCard(context, await known(nudge, m[1]!, ruleDetailCard));
  else if ((m = COMMAND.toggle.exec(t)))
    await sendCard(context, await known(nudge, m[2]!, (d) => ruleChangeCard(changeData(d, m![1]!.toLowerCase() as RuleChangeKind, d.version))));
  else if ((m = COMMAND.rollback.exec(t))) await sendCard(context, await known(nudge, m[1]!, (d) => rollbackCard(nudge, d, Number(m![2]))));
  else if ((m = COMMAND.dryRun.exec(t))) await sendCard(context, await known(nudge, m[1]!, (d) => dryRunCard(nudge, d, institutionTimezone, m![2])));
  else if ((m = COMMAND.history.exec(t))) await sendCard(context, await known(nudge, m[1]!, (d) => historyCard(d, staff.timezone)));
  else if ((m = COMMAND.effect.exec(t))) await sendCard(context, await known(nudge, m[1]!, (d) => effectCard(nudge, d)));
  else if (COMMAND.held.test(t)) await sendCard(context, await heldListCard(nudge));
  return true;
}

/** The card for a rule that exists; for one that doesn't, a notice naming it and listing the ids. */
async function known(nudge: App, id: string, card: (detail: RuleDetail) => AdaptiveCard | Promise<AdaptiveCard>): Promise<AdaptiveCard> {
  const detail = await nudge.rules.showRule(id).catch((error: unknown) => {
    if (error instanceof RuleNotFound) return null;
    throw error;
  });
  if (detail) return card(detail);
  const ids = (await nudge.rules.listRules()).map((r) => r.id);
  return noticeCard({
    title: "No such rule",
    text: `There is no rule "${id.slice(0, 80)}". ${ids.length ? `The rules are: ${ids.join(", ")}.` : "No rules have been imported yet."}`,
  });
}

async function rulesListCard(nudge: App, timezone: string): Promise<AdaptiveCard> {
  const rules = await nudge.rules.listRules();
  if (rules.length === 0)
    return noticeCard({ title: "Rules", text: "No rules have been imported yet: npx nudge rules import rules/library --as <staff number>." });
  const lastRun = await nudge.rules.lastRunSummaries(timezone);
  return rulesCard({
    rules: rules.map((r) => ({
      id: r.id,
      title: r.title,
      state: r.enabled ? "On" : "Off",
      version: r.version,
      lastRun: lastRun.get(r.id) ?? "Not in a run yet",
    })),
    note: 'Ask "rule <id>" for the details, "dry run <id>" for what it would flag, "history <id>" for its versions.',
  });
}

function ruleDetailCard(d: RuleDetail): AdaptiveCard {
  const doc = d.document;
  return noticeCard({
    title: `${d.title} (${d.id})`,
    text: [
      `${d.enabled ? "On" : "Off"}, version ${d.version}.`,
      doc.description,
      `Condition: \`${doc.condition}\``,
      `Significance: ${doc.significance === "nudge" ? "nudge (sent to students automatically)" : "significant (waits in tutors' digests for approval)"}; intervention: ${doc.intervention}.`,
      `Channels: ${doc.channels.join(", ")}. Cooldown: ${doc.cooldownDays} days.`,
      ...(doc.activePeriods?.length ? [`Active in: ${doc.activePeriods.join(", ")}.`] : []),
    ].join("\n\n"),
  });
}

function historyCard(d: RuleDetail, timezone: string): AdaptiveCard {
  const lines = [...d.versions]
    .reverse()
    .map(
      (v) =>
        `- Version ${v.version}${v.version === d.version ? " (current)" : ""}: ${v.authorName ?? v.author ?? "unknown author"}, ${dateIn(timezone).format(v.createdAt)}${v.comment ? `: ${v.comment}` : ""}`,
    );
  return noticeCard({ title: `History of ${d.id}`, text: `${lines.join("\n")}\n\nTo go back: "rollback ${d.id} to <version>".` });
}

const HEADINGS: Record<RuleChangeKind, string> = {
  enable: "Enable a rule",
  disable: "Disable a rule",
  rollback: "Roll a rule back",
  release: "Release held nudges",
  discard: "Discard held nudges",
};

function changeData(d: RuleDetail, change: RuleChangeKind, version: number): RuleChangeCardData {
  const name = `${d.title} (${d.id}, version ${d.version})`;
  const summary =
    change === "enable"
      ? d.enabled
        ? `${name} is already on: confirming changes nothing.`
        : `${name} is off. Enabled, the next run evaluates it and may flag students${d.document.significance === "nudge" ? " and message them automatically" : " for their tutors"}.`
      : change === "disable"
        ? d.enabled
          ? `${name} is on. Disabled, the next runs will not evaluate it; flags it raised already stay open.`
          : `${name} is already off: confirming changes nothing.`
        : `${d.title} (${d.id}) is at version ${d.version}. Rolling back makes version ${version} current again, as version ${Math.max(...d.versions.map((v) => v.version)) + 1}; the history keeps every version.`;
  return { change, ruleId: d.id, title: d.title, version, heading: HEADINGS[change], summary, result: null, resultColor: "default" };
}

/** Where the rule stands, for a card once it is confirmed or cancelled. */
function stateLine(d: RuleDetail): string {
  return `${d.title} (${d.id}) is ${d.enabled ? "on" : "off"}, at version ${d.version}.`;
}

async function rollbackCard(nudge: App, d: RuleDetail, version: number): Promise<AdaptiveCard> {
  if (!d.versions.some((v) => v.version === version))
    return noticeCard({
      title: "No such version",
      text: `${d.id} has versions 1 to ${d.versions.at(-1)?.version ?? d.version}; there is no version ${version}.`,
    });
  if (version === d.version) return noticeCard({ title: "Nothing to roll back", text: `${d.id} is already at version ${version}.` });
  const card = changeData(d, "rollback", version);
  const restored = await nudge.rules.showRule(d.id, version);
  const changes = versionChanges(d.document, restored.document).map((line) => `- ${line}`);
  return ruleChangeCard({ ...card, summary: `${card.summary}\n\nWhat changes:\n${changes.join("\n")}` });
}

async function dryRunCard(nudge: App, d: RuleDetail, institutionTimezone: string, asked: string | undefined): Promise<AdaptiveCard> {
  const result = await nudge.rules.dryRunStoredRule(d.id, institutionTimezone, asked);
  return noticeCard({ title: `Dry run of ${d.id}`, text: "invalid" in result ? result.invalid : dryRunText(result.report) });
}

/** Counts only: no student is named or numbered, and any group under 5 is "fewer than 5". */
export function dryRunText(report: DryRunReport<Count>): string {
  const countText = figureText;
  const lines = [`As of ${report.asOf}, version ${report.currentVersion ?? "new"}. Nothing is written.`];
  if (report.skipped) lines.push(`On that day the rule would be skipped: ${report.skipped}.`);
  lines.push(`Students evaluated: ${countText(report.evaluated)}`);
  lines.push(`The condition holds for: ${countText(report.matched)}`);
  lines.push(
    `Would get a new flag: ${countText(report.flagged)}${report.alreadyFlagged || report.inCooldown ? ` (the others already flagged or in cooldown)` : ""}`,
  );
  if (report.notEvaluable) lines.push(`Not evaluable (missing data): ${countText(report.notEvaluable)}`);
  if (report.byCohort.length) {
    lines.push("By cohort:");
    for (const c of report.byCohort.slice(0, 15)) lines.push(`- ${c.cohort}: ${countText(c.students)}`);
    if (report.byCohort.length > 15) lines.push(`- and ${report.byCohort.length - 15} more cohorts`);
  }
  return lines.join("\n");
}

const DONE: Record<RuleChangeKind, string> = { enable: "Enabled", disable: "Disabled", rollback: "Rolled back", release: "Released", discard: "Discarded" };

/** What Release proposes with: the approval policy and the channels the service has switched on. */
export interface ReleaseSettings {
  policy: ApprovalPolicy;
  channels: readonly ChannelName[];
}

async function heldListCard(nudge: App): Promise<AdaptiveCard> {
  const held = await nudge.rules.heldByRule();
  if (held.length === 0) return noticeCard({ title: "Nudges held", text: "No nudges are held: every rule's nudges went out as usual." });
  return heldNudgesCard(
    heldCardData(
      "These rules flagged far more students than usual, so their nudges were held and nothing has been sent. This usually means a data problem (a feed cut short or missing for a module). Release sends them now; Discard means they are never sent. You confirm either on a card.",
      held,
    ),
  );
}

function heldChangeData(d: RuleDetail, change: "release" | "discard", held: HeldRule | undefined): RuleChangeCardData {
  const figures = held ? heldCardData("", [held]).rules[0]!.figures : "No nudges from it are held now.";
  const what =
    change === "release"
      ? "Released, the held flags reopen and their nudges are proposed now, as a run would (automatic nudges are queued to send)."
      : "Discarded, the held flags stay closed for good and no nudge is ever sent from them.";
  return {
    change,
    ruleId: d.id,
    title: d.title,
    version: d.version,
    heading: HEADINGS[change],
    summary: `${figures}\n\n${what}`,
    result: null,
    resultColor: "default",
  };
}

/**
 * Release or Discard on a held-nudges card (the list or the admin's alert): answers with a card to
 * confirm, like any rule change. rules.edit is asked here too (a refusal is audited by `authorise`).
 */
export async function heldChangeAsk(nudge: App, staff: StaffPerson, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
  try {
    await nudge.access.authorise(staff.staffNumber, "rules.edit");
  } catch (error) {
    if (error instanceof AccessRefused) return "Sorry, releasing or discarding held nudges is for admins. The attempt has been recorded.";
    throw error;
  }
  const change = String(data.change);
  const ruleId = String(data.ruleId ?? "");
  if ((change !== "release" && change !== "discard") || !ruleId) return "Sorry, that card is not one I can act on.";
  const held = (await nudge.rules.heldByRule()).find((h) => h.rule === ruleId);
  if (!held) return `No nudges from ${ruleId.slice(0, 80)} are held any more: someone may have released or discarded them already.`;
  return known(nudge, ruleId, (d) => ruleChangeCard(heldChangeData(d, change, held)));
}

async function heldDecision(
  nudge: App,
  author: Awaited<ReturnType<App["access"]["authorise"]>>,
  at: string,
  confirm: boolean,
  d: RuleDetail,
  change: "release" | "discard",
  settings: ReleaseSettings,
): Promise<AdaptiveCard> {
  const held = (await nudge.rules.heldByRule()).find((h) => h.rule === d.id);
  const card = heldChangeData(d, change, held);
  if (!confirm) return ruleChangeCard({ ...card, result: `Cancelled by ${author.displayName} at ${at}: nothing changed.`, resultColor: "default" });
  try {
    const result =
      change === "release"
        ? await nudge.interventions
            .releaseHeldAndPropose(d.id, author, settings)
            .then(
              (r) =>
                `✓ Released by ${author.displayName} at ${at}: ${r.flags} held flag(s) reopened, ${r.proposed.interventionsCreated} intervention(s) proposed.`,
            )
        : await nudge.rules
            .discardHeld(d.id, author)
            .then((r) => `✓ Discarded by ${author.displayName} at ${at}: ${r.flags} held flag(s) closed; nothing will be sent from them.`);
    return ruleChangeCard({ ...card, summary: `${d.title} (${d.id}) has no nudges held now.`, result, resultColor: "good" });
  } catch (error) {
    if (!(error instanceof NothingHeld)) throw error;
    return ruleChangeCard({
      ...card,
      result: `Nothing from this rule is held any more (already released or discarded): nothing changed.`,
      resultColor: "default",
    });
  }
}

/**
 * Confirm or Cancel on a rule-change card. `rules.edit` is asked again (the payload can be edited,
 * and whoever pressed may not be whoever asked): a refusal is audited by `authorise`.
 */
export async function ruleChangeAction(
  nudge: App,
  staff: StaffPerson,
  confirm: boolean,
  data: Record<string, unknown>,
  settings: ReleaseSettings,
): Promise<AdaptiveCard | string> {
  let author: Awaited<ReturnType<App["access"]["authorise"]>>;
  try {
    author = await nudge.access.authorise(staff.staffNumber, "rules.edit");
  } catch (error) {
    if (error instanceof AccessRefused) return "Sorry, changing rules is for admins. The attempt has been recorded.";
    throw error;
  }
  const change = String(data.change) as RuleChangeKind;
  const ruleId = String(data.ruleId ?? "");
  const version = Number(data.version);
  if (!(change in HEADINGS) || !ruleId || !Number.isSafeInteger(version)) return "Sorry, that card is not one I can act on.";
  let before: RuleDetail;
  try {
    before = await nudge.rules.showRule(ruleId);
  } catch (error) {
    if (error instanceof RuleNotFound) return `There is no rule "${ruleId.slice(0, 80)}" any more.`;
    throw error;
  }
  const at = whenText(new Date(), staff.timezone);
  if (change === "release" || change === "discard") return heldDecision(nudge, author, at, confirm, before, change, settings);
  const card = changeData(before, change, version);
  if (!confirm)
    return ruleChangeCard({
      ...card,
      summary: stateLine(before),
      result: `Cancelled by ${author.displayName} at ${at}: nothing changed.`,
      resultColor: "default",
    });
  // Once confirmed, the card says where the rule stands now, not what it was asked to change.
  const now = async () => ({ ...card, summary: stateLine(await nudge.rules.showRule(ruleId)) });
  try {
    if (change === "rollback") {
      const done = await nudge.rules.rollback(ruleId, version, author);
      const result =
        done.action === "unchanged"
          ? `Already at version ${version}: nothing changed (${author.displayName}, ${at}).`
          : `✓ Rolled back to version ${version} (now version ${done.version}) by ${author.displayName} at ${at}`;
      return ruleChangeCard({ ...(await now()), result, resultColor: done.action === "unchanged" ? "default" : "good" });
    }
    const done = await nudge.rules.setEnabled(ruleId, change === "enable", author);
    const result = done.changed ? `✓ ${DONE[change]} by ${author.displayName} at ${at}` : `Already ${change}d: nothing changed (${author.displayName}, ${at}).`;
    return ruleChangeCard({ ...(await now()), result, resultColor: done.changed ? "good" : "default" });
  } catch (error) {
    if (error instanceof RuleNotFound) return `Sorry, the rule "${ruleId.slice(0, 80)}" or the version on this card no longer exists: nothing was changed.`;
    throw error;
  }
}

/** A rule's effect in words: the headline, then the VLE windows; aggregates only (analytics/rule-effect.ts). */
async function effectCard(nudge: App, d: RuleDetail): Promise<AdaptiveCard> {
  const effect = await nudge.analytics.ruleEffect(d.id);
  const figure = (x: number) => String(Math.round(x * 100) / 100);
  const windows = effect.outcomes
    .filter((o) => o.outcome.startsWith("vle_active_days_") && o.estimate.enough)
    .map((o) => `${o.label}: ${figure(o.estimate.difference!)} (${figure(o.estimate.interval![0])} to ${figure(o.estimate.interval![1])})`);
  const split =
    effect.nudged + effect.heldOut === 0
      ? `No student has been held out yet (holdout ${effect.holdout}).`
      : `${effect.nudged} students nudged and ${effect.heldOut} held out (holdout ${effect.holdout}).`;
  return noticeCard({
    title: `Effect of ${d.title}`,
    text: [split, effect.headline.sentence, ...windows].join("\n\n"),
  });
}
