import { describe, expect, it } from "vitest";
import { parseQuestion, phraseOf, QUESTIONS, type Query, type Vocabulary } from "../../analytics/index.ts";
import { editDistance, tokenise } from "../../analytics/words.ts";

const VOCABULARY: Vocabulary = {
  programmes: [
    { code: "COMP-BSC", title: "BSc Computing" },
    { code: "COMP-MSC", title: "MSc Advanced Computing" },
    { code: "HIST-BA", title: "BA History" },
    { code: "LAW-LLB", title: "LLB Law" },
    { code: "SENG-MENG", title: "MEng Software Engineering" },
    { code: "LIBS-BA", title: "BA Library Studies" },
  ],
};

const computing = ["COMP-BSC", "COMP-MSC"];

/** Every documented example, and the query it must mean (written by hand, not by the parser). */
const EXPECTED: Record<string, Query> = {
  "how many first-years in Computing had no VLE activity in the last 14 days?": {
    kind: "inactive",
    source: "vle",
    period: { kind: "last_days", days: 14 },
    cohort: { programmes: computing, year: 1 },
    groupBy: "none",
  },
  "how many students had no library activity in the last 4 weeks, by programme?": {
    kind: "inactive",
    source: "library",
    period: { kind: "last_weeks", weeks: 4 },
    cohort: {},
    groupBy: "programme",
  },
  "how many second-years had no attendance in the last 7 days?": {
    kind: "inactive",
    source: "attendance",
    period: { kind: "last_days", days: 7 },
    cohort: { year: 2 },
    groupBy: "none",
  },
  "final-years with no activity in the last fortnight, by year": {
    kind: "inactive",
    source: "any",
    period: { kind: "last_weeks", weeks: 2 },
    cohort: { year: "final" },
    groupBy: "year",
  },
  "how many year 1 students in History had no Moodle activity for ten days?": {
    kind: "inactive",
    source: "vle",
    period: { kind: "last_days", days: 10 },
    cohort: { programmes: ["HIST-BA"], year: 1 },
    groupBy: "none",
  },
  "how many students were flagged this week?": { kind: "flags", period: { kind: "this_week" }, cohort: {}, groupBy: "none" },
  "flags by programme this month": { kind: "flags", period: { kind: "this_month" }, cohort: {}, groupBy: "programme" },
  "how many first-years were flagged last week, by rule?": { kind: "flags", period: { kind: "last_week" }, cohort: { year: 1 }, groupBy: "rule" },
  "flags by year in the last 30 days": { kind: "flags", period: { kind: "last_days", days: 30 }, cohort: {}, groupBy: "year" },
  "flags by week in the last 8 weeks": { kind: "flags", period: { kind: "last_weeks", weeks: 8 }, cohort: {}, groupBy: "week" },
  "how many students in Law were flagged this month?": { kind: "flags", period: { kind: "this_month" }, cohort: { programmes: ["LAW-LLB"] }, groupBy: "none" },
  "which rules flagged most students this week?": { kind: "top_rules", period: { kind: "this_week" }, cohort: {}, limit: 10 },
  "top 5 rules this month": { kind: "top_rules", period: { kind: "this_month" }, cohort: {}, limit: 5 },
  "which rules flagged the most first-years in Computing last week?": {
    kind: "top_rules",
    period: { kind: "last_week" },
    cohort: { programmes: computing, year: 1 },
    limit: 10,
  },
  "engagement trend by source for first-years in Computing over the last 6 weeks": {
    kind: "engagement_trend",
    sources: "all",
    period: { kind: "last_weeks", weeks: 6 },
    cohort: { programmes: computing, year: 1 },
  },
  "VLE engagement trend for second-years over the last 8 weeks": {
    kind: "engagement_trend",
    sources: ["vle"],
    period: { kind: "last_weeks", weeks: 8 },
    cohort: { year: 2 },
  },
  "how has engagement changed for History over the last 4 weeks?": {
    kind: "engagement_trend",
    sources: "all",
    period: { kind: "last_weeks", weeks: 4 },
    cohort: { programmes: ["HIST-BA"] },
  },
  "reply rate by channel this month": { kind: "reach", period: { kind: "this_month" }, cohort: {} },
  "nudge reach by channel last week": { kind: "reach", period: { kind: "last_week" }, cohort: {} },
  "how many students did we nudge this month?": { kind: "reach", period: { kind: "this_month" }, cohort: {} },
  "reply rate for first-years in Computing in the last 30 days": {
    kind: "reach",
    period: { kind: "last_days", days: 30 },
    cohort: { programmes: computing, year: 1 },
  },
  "invitations and meetings this month": { kind: "meetings", period: { kind: "this_month" }, cohort: {}, groupBy: "none" },
  "how many meetings were held last month?": { kind: "meetings", period: { kind: "last_month" }, cohort: {}, groupBy: "none" },
  "no-shows by programme this month": { kind: "meetings", period: { kind: "this_month" }, cohort: {}, groupBy: "programme" },
  "invitations to talk for first-years in the last 4 weeks": {
    kind: "meetings",
    period: { kind: "last_weeks", weeks: 4 },
    cohort: { year: 1 },
    groupBy: "none",
  },
  "missed submissions by programme this month": { kind: "submissions", period: { kind: "this_month" }, cohort: {}, groupBy: "programme" },
  "how many first-years in Law missed a submission in the last 4 weeks?": {
    kind: "submissions",
    period: { kind: "last_weeks", weeks: 4 },
    cohort: { programmes: ["LAW-LLB"], year: 1 },
    groupBy: "none",
  },
  "late submissions for third-years last month": { kind: "submissions", period: { kind: "last_month" }, cohort: { year: 3 }, groupBy: "none" },
  "attendance rate by programme in the last 4 weeks": { kind: "attendance_rate", period: { kind: "last_weeks", weeks: 4 }, cohort: {}, groupBy: "programme" },
  "attendance rate for third-years in the last 2 weeks": {
    kind: "attendance_rate",
    period: { kind: "last_weeks", weeks: 2 },
    cohort: { year: 3 },
    groupBy: "none",
  },
  "what is the attendance rate for second-years in History?": {
    kind: "attendance_rate",
    period: { kind: "last_weeks", weeks: 4 },
    cohort: { programmes: ["HIST-BA"], year: 2 },
    groupBy: "none",
  },
  "requests for help and referrals this month": { kind: "support", period: { kind: "this_month" }, cohort: {}, groupBy: "none" },
  "how many students needed help last week?": { kind: "support", period: { kind: "last_week" }, cohort: {}, groupBy: "none" },
  "referrals by programme this month": { kind: "support", period: { kind: "this_month" }, cohort: {}, groupBy: "programme" },
  "how many second-years in Computing asked for help in the last 4 weeks?": {
    kind: "support",
    period: { kind: "last_weeks", weeks: 4 },
    cohort: { programmes: computing, year: 2 },
    groupBy: "none",
  },
  "opt-outs and pauses by programme": { kind: "opt_outs", cohort: {}, groupBy: "programme" },
  "how many students have opted out, by channel?": { kind: "opt_outs", cohort: {}, groupBy: "none" },
  "how many students in Law have opted out or paused?": { kind: "opt_outs", cohort: { programmes: ["LAW-LLB"] }, groupBy: "none" },
  "opt-outs for first-years in Computing": { kind: "opt_outs", cohort: { programmes: computing, year: 1 }, groupBy: "none" },
  "how fresh is the data?": { kind: "freshness" },
  "feed freshness": { kind: "freshness" },
  "when was the VLE data last loaded?": { kind: "freshness", source: "vle" },
  "rule feedback from tutors": { kind: "feedback", period: { kind: "last_days", days: 90 } },
  "rule feedback this month": { kind: "feedback", period: { kind: "this_month" } },
  "how useful did tutors find the rules in the last 90 days?": { kind: "feedback", period: { kind: "last_days", days: 90 } },
  "did engagement improve after nudges last term?": { kind: "effect", period: { kind: "last_term" } },
  "do nudges work?": { kind: "effect" },
  "how many approvals are waiting?": { kind: "approvals", cohort: {}, groupBy: "none" },
  "nudges awaiting approval by programme": { kind: "approvals", cohort: {}, groupBy: "programme" },
  "pending approvals for first-years in Computing": { kind: "approvals", cohort: { programmes: ["COMP-BSC", "COMP-MSC"], year: 1 }, groupBy: "none" },
  "what difference have nudges made to attendance this term?": { kind: "effect", period: { kind: "this_term" }, source: "attendance" },
};

