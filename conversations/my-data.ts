/**
 * "How is my attendance?", "what flags do I have?": a student's own figures and the flags about
 * them, with what each flag saw in plain words (POLICY P6). The figures come from the same metric
 * definitions the rules use, for this student only, as of the last complete day. In Teams this is
 * a card; by SMS and email only a pointer to it (POLICY P13: no figures leave through processors).
 */
import { myDataCard, type AdaptiveCard, type MyDataCardData } from "../adaptive-cards/index.ts";
import { say } from "../core/index.ts";
import type { Database } from "../prisma/index.ts";
import { asOfDayFor, isoDay, lookupMetric, type Metric } from "../rules/index.ts";
import { evidencePhrases, joinPhrases } from "../rules/index.ts";
import type { FlagEvidence } from "../rules/index.ts";
import { computeMetrics } from "../rules/index.ts";

const DAY_MONTH = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", timeZone: "UTC" });

/** The figures shown, in the order shown; a figure whose data does not exist is left out. */
const FIGURES = [
  "vle_days_since_last",
  "vle_active_days_14d",
  "attendance_rate_28d",
  "sessions_expected_28d",
  "submissions_missed_28d",
  "library_visits_28d",
] as const;

function metric(name: string): Metric {
  const found = lookupMetric(name);
  if ("error" in found) throw new Error(found.error);
  return found.metric;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export async function myDataCardFor(db: Database, studentId: number, now: Date, timezone: string): Promise<AdaptiveCard> {
  const asOf = asOfDayFor(now, timezone);
  const [row] = await computeMetrics(db.sql, FIGURES.map(metric), asOf, { currentOnly: false, onlyStudent: studentId });
  const values = row?.values ?? {};
  const feeds = await db.prisma.engagementDaily.groupBy({ by: ["source"], where: { studentId, day: { gt: asOf - 28, lte: asOf } }, _count: { _all: true } });
  const has = new Set(feeds.map((f) => f.source));
  const facts: MyDataCardData["facts"] = [];
  const since = values.vle_days_since_last;
  if (since !== null && since !== undefined && has.has("vle"))
    facts.push({
      title: "Last time on the VLE",
      value: since === 0 ? "the last day we have data for" : DAY_MONTH.format(new Date(`${isoDay(asOf - since)}T00:00:00Z`)),
    });
  if (has.has("vle") && values.vle_active_days_14d != null) facts.push({ title: "Days on the VLE, last 14 days", value: String(values.vle_active_days_14d) });
  if (has.has("attendance") && values.attendance_rate_28d != null && values.sessions_expected_28d) {
    facts.push({
      title: "Sessions attended, last 28 days",
      value: `${Math.round(values.attendance_rate_28d * values.sessions_expected_28d)} of ${values.sessions_expected_28d}`,
    });
  }
  if (has.has("submission") && values.submissions_missed_28d != null)
    facts.push({ title: "Coursework not handed in (due in the last 28 days)", value: String(values.submissions_missed_28d) });
  if (has.has("library") && values.library_visits_28d != null) facts.push({ title: "Library visits, last 28 days", value: String(values.library_visits_28d) });

  const flags = await db.prisma.flag.findMany({
    where: { studentId, state: { in: ["open", "actioned", "snoozed"] } },
    orderBy: { raisedAt: "desc" },
    take: 5,
    select: { evidence: true },
  });
  const shown = flags.map((f) => {
    const evidence = f.evidence as unknown as FlagEvidence;
    const phrases = evidencePhrases([evidence], "student");
    return { title: evidence.rule.title, text: phrases.length ? `${capitalised(joinPhrases(phrases))}.` : say("my_data_flag_routine") };
  });
  return myDataCard({
    intro: say("my_data_intro"),
    facts,
    flags: shown,
    footer: say("my_data_footer", { day: DAY_MONTH.format(new Date(`${isoDay(asOf)}T00:00:00Z`)) }),
  });
}

/** What SMS and email say instead of the figures. */
export function myDataElsewhere(): string {
  return say("my_data_elsewhere");
}
