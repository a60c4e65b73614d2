/**
 * `nudge rules …`: validate, import, list, show, enable, disable, rollback, run, dry-run, metrics.
 * Changes need `--as <staff number>` of someone the access gate lets edit rules (admins), and each
 * is audited with who and what. Exit codes: 0 done, 1 failed or refused, 2 bad usage or invalid rules.
 */
import { figureText } from "../access/index.ts";
import { NudgeError } from "../core/index.ts";
import { existsSync } from "node:fs";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { App } from "../app/index.ts";
import type { RuleEffect } from "../analytics/index.ts";
import {
  asOfDayFor,
  CATALOGUE,
  checkFiles,
  formatProblem,
  hasErrors,
  PLACEHOLDERS,
  ruleYaml,
  validateRule,
  type Count,
  type DryRunReport,
  type Problem,
  type RunReport,
  type ValidRule,
} from "../rules/index.ts";
import { loadApprovalPolicy } from "../interventions/index.ts";
import { withApp } from "./cli-database.ts";
import { print, type JsonOption } from "./cli-output.ts";
import { dayOption } from "./cli-options.ts";
import { loadConfig } from "./config.ts";

/** Bad input (a rule file with errors, an unknown rule, a missing path): exit 2. */
export class RulesUsageError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "rules_usage";
}

function versionOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a version number (1, 2, …)");
  return n;
}

const asOption = () => new Option("--as <staff-number>", "who is making the change (their staff number); they need the admin role").makeOptionMandatory();

function problemLines(problems: readonly Problem[]): string[] {
  return problems.map(formatProblem);
}

function requirePath(path: string): void {
  if (!existsSync(path)) throw new RulesUsageError(`no such file or folder: ${path}`, { kind: "not_found" });
}

function runLines(report: RunReport): string[] {
  if (report.unchanged)
    return [
      `rules run for ${report.asOf}: nothing changed since run ${report.sameAs}; nothing to evaluate (${report.durationMs} ms). Use --force to evaluate anyway.`,
    ];
  const lines = [
    `rules run ${report.runId} for ${report.asOf}: ${report.studentsEvaluated} students, ${report.flagsWritten} new flags, ${report.durationMs} ms`,
  ];
  for (const rule of report.rules) {
    const extra = [
      rule.alreadyFlagged ? `${rule.alreadyFlagged} already flagged today` : "",
      rule.inCooldown ? `${rule.inCooldown} in cooldown` : "",
      rule.notEvaluable ? `${rule.notEvaluable} not evaluable` : "",
    ].filter(Boolean);
    lines.push(`  ${rule.id} v${rule.version}: ${rule.flagsWritten} flagged of ${rule.evaluated} evaluated${extra.length ? ` (${extra.join(", ")})` : ""}`);
    for (const cohort of rule.skippedCohorts) lines.push(`    skipped ${cohort.cohort} (${cohort.students} students): ${cohort.reason}`);
  }
  for (const skipped of report.skipped) lines.push(`  ${skipped.id}: skipped, ${skipped.reason}`);
  for (const held of report.held ?? [])
    lines.push(
      `  ${held.rule}: ${held.flags} nudge(s) HELD by the volume guard (${held.reason}); admins alerted. Release or discard: nudge rules release|discard ${held.rule} --as <staff number>`,
    );
  const excluded = Object.entries(report.excluded).filter(([, n]) => n > 0);
  if (excluded.length) lines.push(`  not evaluated: ${excluded.map(([why, n]) => `${n} ${why === "consent" ? "without analytics consent" : why}`).join(", ")}`);
  const closed = Object.entries(report.flagsClosed).filter(([, n]) => n > 0);
  if (closed.length) lines.push(`  flags closed: ${closed.map(([why, n]) => `${n} (${why})`).join(", ")}`);
  return lines;
}