const parsed = (text: string, vocabulary = VOCABULARY) => {
  const result = parseQuestion(text, vocabulary);
  if (!result.ok) throw new Error(`${text}: ${result.error}`);
  return result;
};

describe("the documented question set", () => {
  const examples = QUESTIONS.flatMap((q) => q.examples.map((example) => [q.kind, example] as const));

  it("has an expected query for every example, and every expected query is an example", () => {
    expect(new Set(examples.map(([, e]) => e))).toEqual(new Set(Object.keys(EXPECTED)));
  });

  it.each(examples)("%s: %s", (kind, example) => {
    const result = parsed(example);
    expect(result.query).toEqual(EXPECTED[example]);
    expect(result.query.kind).toBe(kind);
  });

  it.each(examples)("the canonical wording of %s: %s reads back as the same query", (_kind, example) => {
    const query = parsed(example).query;
    expect(parsed(phraseOf(query, VOCABULARY)).query).toEqual(query);
  });

  it("says which defaults it applied and which programmes a word matched", () => {
    expect(parsed("rule feedback from tutors").notes).toContain("No period given: in the last 90 days.");
    expect(parsed("how many first-years in Computing had no VLE activity in the last 14 days?").notes).toContain(
      "Programmes: BSc Computing (COMP-BSC), MSc Advanced Computing (COMP-MSC).",
    );
  });
});

