/** The product's words are defined once in core/ and the database schema must say the same. */
import { describe, expect, it } from "vitest";
import { CHANNELS, ENGAGEMENT_SOURCES, isChannel, SOURCE_WORDS, sourceActivity } from "../../core/index.ts";
import { models } from "../../prisma/index.ts";

describe("the vocabulary", () => {
  it("has exactly the channels and engagement sources of the schema's enums", () => {
    expect([...CHANNELS].sort()).toEqual(Object.values(models.Channel).sort());
    expect([...ENGAGEMENT_SOURCES].sort()).toEqual(Object.values(models.EngagementSource).sort());
    expect([...CHANNELS].sort()).toEqual(["email", "sms", "teams"]);
  });

  it("says every source in words, and leaves anything else as it is", () => {
    expect(Object.keys(SOURCE_WORDS).sort()).toEqual([...ENGAGEMENT_SOURCES].sort());
    expect(sourceActivity("vle")).toBe("VLE activity");
    expect(sourceActivity("submission")).toBe("assignment submissions");
    expect(sourceActivity("timetable")).toBe("timetable");
  });

  it("recognises a channel by name only", () => {
    expect(isChannel("sms")).toBe(true);
    expect(isChannel("SMS")).toBe(false);
    expect(isChannel(undefined)).toBe(false);
  });
});