function dryRunLines(report: DryRunReport<Count>): string[] {
  const n = figureText;
  const lines = [`dry run of ${report.rule} as of ${report.asOf}${report.currentVersion ? ` (against version ${report.currentVersion})` : " (new rule)"}`];
  if (report.skipped) lines.push(`  note: on that day the rule would be skipped: ${report.skipped}`);
  const held = [
    report.alreadyFlagged ? `${n(report.alreadyFlagged)} already flagged that day` : "",
    report.inCooldown ? `${n(report.inCooldown)} in cooldown` : "",
  ].filter(Boolean);
  lines.push(
    `  the condition holds for ${n(report.matched)} of ${n(report.evaluated)} students evaluated; ${n(report.flagged)} would get a new flag${held.length ? ` (${held.join(", ")})` : ""}${report.notEvaluable ? `; ${n(report.notEvaluable)} not evaluable` : ""}`,
  );
  for (const c of report.byCohort.slice(0, 20)) lines.push(`    ${c.cohort}: ${n(c.students)}`);
  if (report.byCohort.length > 20) lines.push(`    … ${report.byCohort.length - 20} more cohorts`);
  if (report.comparedWithCurrent) {
    const c = report.comparedWithCurrent;
    lines.push(
      `  against the current version (holds for ${n(c.matchedByCurrent)}): ${n(c.newlyFlagged)} newly flagged, ${n(c.noLongerFlagged)} no longer flagged`,
    );
  }
  const l = report.load;
  lines.push(
    `  over the ${l.days} days to ${report.asOf}, with cooldown: ${l.flagsPerDay.mean} flags a day (at most ${l.flagsPerDay.max}), reaching ${l.reaches}`,
  );
  lines.push(
    `  per personal tutor: ${l.perTutorPerDay.mean} a day on average across ${l.perTutorPerDay.tutors} tutors, at most ${l.perTutorPerDay.max} in a day`,
  );
  if (report.volumeGuard?.wouldHold) lines.push(`  the volume guard would hold these nudges for an admin: ${report.volumeGuard.reason}`);
  const b = report.backtest;
  if (b) {
    lines.push(`  backtest, flags raised ${b.week.from} to ${b.week.to}:`);
    if (b.note) lines.push(`    ${b.note}`);
    const pct = (r: number | null) => (r === null ? "n/a" : `${Math.round(r * 1000) / 10}%`);
    lines.push(`    flagged students who later withdrew or failed: ${n(b.flagged.withOutcome)} of ${n(b.flagged.students)} (${pct(b.flagged.rate)})`);
    lines.push(
      `    everyone evaluated: ${n(b.everyone.withOutcome)} of ${n(b.everyone.students)} (${pct(b.everyone.rate)})${b.lift === null ? "" : `; lift ${b.lift}x`}`,
    );
  }
  return lines;
}

/** A file, or a stored rule's current version, as a rule to dry-run. */
async function candidateRule(app: App, target: string): Promise<ValidRule> {
  if (existsSync(target)) {
    const checked = checkFiles(target, await app.rules.loadCalendar());
    if (hasErrors(checked.problems)) throw new RulesUsageError(`${target} has errors:\n${problemLines(checked.problems).join("\n")}`);
    if (checked.rules.length !== 1) throw new RulesUsageError(`dry-run takes one rule; ${target} holds ${checked.rules.length}`);
    return checked.rules[0]!.rule;
  }
  const detail = await app.rules.showRule(target).catch(() => {
    throw new RulesUsageError(`'${target}' is neither a file nor a stored rule`, { kind: "not_found" });
  });
  const checked = validateRule(detail.document, { calendar: await app.rules.loadCalendar() });
  if (!checked.rule) throw new RulesUsageError(`stored rule ${target} is no longer valid:\n${problemLines(checked.problems).join("\n")}`);
  return checked.rule;
}

function yesterday(): number {
  return asOfDayFor(new Date(), loadConfig().timezone);
}

