import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import {
  DIGEST_PAGE_SIZE,
  DIGEST_TEXT_LIMITS,
  MAX_ACTIONS,
  MAX_CARD_BYTES,
  MEETING_OUTCOMES,
  SAMPLES,
  VERBS,
  cardSize,
  digestCard,
  inputOf,
  invitationCard,
  nudgeCard,
  outcomeCard,
  sampleCards,
  type AdaptiveCard,
  type DigestCardData,
} from "../../adaptive-cards/index.ts";

// The package's ESM build (lib/) imports its own files without extensions, which Node cannot
// resolve; the UMD bundle loads and has the same API, so it is typed with the package's own types.
const require = createRequire(import.meta.url);
const AC: typeof import("adaptivecards") = require("adaptivecards/dist/adaptivecards.js");

// Teams renders its chart elements (Chart.*) in Adaptive Cards; the library does not know them, so
// they are registered here as elements with no rendering, the way a host adds its own elements.
for (const type of ["Chart.HorizontalBar", "Chart.VerticalBar", "Chart.VerticalBar.Grouped", "Chart.Line"]) {
  AC.GlobalRegistry.elements.register(
    type,
    class extends AC.CardElement {
      override getJsonTypeName(): string {
        return type;
      }
      protected override internalRender(): undefined {
        return undefined;
      }
    },
  );
}

// Teams' host config: the library's default allows 5 actions a set, Teams 6.
const hostConfig = new AC.HostConfig(JSON.parse(readFileSync(new URL("../../adaptive-cards/teams-host-config.json", import.meta.url), "utf8")));

/** What the adaptivecards library reports about a card: parse events, then validation events. */
function problems(json: unknown): string[] {
  const card = new AC.AdaptiveCard();
  card.hostConfig = hostConfig;
  const context = new AC.SerializationContext();
  card.parse(json, context);
  const found: string[] = [];
  for (let i = 0; i < context.eventCount; i++) found.push(`parse: ${context.getEventAt(i).message}`);
  for (const event of card.validateProperties().validationEvents) found.push(`${AC.ValidationEvent[event.event]}: ${event.message}`);
  return found;
}

type Node = Record<string, unknown>;

/** Every object in a card's JSON, depth first. */
function* objects(value: unknown): Generator<Node> {
  if (Array.isArray(value)) for (const item of value) yield* objects(item);
  else if (value !== null && typeof value === "object") {
    yield value as Node;
    for (const child of Object.values(value)) yield* objects(child);
  }
}

const ofType = (card: unknown, type: string) => [...objects(card)].filter((o) => o.type === type);
const executes = (card: unknown) => ofType(card, "Action.Execute");
const titles = (card: unknown) => [...objects(card)].filter((o) => typeof o.type === "string" && o.type.startsWith("Action.")).map((o) => o.title);
/** Each row of buttons: every ActionSet, and the `actions` of the card and of each show-card. */
const buttonRows = (card: unknown) =>
  [...objects(card)].filter((o) => o.type === "ActionSet" || o.type === "AdaptiveCard").map((o) => (o.actions as unknown[] | undefined) ?? []);
/** The digest's container for one student (they are the containers with a separator). */
const studentBlocks = (card: AdaptiveCard) => card.body.filter((o) => o.type === "Container" && o.separator === true);
const texts = (card: unknown) => ofType(card, "TextBlock").map((o) => o.text);

const cards = sampleCards();
const digest = SAMPLES.digest["first-page"]!;

