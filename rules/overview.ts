/**
 * What an admin sees of the rules in Teams (and later the studio): each rule's last run in
 * words, and a dry run of a stored rule as of a sensible day. Counts only: nothing names a student.
 */
import { DEFAULT_TIMEZONE, DAY_MS } from "../core/index.ts";
import type { Database } from "../prisma/index.ts";
import { asOfDayFor } from "./days.ts";
import { discloseDryRun, dryRun, type Count, type DryRunReport } from "./dry-run.ts";
import { isoDay } from "./freshness.ts";
import { loadCalendar, showRule } from "./store.ts";
import { validateRule } from "./validate.ts";

/** Per rule, the figures of the latest finished run that evaluated it, in words. */
export async function lastRunSummaries(db: Database, timezone = DEFAULT_TIMEZONE): Promise<Map<string, string>> {
  const date = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: timezone });
  const runs = await db.prisma.ruleRun.findMany({
    where: { dryRun: false, status: "succeeded" },
    orderBy: { id: "desc" },
    take: 30,
    select: { asOfDay: true, summary: true },
  });
  const figures = new Map<string, string>();
  for (const run of runs) {
    const day = date.format(new Date(`${isoDay(run.asOfDay)}T12:00:00Z`));
    const summary = run.summary as { rules?: { id: string; flagsWritten: number; evaluated: number }[]; skipped?: { id: string; reason: string }[] } | null;
    for (const r of summary?.rules ?? [])
      if (!figures.has(r.id)) figures.set(r.id, `Last run for ${day}: ${r.flagsWritten} flagged of ${r.evaluated} evaluated`);
    for (const s of summary?.skipped ?? []) if (!figures.has(s.id)) figures.set(s.id, `Last run for ${day}: skipped, ${s.reason}`);
  }
  return figures;
}

/** The day a dry run evaluates: the one asked for, else yesterday, or the last day data was loaded for if earlier. */
export async function dryRunDay(db: Database, timezone: string, asked?: string): Promise<number> {
  if (asked) return Math.floor(Date.parse(`${asked}T00:00:00Z`) / DAY_MS);
  const yesterday = asOfDayFor(new Date(), timezone);
  const latest = await db.prisma.feedFreshness.aggregate({ _max: { lastDataDay: true } });
  return Math.min(yesterday, latest._max.lastDataDay ?? yesterday);
}

/** A stored rule's dry run (nothing written), or why it cannot be run. */
export async function dryRunStoredRule(
  db: Database,
  id: string,
  timezone: string,
  asked?: string,
): Promise<{ report: DryRunReport<Count> } | { invalid: string }> {
  const detail = await showRule(db, id);
  const checked = validateRule(detail.document, { calendar: await loadCalendar(db) });
  if (!checked.rule) return { invalid: `Version ${detail.version} is no longer valid, so it can't be dry-run: fix it and import it again.` };
  return { report: discloseDryRun(await dryRun(db, checked.rule, { asOfDay: await dryRunDay(db, timezone, asked) })) };
}
