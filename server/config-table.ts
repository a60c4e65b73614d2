import { SETTINGS } from "./config.ts";

/** The configuration table in docs/operators/configuration.md, from the settings the code actually reads. */
export function renderConfigTable(): string {
  const rows = SETTINGS.map((s) => `| \`${s.name}\` | ${s.default === undefined ? "" : `\`${s.default}\``} | ${s.meaning} |`);
  return ["| Variable | Default | Meaning |", "|---|---|---|", ...rows].join("\n");
}