describe("normalising words", () => {
  const inactiveFirstYears = (text: string) => parsed(text).query;
  const expected = EXPECTED["how many first-years in Computing had no VLE activity in the last 14 days?"];

  it.each([
    "how many first-years in Computing had no VLE activity in the last 14 days?",
    "How many FIRST YEARS in computing had no vle activity in the last fourteen days",
    "how many 1st years in Computing had no VLE activity in the past 14 days",
    "how many 1st-year students in computing had no Moodle activity in the last two weeks",
    "how many year one students in Computing had no VLE activity in the last 14 days",
    "how many y1 students in Computing had no canvas activity over the last 14 days",
    "how many students in year 1 in Computing had no VLE activity for 14 days?",
    "how many first year students in Computing had no VLE activity in the last a fortnight",
  ])("%s", (text) => {
    const query = inactiveFirstYears(text);
    expect(query.kind).toBe("inactive");
    if (query.kind !== "inactive" || expected?.kind !== "inactive") return;
    expect(query.source).toBe("vle");
    expect(query.cohort).toEqual(expected.cohort);
    expect([14, 2]).toContain(query.period.kind === "last_days" ? query.period.days : query.period.kind === "last_weeks" ? query.period.weeks : -1);
  });

  it("numbers in words, including compound ones", () => {
    expect(tokenise("twenty-one days, a fortnight, seven weeks")).toEqual(["21", "days", "2", "weeks", "7", "weeks"]);
    expect(parsed("flags in the last twenty one days").query).toMatchObject({ period: { kind: "last_days", days: 21 } });
  });

  it("programmes by code, by full title, and by a title word (all programmes that have it)", () => {
    expect(parsed("flags in COMP-BSC this week").query).toMatchObject({ cohort: { programmes: ["COMP-BSC"] } });
    expect(parsed("flags in BSc Computing this week").query).toMatchObject({ cohort: { programmes: ["COMP-BSC"] } });
    expect(parsed("flags in advanced computing this week").query).toMatchObject({ cohort: { programmes: ["COMP-MSC"] } });
    expect(parsed("flags in computing this week").query).toMatchObject({ cohort: { programmes: computing } });
    expect(parsed("flags in software engineering or law this week").query).toMatchObject({ cohort: { programmes: ["LAW-LLB", "SENG-MENG"] } });
  });

  it("a programme whose title holds a source word is still a programme when named in full", () => {
    expect(parsed("how many students in Library Studies had no VLE activity in the last 7 days?").query).toEqual({
      kind: "inactive",
      source: "vle",
      period: { kind: "last_days", days: 7 },
      cohort: { programmes: ["LIBS-BA"] },
      groupBy: "none",
    });
    expect(parsed("how many students had no library activity in the last 7 days?").query).toMatchObject({ source: "library", cohort: {} });
  });

  it("final-years, foundation year and the calendar periods", () => {
    expect(parsed("how many finalists were flagged yesterday").query).toMatchObject({ cohort: { year: "final" }, period: { kind: "yesterday" } });
    expect(parsed("how many foundation year students were flagged today").query).toMatchObject({ cohort: { year: 0 }, period: { kind: "today" } });
    expect(parsed("flags in the last 3 months").query).toMatchObject({ period: { kind: "last_months", months: 3 } });
    expect(parsed("flags last month").query).toMatchObject({ period: { kind: "last_month" } });
    expect(parsed("flags in the last week").query).toMatchObject({ period: { kind: "last_weeks", weeks: 1 } });
  });
});