export function registerRulesCommand(program: Command): void {
  const rules = program.command("rules").description("write, test, version, enable and run the rules that flag students");

  rules
    .command("validate")
    .description("check rule files (and a calendar) without saving anything; every problem names file, line, field")
    .argument("<path>", "a rule file (.yaml, .yml, .json) or a folder of them")
    .option("--json", "print one JSON object")
    .action(async (path: string, options: JsonOption) => {
      requirePath(path);
      const checked = await withApp(async (app) => {
        const files = checkFiles(path, await app.rules.loadCalendar());
        files.problems.push(...(await app.rules.referenceProblems(files.rules)));
        return files;
      });
      const ok = !hasErrors(checked.problems);
      print(
        options,
        {
          ok,
          files: checked.files.length,
          rules: checked.rules.map((r) => r.rule.document.id),
          calendar: checked.calendar?.document.calendar ?? null,
          problems: checked.problems,
        },
        [
          ...problemLines(checked.problems),
          ok
            ? `${checked.rules.length} rule(s)${checked.calendar ? " and a calendar" : ""} valid`
            : `invalid: ${checked.problems.filter((p) => p.severity === "error").length} error(s)`,
        ],
      );
      if (!ok) process.exitCode = 2;
    });

  rules
    .command("import")
    .description("save rules (and a calendar) from files: new rules start disabled, changed ones get a new version")
    .argument("<path>", "a rule file or a folder of them (e.g. rules/library)")
    .addOption(asOption())
    .option("--comment <text>", "why, kept with each new version")
    .option("--json", "print one JSON object")
    .action(async (path: string, options: JsonOption & { as: string; comment?: string }) => {
      requirePath(path);
      await withApp(async (app) => {
        const author = await app.access.authorise(options.as, "rules.edit");
        const checked = checkFiles(path, await app.rules.loadCalendar());
        checked.problems.push(...(await app.rules.referenceProblems(checked.rules)));
        if (hasErrors(checked.problems)) {
          print(options, { imported: false, problems: checked.problems }, [...problemLines(checked.problems), "nothing imported: fix the errors above"]);
          process.exitCode = 2;
          return;
        }
        const saved = await app.rules.saveAll(
          {
            calendar: checked.calendar ? { document: checked.calendar.document, source: checked.calendar.source } : undefined,
            rules: checked.rules.map((r) => ({ rule: r.rule, source: r.source })),
          },
          author,
          options.comment,
        );
        print(options, { imported: true, calendar: saved.calendar ?? null, rules: saved.rules, problems: checked.problems }, [
          ...problemLines(checked.problems),
          ...(saved.calendar ? [`calendar ${checked.calendar!.document.calendar}: ${saved.calendar}`] : []),
          ...saved.rules.map(
            (r) =>
              `${r.id}: ${r.action}${r.action === "unchanged" ? "" : `, version ${r.version}`}${r.action === "updated" ? ` (changed: ${r.changed.join(", ")})` : ""}${r.action === "created" ? " (disabled: dry-run it, then enable it)" : ""}`,
          ),
        ]);
      });
    });

  rules
    .command("list")
    .description("every rule: enabled or not, current version, significance")
    .option("--json", "print one JSON object")
    .action(async (options: JsonOption) => {
      const list = await withApp((app) => app.rules.listRules());
      print(
        options,
        { rules: list },
        list.length
          ? list.map((r) => `${r.enabled ? "on " : "off"} ${r.id} v${r.version} [${r.significance}, ${r.intervention}] ${r.title}`)
          : ["no rules yet: npx nudge rules import rules/library --as <staff number>"],
      );
    });

  rules
    .command("show")
    .description("a rule as written, and its version history")
    .argument("<id>")
    .addOption(new Option("--version <n>", "an earlier version").argParser(versionOption))
    .option("--json", "print one JSON object")
    .action(async (id: string, options: JsonOption & { version?: number }) => {
      const detail = await withApp((app) => app.rules.showRule(id, options.version));
      print(options, detail, [
        `# ${detail.id} version ${detail.shownVersion} of ${detail.version}${detail.shownVersion === detail.version ? " (current)" : ""}, ${detail.enabled ? "enabled" : "disabled"}`,
        ruleYaml(detail),
        "# versions:",
        ...detail.versions.map(
          (v) => `#   ${v.version}  ${v.createdAt.toISOString().slice(0, 16).replace("T", " ")}  ${v.author ?? "-"}${v.comment ? `  ${v.comment}` : ""}`,
        ),
      ]);
    });

  for (const [name, enabled] of [
    ["enable", true],
    ["disable", false],
  ] as const) {
    rules
      .command(name)
      .description(
        enabled ? "switch a rule on (or --all of them): the next run evaluates it" : "switch a rule off (or --all of them): its open flags stay as they are",
      )
      .argument("[id]")
      .option("--all", `${name} every stored rule (each change audited as if made one by one)`)
      .addOption(asOption())
      .option("--json", "print one JSON object")
      .action(async (id: string | undefined, options: JsonOption & { as: string; all?: boolean }) => {
        if (id && options.all) throw new NudgeError("give a rule id or --all, not both", { kind: "usage" });
        if (!id && !options.all) throw new NudgeError("give a rule id, or --all for every rule", { kind: "usage" });
        const results = await withApp(async (app) => {
          const author = await app.access.authorise(options.as, "rules.edit");
          const ids = id ? [id] : (await app.rules.listRules()).map((r) => r.id);
          const done: { id: string; enabled: boolean; changed: boolean; version: number }[] = [];
          for (const each of ids) done.push({ id: each, enabled, ...(await app.rules.setEnabled(each, enabled, author)) });
          return done;
        });
        const lines = results.map((r) => `${r.id} ${r.changed ? `${name}d` : `was already ${name}d`} (version ${r.version})`);
        if (options.all)
          print(options, { rules: results }, results.length ? lines : ["no rules yet: npx nudge rules import rules/library --as <staff number>"]);
        else print(options, results[0]!, lines);
      });
  }

  rules
    .command("rollback")
    .description("make an earlier version current again (as a new version: history is never rewritten)")
    .argument("<id>")
    .addOption(new Option("--to <n>", "the version to go back to").argParser(versionOption).makeOptionMandatory())
    .addOption(asOption())
    .option("--json", "print one JSON object")
    .action(async (id: string, options: JsonOption & { to: number; as: string }) => {
      const result = await withApp(async (app) => app.rules.rollback(id, options.to, await app.access.authorise(options.as, "rules.edit")));
      print(options, result, [
        result.action === "unchanged"
          ? `${id} is already at version ${options.to}`
          : `${id}: version ${result.version} restores version ${options.to} (changed: ${result.changed.join(", ") || "nothing"})`,
      ]);
    });

  rules
    .command("run")
    .description("evaluate the enabled rules, write flags and propose interventions (what the scheduled job does)")
    .addOption(new Option("--as-of <date>", "the day to evaluate, YYYY-MM-DD (default: yesterday)").argParser(dayOption))
    .option("--force", "evaluate even when nothing has changed since the last run for that day")
    .option("--as <staff-number>", "run as this member of staff (admin or operator) instead of the command line's system identity")
    .option("--json", "print one JSON object: flags written per rule, skipped rules with reasons, students evaluated, interventions proposed, duration")
    .action(async (options: JsonOption & { asOf?: number; force?: boolean; as?: string }) => {
      const { report, proposed } = await withApp(async (app, config) => {
        if (options.as) await app.access.authorise(options.as, "system.operate");
        return app.interventions.runRulesAndPropose({
          asOfDay: options.asOf ?? yesterday(),
          trigger: "manual",
          force: options.force,
          policy: loadApprovalPolicy(config.approvalPolicyFile),
          channels: config.channels,
        });
      });
      const { flagsConsidered: _considered, ...interventions } = proposed;
      print(options, { ...report, interventions }, [
        ...runLines(report),
        `interventions: ${proposed.interventionsCreated} proposed (${proposed.autoApproved} queued to send, ${proposed.awaitingApproval} waiting for a person)`,
      ]);
    });

  rules
    .command("held")
    .description("nudges the volume guard held because a rule flagged far more students than usual, waiting for an admin")
    .option("--json", "print one JSON object")
    .action(async (options: JsonOption) => {
      const held = await withApp(async (app) => app.rules.heldNudges());
      print(
        options,
        { held },
        held.length ? held.map((h) => `${h.rule}: ${h.flags} held from the run for ${h.day} (run ${h.runId ?? "?"})`) : ["no nudges are held"],
      );
    });

  for (const [verb, what] of [
    ["release", "send them: the held flags reopen and become nudges now"],
    ["discard", "send nothing from them: the held flags stay closed, recorded as discarded"],
  ] as const) {
    rules
      .command(verb)
      .description(`nudges held by the volume guard for a rule: ${what}`)
      .argument("<rule>")
      .addOption(asOption())
      .option("--json", "print one JSON object")
      .action(async (rule: string, options: JsonOption & { as: string }) => {
        const result = await withApp(async (app, config) => {
          const staff = await app.access.authorise(options.as, "rules.edit");
          // Release is the Teams button's use case: the flags reopen and are proposed at once.
          if (verb === "release")
            return app.interventions.releaseHeldAndPropose(rule, staff, { policy: loadApprovalPolicy(config.approvalPolicyFile), channels: config.channels });
          return { ...(await app.rules.discardHeld(rule, staff)), proposed: null };
        });
        print(options, result, [
          verb === "release"
            ? `${rule}: ${result.flags} held flag(s) released; ${result.proposed?.interventionsCreated ?? 0} intervention(s) proposed`
            : `${rule}: ${result.flags} held flag(s) discarded; nothing will be sent from them`,
        ]);
      });
  }

  rules
    .command("dry-run")
    .description("what a new or changed rule would flag, by programme and year, against its current version; nothing is written")
    .argument("<file-or-id>", "a rule file, or the id of a stored rule")
    .addOption(new Option("--as-of <date>", "the day to evaluate, YYYY-MM-DD (default: yesterday)").argParser(dayOption))
    .option("--backtest", "also: of the students flagged in the week to --as-of, how many later withdrew or failed, against everyone evaluated")
    .addOption(asOption())
    .option("--json", "print one JSON object")
    .action(async (target: string, options: JsonOption & { asOf?: number; backtest?: boolean; as: string }) => {
      const report = await withApp(async (app) => {
        await app.access.authorise(options.as, "rules.edit");
        return app.rules.dryRun(await candidateRule(app, target), { asOfDay: options.asOf ?? yesterday(), backtest: options.backtest });
      });
      print(options, report, dryRunLines(report));
    });

  rules
    .command("effect")
    .description("does a rule's nudge help? nudged against held-out students, with 95% intervals (every rule and pooled when no rule is named)")
    .argument("[rule]")
    .option("--json", "print one JSON object")
    .action(async (rule: string | undefined, options: JsonOption) => {
      if (rule) {
        const effect = await withApp((app) => app.analytics.ruleEffect(rule));
        print(options, effect, ruleEffectLines(effect));
        return;
      }
      const all = await withApp((app) => app.analytics.allRuleEffects());
      print(options, all, [...all.rules.flatMap((r) => [...ruleEffectLines(r), ""]), `All rules together: ${all.pooled.sentence}`]);
    });

  rules
    .command("metrics")
    .description("the metrics catalogue: every metric a condition may use, and the placeholders messages may use")
    .option("--json", "print one JSON object")
    .action((options: JsonOption) => {
      const metrics = Object.values(CATALOGUE).map((m) => ({
        name: m.name,
        unit: m.unit,
        window: m.window,
        sources: m.sources,
        description: m.description,
        nullWhen: "nullWhen" in m ? m.nullWhen : undefined,
      }));
      const placeholders = Object.entries(PLACEHOLDERS).map(([name, p]) => ({ name, description: p.description }));
      print(options, { metrics, placeholders }, [
        ...metrics.map(
          (m) => `${m.name}  [${m.unit}; ${m.window}; ${m.sources.join(", ")}]\n    ${m.description}${m.nullWhen ? `\n    null when ${m.nullWhen}` : ""}`,
        ),
        "",
        `Placeholders in messages: ${placeholders.map((p) => `{{${p.name}}}`).join(", ")}, and any metric the condition uses.`,
      ]);
    });
}

function ruleEffectLines(effect: RuleEffect): string[] {
  const figure = (x: number | null) => (x === null ? "-" : String(Math.round(x * 100) / 100));
  return [
    `${effect.rule}: ${effect.title} (holdout ${effect.holdout}; data until ${effect.dataUntil ?? "none loaded"})`,
    `  ${effect.nudged} students nudged, ${effect.heldOut} held out (first flag per term)`,
    `  ${effect.headline.sentence}`,
    ...effect.outcomes.map((o) => {
      const e = o.estimate;
      const interval = e.interval ? ` [${figure(e.interval[0])}, ${figure(e.interval[1])}]` : "";
      const verdict = e.enough ? `difference ${figure(e.difference)}${interval}${e.significant ? " significant" : ""}` : "not enough students yet";
      return `  ${o.label}: nudged ${figure(e.meanNudged)} (${e.nudged}), held out ${figure(e.meanHeldOut)} (${e.heldOut}); ${verdict}; detectable ${figure(e.minimumDetectableEffect)}`;
    }),
  ];
}
