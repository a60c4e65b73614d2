/**
 * Validation: each kind of mistake an admin can make in a rule is reported with the rule, the
 * field, and the line and column where it was written.
 */
import { describe, expect, it } from "vitest";
import { parseSource } from "../../rules/document.ts";
import { formatProblem, validateCalendar, validateRule, type Problem } from "../../rules/index.ts";
import type { CalendarDocument } from "../../rules/calendar.ts";
import { renderTemplate } from "../../rules/templates.ts";

const CALENDAR: CalendarDocument = { calendar: "2026-27", periods: { teaching: [{ from: "2026-09-21", to: "2026-12-11" }] } };

/** A valid rule, as YAML lines; tests replace one line to make one mistake. */
const VALID = [
  "id: test-rule", // 1
  "title: Test rule", // 2
  "description: A rule for the validation tests.", // 3
  "condition: vle_days_since_last >= 10", // 4
  "significance: nudge", // 5
  "intervention: nudge", // 6
  "channels: [teams, sms]", // 7
  "cooldownDays: 14", // 8
  "activePeriods: [teaching]", // 9
  "messages:", // 10
  '  teams: "Hi {{first_name}}, no VLE since {{last_vle_date}}."', // 11
  '  sms: "Hi {{first_name}}, we have not seen you on the VLE lately. Reply HELP for support."', // 12
];

function check(lines: string[], calendar: CalendarDocument | null = CALENDAR): Problem[] {
  const parsed = parseSource("rule.yaml", lines.join("\n"));
  if (!parsed.ok) return parsed.problems;
  return validateRule(parsed.source.data, { calendar, source: parsed.source }).problems;
}

/** The parsed source, failing the test (never skipping the rest of it) when the text does not parse. */
function parsedSource(name: string, text: string) {
  const parsed = parseSource(name, text);
  if (!parsed.ok) throw new Error(`${name} should parse: ${JSON.stringify(parsed.problems)}`);
  return parsed.source;
}

function withLine(line: number, text: string): string[] {
  const lines = [...VALID];
  lines[line - 1] = text;
  return lines;
}

const texts = (problems: Problem[]) => problems.map(formatProblem);

