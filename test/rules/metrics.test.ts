import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CATALOGUE, lookupMetric } from "../../rules/index.ts";
import { replaceReadmeTable } from "../../scripts/readme-tables.ts";

describe("the metrics catalogue", () => {
  it("resolves fixed and windowed names, with the days of data each needs", () => {
    const found = (name: string) => {
      const result = lookupMetric(name);
      if ("error" in result) throw new Error(result.error);
      return result.metric;
    };
    expect(found("vle_days_since_last")).toMatchObject({ n: null, lookbackDays: 180 });
    expect(found("attendance_rate_21d")).toMatchObject({ n: 21, lookbackDays: 21 });
    expect(found("vle_change_14d")).toMatchObject({ n: 14, lookbackDays: 42 });
    expect(found("vle_percentile_prev_7d")).toMatchObject({ n: 7, lookbackDays: 14 });
    expect(found("vle_percentile_7d").family.name).toBe("vle_percentile_<N>d");
  });

  it("refuses unknown names and windows out of range, suggesting the nearest", () => {
    expect(lookupMetric("attendance_rate_0d")).toEqual({ error: "attendance_rate_0d: the window must be 1 to 120 days, got 0" });
    expect(lookupMetric("attendance_rate_121d")).toEqual({ error: "attendance_rate_121d: the window must be 1 to 120 days, got 121" });
    expect(lookupMetric("attendance_rate")).toEqual({
      error: "unknown metric 'attendance_rate' (did you mean attendance_rate_<N>d?); see the metrics catalogue (nudge rules metrics)",
    });
    expect(lookupMetric("vle_events_<N>d")).toMatchObject({ error: expect.stringContaining("unknown metric") });
    expect(lookupMetric("zzz")).toEqual({ error: "unknown metric 'zzz'; see the metrics catalogue (nudge rules metrics)" });
  });

  it("documents every metric's unit, window and sources, and the table in docs/admins/rules.md is up to date", () => {
    for (const family of Object.values(CATALOGUE)) {
      expect(family.unit, family.name).not.toBe("");
      expect(family.sources.length, family.name).toBeGreaterThan(0);
    }
    const readme = readFileSync(new URL("../../docs/admins/rules.md", import.meta.url), "utf8");
    expect(replaceReadmeTable(readme, "metrics"), "run `npm run docs:metrics`").toBe(readme);
  });
});