describe("every sample card", () => {
  it("covers every template and every verb", () => {
    const templates = readdirSync(new URL("../../adaptive-cards/templates/", import.meta.url)).map((f) => f.replace(/\.json$/, ""));
    expect(Object.keys(SAMPLES).sort()).toEqual(templates.sort());
    const used = new Set(cards.flatMap((c) => executes(c.card).map((a) => a.verb)));
    expect([...used].sort()).toEqual(Object.values(VERBS).sort());
  });

  it.each(cards)("$name: the adaptivecards library reports nothing", ({ card }) => {
    expect(problems(card)).toEqual([]);
  });

  it.each(cards)("$name: version 1.5, within Teams' size and button limits, fully expanded", ({ card }) => {
    expect(card.version).toBe("1.5");
    expect(card.$schema).toBe("http://adaptivecards.io/schemas/adaptive-card.json");
    expect(cardSize(card)).toBeLessThan(MAX_CARD_BYTES);
    expect(JSON.stringify(card)).not.toContain("${");
    for (const row of buttonRows(card)) expect(row.length).toBeLessThanOrEqual(MAX_ACTIONS);
    for (const action of executes(card)) expect(Object.values(VERBS)).toContain(action.verb);
  });

  it("the checks above can fail: the library reports duplicate ids and too many buttons", () => {
    const button = (title: string) => ({ type: "Action.Execute", title, verb: VERBS.digestPage });
    const bad = {
      type: "AdaptiveCard",
      version: "1.5",
      body: [
        { type: "Input.Text", id: "note" },
        { type: "Input.Text", id: "note" },
        { type: "ActionSet", actions: ["1", "2", "3", "4", "5", "6", "7"].map(button) },
      ],
    };
    expect(problems(bad)).toEqual(['DuplicateId: Duplicate Id "note".', "TooManyActions: Maximum number of actions exceeded (6)."]);
  });
});

