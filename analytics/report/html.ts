/**
 * The annual report as one self-contained HTML page, for a Pro-Vice-Chancellor and a
 * data-protection officer: plain words first, then the charts (inline SVG from svg.ts), then the
 * tables. No script, no external asset: the file is the whole report, and prints as it shows.
 */
import escapeHtml from "escape-html";
import { figureText, type Figure } from "../../access/index.ts";
import { MIN_PER_ARM } from "../effect-estimate.ts";
import type { EffectivenessReport } from "./build.ts";
import { NOT_KNOWN, type Ratio } from "./equality.ts";
import { forestPlot, usageBars } from "./svg.ts";
import { USE_COLUMNS, USE_HEADINGS, type UseRow } from "./use.ts";

const esc = (s: string) => escapeHtml(s);
const fig = (f: Figure) => esc(figureText(f));
const pct = (f: Figure) => (typeof f === "number" ? `${f}%` : fig(f));
const num = (x: number | null) => (x === null ? "–" : (Math.round(x * 100) / 100).toFixed(2).replace(/\.?0+$/, ""));
const ratioText = (r: Ratio | null) => (r ? `${r.value.toFixed(2)} (${r.interval[0].toFixed(2)} to ${r.interval[1].toFixed(2)})` : "–");

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1f2933;max-width:920px;margin:24px auto;padding:0 20px;line-height:1.45;font-size:14px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 6px;border-bottom:2px solid #1f5fa8;padding-bottom:3px}h3{font-size:15px;margin:16px 0 4px}
.meta{color:#616e7c;margin:0 0 12px}.lead{font-size:15px;background:#f1f5f9;border-left:4px solid #1f5fa8;padding:8px 12px}
table{border-collapse:collapse;margin:6px 0 10px;width:100%}th,td{border-bottom:1px solid #d9dee3;padding:3px 6px;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left;min-width:170px}th{background:#f1f5f9;font-weight:600}th.words{text-align:left}td.words{text-align:left;color:#3e4c59}
td:not(.words):not(:first-child){white-space:nowrap}
.note{color:#3e4c59;font-size:13px}figure{margin:8px 0}svg{max-width:100%;height:auto}
@media print{body{margin:0}h2{break-after:avoid}table,figure{break-inside:avoid}}
`;

function usageTable(rows: readonly UseRow[], first: string): string {
  const head = `<tr><th>${esc(first)}</th>${USE_COLUMNS.map((c) => `<th>${esc(USE_HEADINGS[c])}</th>`).join("")}</tr>`;
  const body = rows.map((r) => `<tr><td>${esc(r.label)}</td>${USE_COLUMNS.map((c) => `<td>${fig(r.figures[c])}</td>`).join("")}</tr>`).join("");
  return `<table>${head}${body}</table>`;
}

function usageSection(report: EffectivenessReport): string {
  const { use } = report;
  return `<h2>1. Use</h2>
<p>What Nudge did between ${esc(report.period.from)} and ${esc(report.period.to)}: students flagged by the rules, students sent an automatic nudge and those who replied, invitations to talk, and meetings booked and attended.</p>
<figure>${usageBars(use.months)}<figcaption class="note">Students flagged and sent a nudge, month by month. A month whose figure is a range (it includes a group of fewer than 5) shows the range as a pale bar up to its lower end and a line up to its upper end; a figure hidden altogether shows only *.</figcaption></figure>
<h3>By programme</h3>${usageTable([...use.byProgramme, use.total], "Programme")}
<h3>By year of study</h3>${usageTable([...use.byYear, use.total], "Year of study")}
<p class="note">Small numbers are hidden as the student centres' answers hide them: a count of 1 to 4 shows as “fewer than 5”, and a total that includes such a count shows as a range (for example 23–26), so no hidden count can be worked out by subtraction. A student is counted in the programme and year of their latest enrolment.</p>`;
}

function effectSection(report: EffectivenessReport): string {
  const e = report.effectiveness;
  const rows = e.rules
    .map((r) => {
      const x = r.estimate;
      const diff =
        x.enough && x.difference !== null && x.interval ? `${num(x.difference)} (${num(x.interval[0])} to ${num(x.interval[1])})` : "not enough students yet";
      return `<tr><td>${esc(r.title)}<br><span class="note">${esc(r.rule)}, holdout ${esc(r.holdout)}</span></td><td>${r.nudged}</td><td>${r.heldOut}</td><td>${num(x.meanNudged)}</td><td>${num(x.meanHeldOut)}</td><td>${diff}</td><td>${num(x.minimumDetectableEffect)}</td><td class="words">${esc(r.sentence)}</td></tr>`;
    })
    .join("");
  const table = e.rules.length
    ? `<table><tr><th>Rule</th><th>Nudged</th><th>Held out</th><th>Average, nudged</th><th>Average, held out</th><th>Difference (95% interval)</th><th>Smallest detectable</th><th class="words">In words</th></tr>${rows}</table>`
    : `<p>No rule held out any students in this period, so there is nothing to compare yet.</p>`;
  return `<h2>2. Do the nudges work?</h2>
<p class="lead">${esc(e.pooled.sentence)}</p>
<p>Each rule with a holdout sends its automatic nudge to most of the students it flags and, by a fair random draw, holds it back from a few (the tutor still sees every flag and can still act). Comparing the two groups on what happened next is the only fair test: the students are alike except for the nudge. The measure is ${esc(e.outcomeLabel)} the flag, for each student's first flag from the rule in a term, taking account of how active they were before (which narrows the interval without moving it). The data runs to ${esc(e.dataUntil ?? "no day yet")}.</p>
<figure>${forestPlot(e)}<figcaption class="note">Each square is a rule's difference (nudged minus held out) and the bar its 95% interval; the diamond is all rules together, weighted by their students. Blue: the interval excludes zero. Grey: no clear difference.</figcaption></figure>
${table}
<p class="note">How to read it: if the interval includes zero, the data cannot tell the nudge from no nudge. “Smallest detectable” is the smallest true effect this many students would reveal 4 times in 5; a real effect smaller than that can easily be missed. A rule needs at least ${MIN_PER_ARM} students in each group before any estimate is given. Averages of groups under 5 students are not shown.</p>`;
}

function qualitySection(report: EffectivenessReport): string {
  const q = report.quality;
  const feeds = q.feeds.length
    ? `<table><tr><th>Feed</th><th>Data up to</th><th>Last loaded (UTC)</th><th>Expected every</th><th class="words">State</th></tr>${q.feeds
        .map(
          (f) =>
            `<tr><td>${esc(f.feed)}</td><td>${esc(f.lastDataDay ?? "–")}</td><td>${esc(f.lastLoadedAt)}</td><td>${f.expectedEveryHours} hours</td><td class="words">${esc(f.state)}</td></tr>`,
        )
        .join("")}</table>`
    : "<p>No feed has been loaded.</p>";
  const gaps = q.gaps.length
    ? `<table><tr><th>Source</th><th>Days with data</th><th>Days without</th><th class="words">When</th></tr>${q.gaps
        .map(
          (g) =>
            `<tr><td>${esc(g.source)}</td><td>${g.daysWithData}</td><td>${g.daysWithout}</td><td class="words">${esc(g.gaps.join("; ") || "none")}</td></tr>`,
        )
        .join("")}</table>`
    : "<p>No engagement data in the period.</p>";
  const skipped = q.runs.skipped.length
    ? `<table><tr><th>Rule</th><th>Days skipped</th><th class="words">Latest reason</th></tr>${q.runs.skipped
        .map((s) => `<tr><td>${esc(s.rule)}</td><td>${s.days}</td><td class="words">${esc(s.reason)}</td></tr>`)
        .join("")}</table>`
    : "<p>No rule was skipped.</p>";
  const failed = q.runs.failed.length ? `<p>Runs that failed: ${q.runs.failed.map((f) => `${esc(f.day)} (${esc(f.error)})`).join("; ")}.</p>` : "";
  return `<h2>3. Data quality</h2>
<p>Rules can only see what the feeds bring. A day without data is not a day without activity: Nudge never flags a student on missing data, so a gap means those days went unwatched.</p>
<h3>Feed freshness</h3>${feeds}
<h3>Days with no data in the period</h3>${gaps}
<h3>Rule runs</h3><p>${q.runs.total} daily rule runs in the period.</p>${failed}${skipped}`;
}

function equalitySection(report: EffectivenessReport): string {
  const eq = report.equality;
  const fields = eq.fields
    .map(
      (f) =>
        `<h3>${esc(f.label)}</h3><table><tr><th>Group</th><th>Students</th><th>Share flagged</th><th>Share sent a nudge</th><th>Flag ratio (95% interval)</th><th>Nudge ratio (95% interval)</th></tr>${f.groups
          .map(
            (g) =>
              `<tr><td>${esc(g.group)}${g.group === f.reference ? " (reference)" : ""}</td><td>${fig(g.students)}</td><td>${pct(g.flagRate)}</td><td>${pct(g.nudgeRate)}</td><td>${g.group === f.reference ? "1" : ratioText(g.flagRatio)}</td><td>${g.group === f.reference ? "1" : ratioText(g.nudgeRatio)}</td></tr>`,
          )
          .join("")}</table>`,
    )
    .join("");
  const none = eq.fields.length === 0 ? "<p>No protected characteristic is held with consent to use it, so this section has nothing to compare.</p>" : "";
  const notLoaded = eq.notLoaded.length
    ? `<p class="note">Not reported, because no student in the period has a value that may be used: ${esc(eq.notLoaded.join(", "))}. Sex, gender and age are not held by Nudge.</p>`
    : `<p class="note">Sex, gender and age are not held by Nudge.</p>`;
  return `<h2>4. Equality</h2>
<p>Whether the rules flag, and the nudges reach, some groups of students more than others: for each protected characteristic the institution has loaded, the share of each group flagged and sent a nudge, and the ratio to the largest group. A ratio of 1 means the same rate as the largest group; 1.5 means half as likely again; the interval shows how sure that is, and an interval that includes 1 shows no clear difference.</p>
${fields}${none}${notLoaded}
<p class="note">What this means and its limits: a higher flag rate in a group is a prompt to look at the rules, not proof that they are unfair; it can reflect real differences in engagement, in timetables, or in how the data is recorded. The figures count only students whose consent to use that characteristic is in force (POLICY P8); everyone else is in “${esc(NOT_KNOWN)}”, so a group's figures describe the students who consented, who may not be typical of it. Groups under 5 students are hidden, as are rates and ratios that would give a hidden count away. Nothing here is about an individual.</p>`;
}

export function renderReportHtml(report: EffectivenessReport): string {
  const total = report.use.total.figures;
  const lead = `Between ${esc(report.period.from)} and ${esc(report.period.to)}, ${fig(total.flagged)} students were flagged by the rules and ${fig(total.nudged)} were sent an automatic nudge; ${fig(total.replied)} replied, ${fig(total.invitations)} invitations to talk were sent and ${fig(total.meetingsAttended)} meetings were attended.`;
  return `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>${esc(report.title)}, ${esc(report.period.from)} to ${esc(report.period.to)}</title><style>${STYLE}</style></head>
<body>
<h1>${esc(report.title)}</h1>
<p class="meta">${esc(report.period.from)} to ${esc(report.period.to)} · produced ${esc(report.generatedAt.slice(0, 16).replace("T", " "))} UTC by ${esc(report.generatedBy)} · the annual report of POLICY P12</p>
<p class="lead">${lead} ${esc(report.effectiveness.pooled.sentence)}</p>
${usageSection(report)}
${effectSection(report)}
${qualitySection(report)}
${equalitySection(report)}
</body></html>
`;
}
