/**
 * The report's charts as inline SVG, drawn here on the server (no script, no external asset, so the
 * HTML file is the whole report and prints as it shows): a forest plot of each rule's effect with
 * its 95% interval, and bars of use by month. Hidden figures are never drawn as a guess.
 */
import escapeHtml from "escape-html";
import { figureText, plotted } from "../../access/index.ts";
import type { EffectivenessSection } from "./build.ts";
import type { UseMonth } from "./use.ts";

const FONT = `font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"`;
const INK = "#1f2933";
const MUTED = "#616e7c";
const BLUE = "#1f5fa8";
const ORANGE = "#c2571a";
const GRID = "#d9dee3";

const esc = (s: string) => escapeHtml(s);
const fixed = (x: number) =>
  (Math.round(x * 100) / 100)
    .toFixed(2)
    .replace(/\.?0+$/, "")
    .replace(/^-0$/, "0");
const signed = (x: number) => `${x > 0 ? "+" : ""}${fixed(x)}`;
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** About five round steps covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step / 1e6; t += step) out.push(Math.round(t / step) * step);
  return out;
}

/** Each rule's difference (nudged minus held out) and 95% interval, and the rules pooled, around zero. */
export function forestPlot(section: EffectivenessSection): string {
  const rows = [
    ...section.rules.map((r) => ({ label: r.title, estimate: r.estimate, pooled: false, n: `${r.nudged} / ${r.heldOut}` })),
    { label: "All rules together", estimate: section.pooled.estimate, pooled: true, n: "" },
  ];
  const [labelW, plotW, textW, rowH, top, bottom] = [250, 300, 170, 30, 50, 46];
  const width = labelW + plotW + textW;
  const height = top + rows.length * rowH + bottom;
  const known = rows.filter((r) => r.estimate.interval).flatMap((r) => r.estimate.interval!);
  let lo = Math.min(0, ...known);
  let hi = Math.max(0, ...known);
  if (known.length === 0) [lo, hi] = [-1, 1];
  const pad = (hi - lo) * 0.08 || 0.5;
  [lo, hi] = [lo - pad, hi + pad];
  const x = (v: number) => labelW + ((v - lo) / (hi - lo)) * plotW;
  const parts: string[] = [];
  parts.push(`<text x="8" y="16" font-size="12" fill="${MUTED}">Nudged minus held out: ${esc(section.outcomeLabel)} the flag</text>`);
  parts.push(`<text x="${labelW + plotW + 12}" y="${top - 8}" font-size="11" fill="${MUTED}">difference (95% interval)</text>`);
  for (const t of ticks(lo, hi)) {
    parts.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${top - 4}" y2="${top + rows.length * rowH}" stroke="${GRID}"/>`);
    parts.push(`<text x="${x(t)}" y="${top + rows.length * rowH + 16}" font-size="11" fill="${MUTED}" text-anchor="middle">${fixed(t)}</text>`);
  }
  parts.push(`<line x1="${x(0)}" x2="${x(0)}" y1="${top - 4}" y2="${top + rows.length * rowH}" stroke="${INK}" stroke-dasharray="4 3"/>`);
  parts.push(
    `<text x="${labelW + plotW / 2}" y="${height - 8}" font-size="11" fill="${MUTED}" text-anchor="middle">← fewer with the nudge · 0 = no difference · more with the nudge →</text>`,
  );
  rows.forEach((row, i) => {
    const cy = top + i * rowH + rowH / 2;
    if (row.pooled) parts.push(`<line x1="8" x2="${width - 8}" y1="${cy - rowH / 2}" y2="${cy - rowH / 2}" stroke="${GRID}"/>`);
    parts.push(`<text x="8" y="${cy + 4}" font-size="12" fill="${INK}"${row.pooled ? ` font-weight="600"` : ""}>${esc(clip(row.label, 34))}</text>`);
    const e = row.estimate;
    if (!e.enough || !e.interval || e.difference === null) {
      parts.push(`<text x="${labelW + 8}" y="${cy + 4}" font-size="12" fill="${MUTED}" font-style="italic">not enough students yet</text>`);
      return;
    }
    const colour = e.significant ? BLUE : MUTED;
    const [a, b] = e.interval;
    parts.push(`<line x1="${x(a)}" x2="${x(b)}" y1="${cy}" y2="${cy}" stroke="${colour}" stroke-width="2"/>`);
    parts.push(`<line x1="${x(a)}" x2="${x(a)}" y1="${cy - 5}" y2="${cy + 5}" stroke="${colour}" stroke-width="2"/>`);
    parts.push(`<line x1="${x(b)}" x2="${x(b)}" y1="${cy - 5}" y2="${cy + 5}" stroke="${colour}" stroke-width="2"/>`);
    const d = x(e.difference);
    parts.push(
      row.pooled
        ? `<polygon points="${d - 8},${cy} ${d},${cy - 7} ${d + 8},${cy} ${d},${cy + 7}" fill="${colour}"/>`
        : `<rect x="${d - 5}" y="${cy - 5}" width="10" height="10" fill="${colour}"/>`,
    );
    parts.push(`<text x="${labelW + plotW + 12}" y="${cy + 4}" font-size="12" fill="${INK}">${signed(e.difference)} (${fixed(a)} to ${fixed(b)})</text>`);
  });
  const summary = rows
    .map((r) =>
      r.estimate.interval && r.estimate.difference !== null ? `${r.label}: ${signed(r.estimate.difference)}` : `${r.label}: not enough students yet`,
    )
    .join("; ");
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ${FONT} aria-label="${esc(`Effect of each rule's nudge. ${summary}`)}"><title>${esc(`Effect of each rule's nudge. ${summary}`)}</title>${parts.join("")}</svg>`;
}

/** Students flagged and students sent a nudge, month by month. */
export function usageBars(months: readonly UseMonth[]): string {
  const [left, right, top, bottom] = [48, 16, 30, 40];
  const slot = Math.max(34, Math.min(70, Math.floor(660 / Math.max(1, months.length))));
  const plotW = slot * months.length;
  const plotH = 180;
  const width = left + plotW + right;
  const height = top + plotH + bottom;
  const upper = (f: UseMonth["flagged"]) => (f !== null && typeof f === "object" && "to" in f ? f.to : plotted(f));
  const values = months.flatMap((m) => [upper(m.flagged), upper(m.nudged)]).filter((v): v is number => v !== null);
  const max = Math.max(5, ...values);
  const scale = ticks(0, max, 4);
  const top1 = Math.max(max, scale.at(-1)!);
  const y = (v: number) => top + plotH - (v / top1) * plotH;
  const parts: string[] = [];
  parts.push(
    `<rect x="${left}" y="6" width="10" height="10" fill="${BLUE}"/><text x="${left + 14}" y="15" font-size="12" fill="${INK}">students flagged</text>`,
  );
  parts.push(
    `<rect x="${left + 130}" y="6" width="10" height="10" fill="${ORANGE}"/><text x="${left + 144}" y="15" font-size="12" fill="${INK}">students sent a nudge</text>`,
  );
  for (const t of scale) {
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(t)}" y2="${y(t)}" stroke="${GRID}"/>`);
    parts.push(`<text x="${left - 6}" y="${y(t) + 4}" font-size="11" fill="${MUTED}" text-anchor="end">${t}</text>`);
  }
  const barW = Math.floor((slot - 10) / 2);
  months.forEach((m, i) => {
    const x0 = left + i * slot + 5;
    [
      [m.flagged, BLUE],
      [m.nudged, ORANGE],
    ].forEach(([figure, colour], k) => {
      const v = plotted(figure as UseMonth["flagged"]);
      const bx = x0 + k * barW;
      if (figure !== null && typeof figure === "object" && "from" in figure) {
        // A range: pale to its lower end, a line on to its upper end; never one guessed height.
        parts.push(`<rect x="${bx}" y="${y(figure.from)}" width="${barW - 1}" height="${top + plotH - y(figure.from)}" fill="${colour}" fill-opacity="0.35"/>`);
        parts.push(`<line x1="${bx + barW / 2}" x2="${bx + barW / 2}" y1="${y(figure.from)}" y2="${y(figure.to)}" stroke="${colour}" stroke-width="2"/>`);
        return;
      }
      if (v === null) {
        // Hidden or partial: a mark, never a bar of a guessed height.
        if (figure !== null) parts.push(`<text x="${bx + barW / 2}" y="${top + plotH - 4}" font-size="9" fill="${MUTED}" text-anchor="middle">*</text>`);
        return;
      }
      parts.push(`<rect x="${bx}" y="${y(v)}" width="${barW - 1}" height="${top + plotH - y(v)}" fill="${colour}"/>`);
    });
    parts.push(`<text x="${x0 + barW}" y="${top + plotH + 16}" font-size="11" fill="${MUTED}" text-anchor="middle">${esc(m.month.split(" ")[0]!)}</text>`);
    if (i === 0 || m.month.startsWith("Jan"))
      parts.push(
        `<text x="${x0 + barW}" y="${top + plotH + 30}" font-size="10" fill="${MUTED}" text-anchor="middle">${esc(m.month.split(" ")[1] ?? "")}</text>`,
      );
  });
  parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="${INK}"/>`);
  const summary = months.map((m) => `${m.month}: ${figureText(m.flagged)} flagged, ${figureText(m.nudged)} nudged`).join("; ");
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ${FONT} aria-label="${esc(`Use by month. ${summary}`)}"><title>${esc(`Use by month. ${summary}`)}</title>${parts.join("")}</svg>`;
}
