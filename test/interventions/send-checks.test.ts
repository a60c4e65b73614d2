import { describe, expect, it } from "vitest";
import { localMinutes, quietHoursEnd } from "../../interventions/send-checks.ts";

const LONDON = "Europe/London";
const at = (iso: string) => new Date(iso);
const hm = (hours: number, minutes = 0) => hours * 60 + minutes;

describe("localMinutes", () => {
  it("reads the student's wall clock, summer time included", () => {
    expect(localMinutes(at("2026-01-15T12:00:00Z"), LONDON)).toBe(hm(12));
    expect(localMinutes(at("2026-07-15T12:00:00Z"), LONDON)).toBe(hm(13));
    expect(localMinutes(at("2026-11-30T22:30:00Z"), "Asia/Tokyo")).toBe(hm(7, 30));
    expect(localMinutes(at("2026-11-30T22:30:00Z"), "Asia/Kolkata")).toBe(hm(4));
  });

  it("gives midnight as 0, not 24:00", () => {
    expect(localMinutes(at("2026-01-15T00:00:00Z"), LONDON)).toBe(0);
    expect(localMinutes(at("2026-07-14T23:00:00Z"), LONDON)).toBe(0);
  });

  it("repeats the hour the clocks go back (Europe/London, 25 October 2026)", () => {
    // 01:00 UTC: 02:00 BST becomes 01:00 GMT.
    expect(localMinutes(at("2026-10-25T00:30:00Z"), LONDON)).toBe(hm(1, 30));
    expect(localMinutes(at("2026-10-25T00:59:00Z"), LONDON)).toBe(hm(1, 59));
    expect(localMinutes(at("2026-10-25T01:00:00Z"), LONDON)).toBe(hm(1));
    expect(localMinutes(at("2026-10-25T01:30:00Z"), LONDON)).toBe(hm(1, 30));
    expect(localMinutes(at("2026-10-25T12:00:00Z"), LONDON)).toBe(hm(12));
  });
});

