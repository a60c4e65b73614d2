/**
 * Names, addresses and identifiers. Names come from faker (en_GB) seeded once per pass and drawn in
 * id order: reseeding faker per person costs ~50 µs, more than the rest of a student row, and
 * names are only needed by the single pass that writes the Student or Staff table.
 */
import { createHash } from "node:crypto";
import { Faker, en_GB, en, base } from "@faker-js/faker";

export interface Name {
  given: string;
  family: string;
}

/** Yields one name per call, deterministically for (seed, purpose). */
export function nameSource(seed: number, purpose: "students" | "staff"): () => Name {
  // en_GB adds British surname patterns (double-barrelled names); first names come from its fallback.
  const faker = new Faker({ locale: [en_GB, en, base] });
  faker.seed([seed >>> 0, Math.floor(seed / 0x1_0000_0000) >>> 0, purpose === "students" ? 1 : 2]);
  return () => ({ given: faker.person.firstName(), family: faker.person.lastName() });
}

/** "o'connor-smith" → "oconnor-smith": letters, digits and hyphens only, for an email local part. */
export function emailPart(name: string): string {
  return name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "");
}

/** A name-based (version 5 style) UUID: stable for the same inputs, unique across them. */
export function deterministicUuid(...parts: (string | number)[]): string {
  const hex = createHash("sha1")
    .update(`nudge-demo:${parts.join(":")}`)
    .digest("hex");
  const variant = ((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}
