/**
 * What a member of staff reads in Teams when a button cannot do what it says: the error's plain
 * sentence, or a kind one for its kind; never the developer's message with field names and ids.
 */
import { describe, expect, it } from "vitest";
import { NudgeError, staffSentenceFor } from "../../core/index.ts";

describe("staff sentences for errors", () => {
  it("shows the plain sentence an error carries, not its message", () => {
    const error = new NudgeError('verdict: "" is not one of useful, not_useful, wrong_data', { kind: "usage", plain: "Please choose a reason." });
    expect(staffSentenceFor(error)).toBe("Please choose a reason.");
  });

  it("falls back to a kind sentence for each kind, never the message", () => {
    const raw = "meeting 1 has not started yet: it starts 2026-12-10T11:30:00.000Z";
    expect(staffSentenceFor(new NudgeError(raw, { kind: "conflict" }))).toBe(
      "Sorry, that can't be done right now, so nothing was changed: things may have moved on since the card was sent. Refresh the card to see where things stand.",
    );
    expect(staffSentenceFor(new NudgeError(raw, { kind: "not_found" }))).toBe(
      "Sorry, I couldn't find that any more: it may have been removed. Refresh the card to see where things stand.",
    );
    expect(staffSentenceFor(new NudgeError(raw, { kind: "usage" }))).toBe(
      "Sorry, I couldn't do that: something on the card wasn't filled in as I expected. Please check it and try again.",
    );
  });

  it("says a refusal the same way whatever the error carries, and leaves failures and other errors to the apology", () => {
    expect(staffSentenceFor(new NudgeError("T0001 may not intervention.decide", { kind: "refused", plain: "anything" }))).toBe(
      "Sorry, you can't do that for this student. The attempt has been recorded.",
    );
    expect(staffSentenceFor(new NudgeError("database down", { kind: "failure", plain: "anything" }))).toBeNull();
    expect(staffSentenceFor(new Error("boom"))).toBeNull();
  });
});