describe("rule validation", () => {
  it("accepts the valid rule", () => {
    expect(check(VALID)).toEqual([]);
  });

  it("refuses a condition that could run away (a catastrophic pattern), naming the rule, line and what is not allowed", () => {
    expect(texts(check(withLine(4, `condition: '"${"a".repeat(30)}!".matches("^(a+)+$") || vle_days_since_last >= 10'`)))).toEqual([
      "rule.yaml:4:13: rule test-rule: condition: .matches() is not available in a rule condition: conditions compare metrics with numbers, e.g. vle_days_since_last >= 10 && attendance_rate_14d < 0.5",
    ]);
  });

  it("names an unknown metric, where it is, and the closest real one", () => {
    expect(texts(check(withLine(4, "condition: vle_days_since >= 10 && attendance_rate_21d < 0.6")))).toEqual([
      "rule.yaml:4:12: rule test-rule: condition: unknown metric 'vle_days_since' (did you mean vle_days_since_last?); see the metrics catalogue (nudge rules metrics)",
    ]);
    expect(texts(check(withLine(4, "condition: attendance_rate_400d < 0.6")))).toEqual([
      "rule.yaml:4:12: rule test-rule: condition: attendance_rate_400d: the window must be 1 to 120 days, got 400",
    ]);
  });

  it("reports type errors, syntax errors and conditions that are not true/false", () => {
    expect(texts(check(withLine(4, 'condition: vle_days_since_last > "ten"')))).toEqual([
      "rule.yaml:4:34: rule test-rule: condition: text is not allowed in a condition: conditions compare metrics with numbers, e.g. vle_days_since_last >= 10 && attendance_rate_14d < 0.5",
    ]);
    expect(texts(check(withLine(4, "condition: vle_days_since_last >= ")))).toEqual(["rule.yaml:4:34: rule test-rule: condition: Unexpected token: EOF"]);
    expect(texts(check(withLine(4, "condition: vle_days_since_last * 2.0")))).toEqual([
      "rule.yaml:4:12: rule test-rule: condition: the condition must be true or false; this one gives a double",
    ]);
  });

  it("reports unknown placeholders, and metric values bound for SMS without the acknowledgement", () => {
    expect(texts(check(withLine(11, '  teams: "Hi {{firstname}}"')))).toEqual([
      "rule.yaml:11:10: rule test-rule: messages.teams: unknown placeholder {{firstname}}; known here: first_name, tutor_name, as_of_date, sources, rule_title, last_vle_date, vle_days_since_last",
    ]);
    expect(texts(check(withLine(12, '  sms: "Hi {{first_name}}, {{vle_days_since_last}} days without the VLE."')))).toEqual([
      "rule.yaml:12:8: rule test-rule: messages.sms: includes metric values (vle_days_since_last), which would leave the university through the SMS provider: remove them, or set metricsInMessagesAcknowledged: true (POLICY P13)",
    ]);
    const acknowledged = [...withLine(12, '  sms: "Hi {{first_name}}, {{vle_days_since_last}} days without the VLE."'), "metricsInMessagesAcknowledged: true"];
    expect(check(acknowledged)).toEqual([]);
  });

  it.each(["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf"])("refuses {{%s}}: names every object has are not placeholders", (name) => {
    expect(texts(check(withLine(12, `  sms: "Hi {{first_name}}, {{${name}}} ${"x".repeat(280)}"`)))).toEqual([
      `rule.yaml:12:8: rule test-rule: messages.sms: unknown placeholder {{${name}}}; known here: first_name, tutor_name, as_of_date, sources, rule_title, last_vle_date, vle_days_since_last`,
    ]);
    // And a stored template with one renders nothing in its place, never "[object Object]" or code.
    expect(renderTemplate(`Hi {{first_name}}{{${name}}}.`, { first_name: "Sam" })).toBe("Hi Sam.");
  });

  it("keeps SMS within two segments at the longest placeholder values, and warns about UCS-2", () => {
    const long = `  sms: "Hi {{first_name}}, ${"x".repeat(290)}"`;
    expect(texts(check(withLine(12, long)))).toEqual([
      "rule.yaml:12:8: rule test-rule: messages.sms: can reach 3 SMS segments (315 characters GSM-7 with the longest placeholder values); keep it within 2",
    ]);
    expect(texts(check(withLine(12, '  sms: "Hi {{first_name}} — reply HELP for support."')))).toEqual([
      'rule.yaml:12:8: warning: rule test-rule: messages.sms: uses characters outside the GSM-7 alphabet ("—"), so every SMS is sent as UCS-2: 70 characters a segment instead of 160',
    ]);
  });

  it("reports bad periods: unreal dates, backwards ranges, names the calendar lacks, and no calendar at all", () => {
    expect(texts(check(withLine(9, "activePeriods: [{ from: 2026-02-30, to: 2026-03-01 }, { from: 2026-05-01, to: 2026-04-01 }, exams]")))).toEqual([
      "rule.yaml:9:17: rule test-rule: activePeriods[0]: 2026-02-30 is not a real date",
      "rule.yaml:9:55: rule test-rule: activePeriods[1]: ends (2026-04-01) before it starts (2026-05-01)",
      "rule.yaml:9:93: rule test-rule: activePeriods[2]: calendar 2026-27 has no period 'exams' (it has: teaching)",
    ]);
    expect(texts(check(VALID, null))).toEqual([
      "rule.yaml:9:17: rule test-rule: activePeriods[0]: 'teaching' names a calendar period, but no academic calendar is imported: import one (nudge rules import calendar.yaml) or give dates",
    ]);
  });

  it("reports schema mistakes: unknown and missing fields, bad values, and the approval policy", () => {
    const lines = [...withLine(6, "intervention: invitation_to_talk"), "colour: blue"].filter((l) => !l.startsWith("cooldownDays"));
    lines[6] = "channels: [teams, pigeon]";
    expect(texts(check(lines))).toEqual([
      // A missing field has no place of its own: the document's is given.
      "rule.yaml:1:1: rule test-rule: cooldownDays: is required",
      "rule.yaml:12:9: rule test-rule: colour: unknown field",
      'rule.yaml:7:19: rule test-rule: channels[1]: must be one of "teams", "sms", "email"',
      "rule.yaml:5:15: rule test-rule: significance: an invitation to talk needs a person's approval: set significance: significant (POLICY P2)",
      "rule.yaml:11:8: warning: rule test-rule: messages.sms: template for sms, which is not in channels: it will not be used",
    ]);
  });

  it("requires a template for every channel in the order", () => {
    expect(texts(check(withLine(7, "channels: [teams, sms, email]")))).toEqual([
      "rule.yaml:11:3: rule test-rule: messages.email: channel email is listed in channels but has no message template",
    ]);
  });

  it("reports YAML that does not parse with its line", () => {
    expect(texts(check(["id: [unclosed", "title: x"]))).toEqual([expect.stringMatching(/^rule\.yaml:2:\d+: not valid YAML\/JSON: /)]);
  });

  it("refuses a YAML alias bomb with its line, in bounded time, instead of expanding it", () => {
    const bomb = ["lol: &a [x, x, x, x, x, x, x, x, x]"];
    for (let level = 1; level <= 9; level++) {
      const [prev, name] = [String.fromCharCode(96 + level), String.fromCharCode(97 + level)];
      bomb.push(`l${level}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    }
    const started = performance.now();
    expect(texts(check(bomb))).toEqual([expect.stringMatching(/^rule\.yaml:2:\d+: uses YAML aliases \(\*name\) so many times over/)]);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("validates JSON the same way, positions included", () => {
    const json = JSON.stringify(
      {
        id: "json-rule",
        title: "JSON rule",
        description: "Written as JSON.",
        condition: "vle_events_14d < 5",
        significance: "nudge",
        intervention: "nudge",
        channels: ["teams"],
        messages: { teams: "Hi {{first_name}}" },
        cooldownDays: 0,
      },
      null,
      2,
    );
    const source = parsedSource("rule.json", json);
    expect(texts(validateRule(source.data, { calendar: null, source }).problems)).toEqual(["rule.json:14:19: rule json-rule: cooldownDays: must be >= 1"]);
  });
});

describe("calendar validation", () => {
  it("names the period and entry with an unreal or backwards date", () => {
    const source = parsedSource(
      "calendar.yaml",
      ["calendar: 2026-27", "periods:", "  teaching:", "    - { from: 2026-09-21, to: 2026-09-01 }", "  Bad Name: [{ from: 2026-01-01, to: 2026-01-02 }]"].join(
        "\n",
      ),
    );
    expect(texts(validateCalendar(source.data, source).problems)).toEqual([
      "calendar.yaml:3:3: calendar 2026-27: periods: 'Bad Name' is not a valid name: use lower-case letters, digits and hyphens (e.g. reading-weeks)",
    ]);
    const fixedName = parsedSource("calendar.yaml", ["calendar: 2026-27", "periods:", "  teaching:", "    - { from: 2026-09-21, to: 2026-09-01 }"].join("\n"));
    expect(texts(validateCalendar(fixedName.data, fixedName).problems)).toEqual([
      "calendar.yaml:4:7: calendar 2026-27: periods.teaching[0]: ends (2026-09-01) before it starts (2026-09-21)",
    ]);
  });
});
