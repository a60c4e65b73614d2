/** What a rollback changes, as the admin reads it on the confirmation card: one plain line per difference. */
import { describe, expect, it } from "vitest";
import { versionChanges, type RuleDocument } from "../../rules/index.ts";

const current: RuleDocument = {
  id: "no-vle",
  title: "No VLE activity",
  description: "Students with no VLE activity.",
  condition: "vle_days_since_last >= 14",
  cohort: { years: [1, 2] },
  significance: "nudge",
  intervention: "nudge",
  channels: ["teams", "email"],
  messages: { teams: "Hi {{firstName}}, all well?", email: { subject: "Checking in", body: "Hi {{firstName}}, all well?" } },
  cooldownDays: 14,
};

describe("what a rollback changes", () => {
  it("names the condition, the students, the messages and the channels that differ, old and new", () => {
    const restored: RuleDocument = {
      ...current,
      condition: "vle_days_since_last >= 10",
      cohort: undefined,
      channels: ["teams"],
      messages: { teams: "Hello {{firstName}}, we noticed you haven't been on the VLE." },
    };
    expect(versionChanges(current, restored)).toEqual([
      "Condition: now `vle_days_since_last >= 14`; after the rollback `vle_days_since_last >= 10`.",
      "Students it looks at: now year 1, 2; after the rollback every student.",
      "Channels: now Teams, email; after the rollback Teams.",
      "Teams message: now “Hi {{firstName}}, all well?”; after the rollback “Hello {{firstName}}, we noticed you haven't been on the VLE.”.",
      "Email message: now “Checking in”: “Hi {{firstName}}, all well?”; after the rollback none.",
    ]);
  });

  it("says so when the two versions are the same", () => {
    expect(versionChanges(current, { ...current })).toEqual(["The two versions say the same thing: only the version number changes."]);
  });
});