describe("digest", () => {
  it("fits the worst-case page in 28 KB, and one student more would not fit", () => {
    const worst = SAMPLES.digest["worst-case"]!;
    expect(worst.students).toHaveLength(DIGEST_PAGE_SIZE);
    for (const s of worst.students) {
      expect(s.name).toHaveLength(DIGEST_TEXT_LIMITS.name);
      expect(s.programme).toHaveLength(DIGEST_TEXT_LIMITS.programme);
      expect(s.evidence).toHaveLength(DIGEST_TEXT_LIMITS.evidence);
      expect(s.proposal?.text).toHaveLength(DIGEST_TEXT_LIMITS.proposalText);
      expect(s.trend.label).toHaveLength(DIGEST_TEXT_LIMITS.trendLabel);
      expect(s.history.every((line) => line.length === DIGEST_TEXT_LIMITS.historyLine)).toBe(true);
      expect(s.concern?.text).toHaveLength(DIGEST_TEXT_LIMITS.concernText);
      expect(s.concern?.heading).toHaveLength(DIGEST_TEXT_LIMITS.concernHeading);
    }
    const card = digestCard(worst);
    // Six actions per student, and "I'm handling this" on the pinned message.
    expect(executes(card).filter((a) => a.verb !== VERBS.digestPage && a.verb !== VERBS.digestRefresh)).toHaveLength(7 * DIGEST_PAGE_SIZE);
    expect(cardSize(card)).toBeLessThan(MAX_CARD_BYTES);
    const oneMore = { ...worst, students: [...worst.students, { ...worst.students[0]!, studentId: 1 }] };
    expect(cardSize(digestCard(oneMore))).toBeGreaterThan(MAX_CARD_BYTES);
  });

  it("shows the six actions for a student with a proposal, with the ids the bot needs", () => {
    const [jamie] = studentBlocks(digestCard(digest));
    expect(titles(jamie)).toEqual(["Approve", "Edit and send", "Send", "Invite to talk", "Refer", "Refer", "Dismiss", "Dismiss", "Snooze a week"]);
    const ids = { digestId: digest.digestId, page: digest.page, studentId: 1042 };
    expect(executes(jamie).map((a) => [a.verb, a.data])).toEqual([
      [VERBS.digestApprove, { ...ids, interventionId: 5120 }],
      [VERBS.digestEdit, { ...ids, interventionId: 5120 }],
      [VERBS.digestInvite, ids],
      [VERBS.digestRefer, ids],
      [VERBS.digestDismiss, ids],
      [VERBS.digestSnooze, { ...ids, days: 7 }],
    ]);
  });

  it("prefills 'Edit and send' with the proposal text, and names every input after the student", () => {
    const card = digestCard(digest);
    const edit = ofType(card, "Input.Text").find((i) => i.id === "editedText-1042");
    expect(edit).toMatchObject({ value: digest.students[0]!.proposal!.text, maxLength: 2000, isMultiline: true });
    const ids = [...objects(card)].filter((o) => typeof o.type === "string" && o.type.startsWith("Input.")).map((o) => o.id);
    expect(ids).toEqual(["editedText-1042", "note-1042", "verdict-1042", "comment-1042", "note-1103", "verdict-1103", "comment-1103"]);
    const verdict = ofType(card, "Input.ChoiceSet")[0];
    expect(verdict).toMatchObject({
      isRequired: true,
      choices: [
        { value: "useful", title: "Useful, but no action needed" },
        { value: "not_useful", title: "Not useful" },
        { value: "wrong_data", title: "Wrong data" },
      ],
    });
  });

  it("reads an input in either id form", () => {
    expect(inputOf({ "verdict-1042": "useful", studentId: 1042 }, "verdict", 1042)).toBe("useful");
    expect(inputOf({ verdict: "wrong_data" }, "verdict", 1042)).toBe("wrong_data");
    expect(inputOf({ "verdict-1103": "useful" }, "verdict", 1042)).toBeUndefined();
    expect(inputOf({ "comment-1042": 5 }, "comment", 1042)).toBeUndefined();
  });

  it("offers no Approve or Edit without a proposal", () => {
    const callum = studentBlocks(digestCard(digest))[2]!;
    expect(texts(callum)).toContain("Callum O'Neill");
    expect(titles(callum)).toEqual(["Invite to talk", "Refer", "Refer", "Dismiss", "Dismiss", "Snooze a week"]);
  });

  it("shows what was done instead of the actions", () => {
    const ellie = studentBlocks(digestCard(digest))[1]!;
    expect(texts(ellie)).toContain("✓ Invitation to talk sent by Dr Amara Okafor at 10:02, 30 Nov");
    expect(ofType(ellie, "TextBlock").find((t) => String(t.text).startsWith("✓"))).toMatchObject({ color: "good" });
    expect(titles(ellie)).toEqual([]);
    const undone = digestCard({ ...digest, students: [{ ...digest.students[1]!, done: null }] });
    expect(titles(studentBlocks(undone)[0])).toContain("Approve");
  });

  it("shows no actions to a viewer who may not act", () => {
    const readOnly: DigestCardData = { ...digest, students: digest.students.map((s) => ({ ...s, done: null, actionable: false })) };
    const card = digestCard(readOnly);
    expect(studentBlocks(card)).toHaveLength(3);
    expect(executes(card).map((a) => a.verb)).toEqual([VERBS.digestRefresh, VERBS.digestPage]);
  });

  it("pages with Previous and Next, carries the page in every action, and refreshes for the given users", () => {
    const paging = (card: AdaptiveCard) => (card.actions ?? []).map((a) => [a.title, a.verb, a.data]);
    expect(paging(digestCard(digest))).toEqual([["Next", VERBS.digestPage, { digestId: 318, page: 2 }]]);
    expect(paging(digestCard(SAMPLES.digest["last-page"]!))).toEqual([["Previous", VERBS.digestPage, { digestId: 318, page: 1 }]]);
    const middle = digestCard({ ...SAMPLES.digest["worst-case"]!, page: 2, pages: 4 });
    expect(paging(middle).map(([title, , data]) => [title, data])).toEqual([
      ["Previous", { digestId: 318, page: 1 }],
      ["Next", { digestId: 318, page: 3 }],
    ]);
    expect(middle.actions).toHaveLength(2);

    const single = digestCard(SAMPLES.digest["one-page"]!);
    expect(single.actions).toEqual([]);
    expect(texts(single).some((t) => String(t).includes("Page"))).toBe(false);
    expect(texts(digestCard(digest))).toContain("Dr Amara Okafor · Page 1 of 2 · 4 students");

    expect(digestCard(digest).refresh).toEqual({
      action: { type: "Action.Execute", verb: VERBS.digestRefresh, data: { digestId: 318, page: 1 } },
      userIds: digest.refreshUserIds,
    });
  });

  it("shows at most three history lines", () => {
    const jamie = studentBlocks(digestCard(digest))[0]!;
    expect(digest.students[0]!.history).toHaveLength(4);
    expect(texts(jamie).filter((t) => /^\d+ \w+: /.test(String(t)))).toEqual(digest.students[0]!.history.slice(0, 3));
  });
});

