/**
 * The xAPI endpoint's credential check: HTTP Basic (RFC 7617) against the configured user name
 * and password. One pure function, tested directly.
 */
import { createHash, timingSafeEqual } from "node:crypto";

export interface BasicCredentials {
  username: string;
  password: string;
}

export type BasicAuthResult = { ok: true } | { ok: false; reason: "missing" | "malformed" | "wrong" };

/** The challenge sent with 401 answers. */
export const BASIC_CHALLENGE = 'Basic realm="Nudge xAPI", charset="UTF-8"';

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();

/** Equal strings, in time that depends on neither their content nor their lengths. */
function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** Checks an `Authorization` header; says why it failed without saying which part was wrong. */
export function checkBasicAuth(header: string | undefined, expected: BasicCredentials): BasicAuthResult {
  if (header === undefined || header.trim() === "") return { ok: false, reason: "missing" };
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header.trim());
  if (!match) return { ok: false, reason: "malformed" };
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return { ok: false, reason: "malformed" };
  // Both parts are always compared, so the timing does not tell a wrong user from a wrong password.
  const userMatches = sameSecret(decoded.slice(0, colon), expected.username);
  const passwordMatches = sameSecret(decoded.slice(colon + 1), expected.password);
  return userMatches && passwordMatches ? { ok: true } : { ok: false, reason: "wrong" };
}