describe("the way staff ask", () => {
  const staffVocabulary: Vocabulary = {
    programmes: [
      ...VOCABULARY.programmes,
      { code: "MECH-BENG", title: "BEng Mechanical Engineering" },
      { code: "CS-BSC", title: "BSc Computer Science" },
      { code: "NURS-BSC", title: "BSc Nursing" },
      { code: "PSY-BSC", title: "BSc Psychology" },
    ],
  };
  const query = (text: string) => {
    const result = parseQuestion(text, staffVocabulary);
    if (!result.ok) throw new Error(`${text}: ${result.error}`);
    return result.query;
  };

  it.each<[string, Query]>([
    [
      "how many 2nd years in Nursing haven't logged into Moodle in a fortnight?",
      { kind: "inactive", source: "vle", period: { kind: "last_weeks", weeks: 2 }, cohort: { programmes: ["NURS-BSC"], year: 2 }, groupBy: "none" },
    ],
    [
      "how many Mech Eng students have had no engagement at all for 2 weeks?",
      { kind: "inactive", source: "any", period: { kind: "last_weeks", weeks: 2 }, cohort: { programmes: ["MECH-BENG"] }, groupBy: "none" },
    ],
    [
      "Comp Sci yr 1 students who have not used Canvas this week",
      { kind: "inactive", source: "vle", period: { kind: "this_week" }, cohort: { programmes: ["CS-BSC"], year: 1 }, groupBy: "none" },
    ],
    [
      "psych students who never visited the library in the past 6 weeks",
      { kind: "inactive", source: "library", period: { kind: "last_weeks", weeks: 6 }, cohort: { programmes: ["PSY-BSC"] }, groupBy: "none" },
    ],
    [
      "final years not signed in to Blackboard for 10 days by programme",
      { kind: "inactive", source: "vle", period: { kind: "last_days", days: 10 }, cohort: { year: "final" }, groupBy: "programme" },
    ],
  ])("%s", (text, expected) => {
    expect(query(text)).toEqual(expected);
  });

  it("a short form that fits two different titles names nothing: suggestions, not a guess", () => {
    const result = parseQuestion("comp students flagged this week", staffVocabulary);
    expect(result.ok).toBe(false);
    // Computer Science and Computing (BSc, and MSc Advanced Computing): one question for each, as buttons.
    expect(!result.ok && result.suggestions.slice(0, 2)).toEqual([
      "how many students in BSc Computer Science were flagged this week?",
      "how many students in BSc Computing or MSc Advanced Computing were flagged this week?",
    ]);
  });
});

describe("near misses and what is not understood", () => {
  const failed = (text: string) => {
    const result = parseQuestion(text, VOCABULARY);
    if (result.ok) throw new Error(`${text} parsed as ${JSON.stringify(result.query)}`);
    return result;
  };

  it("a misspelt programme: not answered, the corrected question offered first", () => {
    const result = failed("how many first-years in Compting had no VLE activity in the last 14 days?");
    expect(result.error).toBe('I did not understand "compting".');
    expect(result.suggestions[0]).toBe("how many first-years in BSc Computing or MSc Advanced Computing had no VLE activity in the last 14 days?");
    expect(result.suggestions.length).toBeLessThanOrEqual(3);
  });

  it("misspelt question words", () => {
    const result = failed("reply rte by chanel this month");
    expect(result.error).toBe('I did not understand "rte", "chanel".');
    expect(result.suggestions[0]).toBe("reply rate by channel for students this month");
    const rules = failed("which rule flaged most students this wek");
    expect(rules.suggestions[0]).toBe("which rules flagged the most students this week?");
  });

  it("something that is not a question in the set: suggestions, never a guess", () => {
    const result = failed("what is the weather like in Leeds");
    expect(result.error).toBe("I could not tell what this asks about.");
    expect(result.suggestions).toHaveLength(3);
  });

  it("a word left over is named, even when the rest is a good question", () => {
    const result = failed("how many first-years in Computing had no VLE activity in the last 14 days excluding Fred");
    expect(result.error).toBe('I did not understand "excluding", "fred".');
    expect(result.suggestions).toContain("how many first-years in Computing had no VLE activity in the last 14 days?");
  });

  it.each([
    ["flags by channel this week", "Flags can be broken down by rule, programme, year, week, not by channel."],
    ["how fresh is the data for first-years", "Data freshness is not about groups of students, so it takes no programme or year of study."],
    ["how many students were flagged this week in the last 14 days", "This names 2 periods (in the last 14 days, this week): ask about one."],
    ["how many first-years and second-years were flagged this week", "This names more than one year of study: ask about one year, or all years."],
    ["how many students had no VLE or library activity this week", "No activity takes one data source at a time, not vle and library."],
    ["flags in the last 400 days", "Periods go from 1 to 366 days, not 400."],
    ["how many students had no VLE activity and were flagged this week", "This mixes two questions (no activity and flags): ask one at a time."],
    ["reply rate by channel for VLE this month", "Nudge reach and replies does not take a data source (vle)."],
    ["", "There is no question."],
  ])("%s", (text, error) => {
    expect(failed(text).error).toBe(error);
  });
});

describe("edit distance", () => {
  it("counts a swap of neighbours as one edit", () => {
    expect(editDistance("flagged", "falgged")).toBe(1);
    expect(editDistance("compting", "computing")).toBe(1);
    expect(editDistance("week", "weak")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
  });
});
