/**
 * What a tutor reads on a digest row: the evidence in plain phrases, shortened only by dropping
 * whole items; the trend drawn on one scale for every student on the card, with the numbers.
 */
import { describe, expect, it } from "vitest";
import { digestStudent, fitPhrases, trendScale, type DigestEntry } from "../../digest/index.ts";
import { evidencePhrases, type FlagEvidence } from "../../rules/index.ts";

const evidence: FlagEvidence = {
  asOf: "2026-11-29",
  rule: { id: "activity-halved", version: 1, title: "Activity halved", condition: "vle_change_14d < 0.5" },
  metrics: {
    vle_change_14d: {
      value: 0,
      unit: "ratio",
      window: "last 14 days against the 28 days before them",
      description:
        "VLE activity per day in the last 14 days relative to the student's own average over the 28 days before: 1 = as usual, 0.5 = half, 0 = none.",
    },
    vle_days_since_last: { value: 23, unit: "days", window: "to the day", description: "Days since the student's last VLE activity." },
    attendance_rate_28d: { value: 0.111, unit: "ratio", window: "last 28 days", description: "Timetabled sessions attended divided by sessions timetabled." },
    sessions_expected_28d: { value: 9, unit: "count", window: "last 28 days", description: "Timetabled sessions the student was expected at." },
    consecutive_absences: { value: 6, unit: "count", window: "to the day", description: "Unauthorised absences since the last session attended." },
    submissions_missed_28d: {
      value: 2,
      unit: "count",
      window: "last 28 days",
      description: "Assessments due in the last 28 days that are still not submitted.",
    },
  },
  sources: { vle: { lastDataDay: "2026-11-29", lastLoadedAt: null } },
  cohort: "XA year 1",
  lastVleDate: "2026-11-06",
};

function entry(weeks: number[], items: string[] = []): DigestEntry {
  return {
    studentId: 1,
    name: "Sam Okoro",
    studentNumber: "S1",
    programme: null,
    evidence: items.join("; "),
    evidenceItems: items,
    status: "Needs a look",
    weeks,
    history: [],
    proposal: null,
    done: null,
    actionable: true,
    concern: null,
    shownReplyIds: [],
  };
}

describe("evidence on a tutor's card", () => {
  const phrases = evidencePhrases([evidence], "staff");

  it("is in plain words, without the catalogue's definitions", () => {
    expect(phrases).toContain("No VLE activity for 23 days (last 6 Nov)");
    expect(phrases).toContain("1 of 9 sessions attended (last 28 days)");
    expect(phrases).toContain("No VLE activity in the last 14 days (usually active)");
    const text = digestStudent(entry([], phrases), "Europe/London").evidence;
    expect(text).not.toMatch(/per day|relative to|= none|\.: /);
  });

  it("drops whole phrases and counts them when space is short, never cutting one", () => {
    const short = fitPhrases(phrases, 90);
    expect(short.length).toBeLessThanOrEqual(90);
    expect(short).not.toContain("…");
    const [shown, more] = short.split(/; and (\d+) more$/);
    const kept = shown!.split("; ");
    for (const p of kept) expect(phrases).toContain(p);
    expect(kept.length + Number(more)).toBe(phrases.length);
    expect(fitPhrases(["a", "b"], 100)).toBe("a; b");
  });
});

describe("the six-week trend", () => {
  it("puts every student on a card on one scale: a trickle draws short bars beside a busy student's", () => {
    const trickle = entry([1, 1, 1, 1, 1, 1]);
    const busy = entry([30, 30, 30, 30, 30, 30]);
    const scale = trendScale([trickle, busy]);
    const a = digestStudent(trickle, "UTC", scale).trend;
    const b = digestStudent(busy, "UTC", scale).trend;
    expect(a.sparkline).toBe("▁▁▁▁▁▁");
    expect(b.sparkline).not.toBe(a.sparkline);
    expect(a.bars.map((bar) => bar.count)).toEqual(["1", "1", "1", "1", "1", "1"]);
    expect(a.line).toBe(["▁\u00a01", "▁\u00a01", "▁\u00a01", "▁\u00a01", "▁\u00a01", "▁\u00a01"].join("\u00a0· "));
    expect(a.label).toContain(`full bar = ${scale}`);
    expect(b.label).toBe(a.label);
  });

  it("never draws a lone trickle as full bars", () => {
    expect(digestStudent(entry([2, 1, 3, 1, 0, 2]), "UTC").trend.sparkline).toBe("▁▁▂▁▁▁");
    expect(digestStudent(entry([400, 0, 0, 0, 0, 0]), "UTC").trend.sparkline).toBe("█▁▁▁▁▁");
  });
});
