import { describe, expect, it } from "vitest";
import { readUnsubscribeToken, unsubscribeToken, unsubscribeUrl } from "../../channels/unsubscribe-links.ts";

const SECRET = "a-link-secret-of-at-least-32-characters";

describe("unsubscribe links", () => {
  it("round-trips a student id, and builds the link under the public address", () => {
    const token = unsubscribeToken(SECRET, 42);
    expect(token).toMatch(/^42\.[A-Za-z0-9_-]{43}$/);
    expect(readUnsubscribeToken(SECRET, token)).toBe(42);
    expect(unsubscribeUrl("https://nudge.example.ac.uk/", SECRET, 42)).toBe(`https://nudge.example.ac.uk/api/email/unsubscribe?t=${token}`);
  });

  it("rejects forged, altered and malformed tokens", () => {
    const token = unsubscribeToken(SECRET, 42);
    const mac = token.split(".")[1]!;
    const flipped = `${mac.slice(0, -2)}${mac.at(-2) === "A" ? "B" : "A"}${mac.at(-1)}`;
    for (const bad of [
      unsubscribeToken("another-secret-of-at-least-32-characters", 42),
      `43.${mac}`,
      `42.${flipped}`,
      `042.${mac}`,
      `42.${mac}=`,
      `42.${mac.slice(1)}`,
      `42${mac}`,
      "",
      null,
      undefined,
      `99999999999999999.${mac}`,
    ]) {
      expect(readUnsubscribeToken(SECRET, bad), String(bad)).toBeNull();
    }
  });

  it("refuses to sign something that is not a student id", () => {
    for (const id of [0, -1, 1.5, Number.NaN]) expect(() => unsubscribeToken(SECRET, id)).toThrow(/not a student id/);
  });
});