describe("quietHoursEnd", () => {
  const night = { from: hm(21), to: hm(8) };

  it("is null outside quiet hours; the window includes its start and excludes its end", () => {
    expect(quietHoursEnd(at("2026-11-30T20:59:00Z"), LONDON, night)).toBeNull();
    expect(quietHoursEnd(at("2026-12-01T08:00:00Z"), LONDON, night)).toBeNull();
    expect(quietHoursEnd(at("2026-11-30T21:00:00Z"), LONDON, night)).toEqual(at("2026-12-01T08:00:00Z"));
    expect(quietHoursEnd(at("2026-12-01T07:59:00Z"), LONDON, night)).toEqual(at("2026-12-01T08:00:00Z"));
  });

  it("ends at 08:00 on the student's clock, whatever their timezone", () => {
    expect(quietHoursEnd(at("2026-11-30T22:30:00Z"), LONDON, night)).toEqual(at("2026-12-01T08:00:00Z"));
    // 07:30 in Tokyo at the same instant: half an hour to go.
    expect(quietHoursEnd(at("2026-11-30T22:30:00Z"), "Asia/Tokyo", night)).toEqual(at("2026-11-30T23:00:00Z"));
    // Summer in London: 08:00 BST is 07:00 UTC.
    expect(quietHoursEnd(at("2026-07-01T22:30:00Z"), LONDON, night)).toEqual(at("2026-07-02T07:00:00Z"));
  });

  it("ignores the seconds of the current minute", () => {
    expect(quietHoursEnd(at("2026-11-30T22:30:45.123Z"), LONDON, night)).toEqual(at("2026-12-01T08:00:00Z"));
  });

  it("ends at 08:00 GMT the night the clocks go back (Europe/London, 25 October 2026)", () => {
    const end = at("2026-10-25T08:00:00Z");
    expect(quietHoursEnd(at("2026-10-24T20:00:00Z"), LONDON, night)).toEqual(end); // 21:00 BST
    expect(quietHoursEnd(at("2026-10-24T22:30:00Z"), LONDON, night)).toEqual(end); // 23:30 BST
    expect(quietHoursEnd(at("2026-10-25T00:30:00Z"), LONDON, night)).toEqual(end); // 01:30 BST
    expect(quietHoursEnd(at("2026-10-25T01:30:00Z"), LONDON, night)).toEqual(end); // 01:30 GMT
    expect(quietHoursEnd(at("2026-10-25T07:59:00Z"), LONDON, night)).toEqual(end); // 07:59 GMT
    expect(quietHoursEnd(at("2026-10-25T08:00:00Z"), LONDON, night)).toBeNull();
  });

  it("ends at 08:00 BST the night the clocks go forward (Europe/London, 29 March 2026)", () => {
    expect(quietHoursEnd(at("2026-03-28T22:30:00Z"), LONDON, night)).toEqual(at("2026-03-29T07:00:00Z"));
    expect(quietHoursEnd(at("2026-03-29T07:00:00Z"), LONDON, night)).toBeNull();
  });

  it("answers, for every quarter hour across both changes, an instant that reads 08:00 and is no longer quiet", () => {
    for (const [from, to] of [
      ["2026-10-24T12:00:00Z", "2026-10-25T12:00:00Z"],
      ["2026-03-28T12:00:00Z", "2026-03-29T12:00:00Z"],
    ] as const) {
      for (let t = at(from).getTime(); t <= at(to).getTime(); t += 15 * 60_000) {
        const now = new Date(t);
        const local = localMinutes(now, LONDON);
        const end = quietHoursEnd(now, LONDON, night);
        const quiet = local >= night.from || local < night.to;
        expect(end === null, now.toISOString()).toBe(!quiet);
        if (!end) continue;
        expect(end.getTime(), now.toISOString()).toBeGreaterThan(t);
        expect(localMinutes(end, LONDON), now.toISOString()).toBe(night.to);
        expect(quietHoursEnd(end, LONDON, night), now.toISOString()).toBeNull();
        // Never more than a night away.
        expect(end.getTime() - t, now.toISOString()).toBeLessThanOrEqual(12 * 3_600_000);
      }
    }
  });

  describe("a window that does not wrap past midnight", () => {
    const lunch = { from: hm(13), to: hm(14) };

    it("holds from its start until its end, in local time", () => {
      // 13:15 BST.
      expect(quietHoursEnd(at("2026-07-01T12:15:00Z"), LONDON, lunch)).toEqual(at("2026-07-01T13:00:00Z"));
      expect(quietHoursEnd(at("2026-07-01T12:00:00Z"), LONDON, lunch)).toEqual(at("2026-07-01T13:00:00Z"));
      expect(quietHoursEnd(at("2026-07-01T11:59:00Z"), LONDON, lunch)).toBeNull();
      expect(quietHoursEnd(at("2026-07-01T13:00:00Z"), LONDON, lunch)).toBeNull();
      // The same window in winter is an hour later in UTC.
      expect(quietHoursEnd(at("2026-12-01T13:15:00Z"), LONDON, lunch)).toEqual(at("2026-12-01T14:00:00Z"));
    });

    it("spans the change when the clocks go back inside it", () => {
      const early = { from: hm(1), to: hm(3) };
      // 01:10 BST; 03:00 GMT is three hours of real time away, not two.
      expect(quietHoursEnd(at("2026-10-25T00:10:00Z"), LONDON, early)).toEqual(at("2026-10-25T03:00:00Z"));
      expect(quietHoursEnd(at("2026-10-25T02:30:00Z"), LONDON, early)).toEqual(at("2026-10-25T03:00:00Z"));
      expect(quietHoursEnd(at("2026-10-25T03:00:00Z"), LONDON, early)).toBeNull();
    });
  });
});