describe("invitation", () => {
  it("offers each slot as a button until booked, then shows the booking", () => {
    const open = invitationCard(SAMPLES.invitation.open!);
    expect(executes(open).map((a) => [a.title, a.verb, a.data])).toEqual(
      SAMPLES.invitation.open!.slots.map((s) => [s.label, VERBS.meetingChoose, { meetingId: 77, choice: s.choice }]),
    );

    const booked = invitationCard(SAMPLES.invitation.booked!);
    expect(executes(booked)).toEqual([]);
    expect(texts(booked)).toContain("You're booked in: Tuesday 3 December, 10:00 to 10:30");
    expect(texts(booked)).toContain("Where: Room 2.14, Hopkinson Building");
    expect(ofType(booked, "Action.OpenUrl")).toMatchObject([{ title: "Join the Teams meeting", url: SAMPLES.invitation.booked!.booked!.onlineMeetingUrl }]);
  });

  it("shows only the reason once closed, even if it had been booked", () => {
    const data = { ...SAMPLES.invitation.booked!, closed: "This meeting was cancelled." };
    const card = invitationCard(data);
    expect(titles(card)).toEqual([]);
    expect(texts(card)).toContain("This meeting was cancelled.");
    expect(texts(card).some((t) => String(t).startsWith("You're booked in"))).toBe(false);
  });
});

describe("nudge", () => {
  it("offers a chat and an explanation, and the module page only when there is one", () => {
    const withPage = nudgeCard(SAMPLES.nudge["with-module-page"]!);
    expect(executes(withPage).map((a) => [a.title, a.verb, a.data])).toEqual([
      ["I'd like a chat", VERBS.studentReply, { text: "I need help", interventionId: 5120 }],
      ["Why did I get this?", VERBS.studentReply, { text: "why did I get this?", interventionId: 5120 }],
    ]);
    expect(ofType(withPage, "Action.OpenUrl")).toMatchObject([{ title: "Open the module page", url: "https://vle.example.ac.uk/course/view.php?id=2231" }]);
    expect(texts(withPage).at(-1)).toBe('Reply "stop" to stop these messages, or "help" for more.');

    for (const moduleUrl of [undefined, null, ""]) expect(ofType(nudgeCard({ ...SAMPLES.nudge["no-tutor"]!, moduleUrl }), "Action.OpenUrl")).toEqual([]);
  });
});

describe("outcome", () => {
  it("has one button per meeting outcome until one is recorded", () => {
    const open = outcomeCard(SAMPLES.outcome.open!);
    expect(executes(open).map((a) => [a.title, a.data])).toEqual(MEETING_OUTCOMES.map((o) => [o.label, { meetingId: 77, outcome: o.value }]));
    expect(new Set(executes(open).map((a) => a.verb))).toEqual(new Set([VERBS.meetingOutcome]));

    const recorded = outcomeCard(SAMPLES.outcome.recorded!);
    expect(titles(recorded)).toEqual([]);
    expect(texts(recorded)).toContain("Recorded: Support agreed, by Dr Amara Okafor at 10:41 on Thursday 3 December");
    expect(texts(recorded)).toContain("Note: Weekly check-ins until the January exams; study skills session booked.");
    // The note is asked for beside the buttons (Teams sends it with the one pressed), and gone once recorded.
    expect(JSON.stringify(open)).toContain('"id":"note"');
    expect(JSON.stringify(recorded)).not.toContain('"id":"note"');
  });
});

describe("charts in answer cards", () => {
  it("draw only numbers, with a title, and drop themselves where the host has no charts", () => {
    const charts = sampleCards()
      .filter(({ name }) => name.startsWith("answer-"))
      .flatMap(({ card }) => card.body.filter((element) => String(element.type).startsWith("Chart.")));
    expect(charts.length).toBeGreaterThanOrEqual(2);
    for (const chart of charts) {
      expect(chart).toMatchObject({ fallback: "drop", title: expect.any(String) });
      const points = (chart.data as { y?: number; values?: { y: number }[] }[]).flatMap((d) => (d.values ? d.values.map((v) => v.y) : [d.y]));
      expect(points.length).toBeGreaterThan(0);
      expect(points.every((y) => typeof y === "number" && Number.isFinite(y))).toBe(true);
    }
  });
});
