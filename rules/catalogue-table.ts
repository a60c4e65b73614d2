/** The metrics catalogue as a Markdown table (the README's is generated from it). */
import { CATALOGUE } from "./metrics.ts";

export function renderMetricsTable(): string {
  const rows = Object.values(CATALOGUE).map((m) => {
    const when = "nullWhen" in m ? ` Null when ${m.nullWhen}.` : "";
    const feeds = m.sources.filter((source) => source !== "records");
    const sources = "anyOf" in m && m.anyOf ? `any of ${feeds.join(", ")} (those loaded); records` : m.sources.join(", ");
    return `| \`${m.name}\` | ${m.unit} | ${m.window} | ${sources} | ${m.description}${when} |`;
  });
  return ["| Metric | Unit | Window | Sources | Meaning |", "|---|---|---|---|---|", ...rows].join("\n");
}
