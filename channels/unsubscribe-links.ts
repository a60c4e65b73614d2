/**
 * Signed one-click unsubscribe links (RFC 8058). The token names the student and carries an
 * HMAC-SHA256 of it, so a link cannot be forged or pointed at another student without the link
 * secret. Tokens do not expire: an old email must still unsubscribe.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const UNSUBSCRIBE_PATH = "/api/email/unsubscribe";

// A student id in decimal, then the MAC in base64url (32 bytes: 43 characters, no padding).
const TOKEN = /^([1-9][0-9]{0,15})\.([A-Za-z0-9_-]{43})$/;

/** The channel is part of the signed text, so an email token cannot stand in for another use of the secret. */
function mac(secret: string, studentId: number): Buffer {
  return createHmac("sha256", secret).update(`unsubscribe:email:${studentId}`, "utf8").digest();
}

export function unsubscribeToken(secret: string, studentId: number): string {
  if (!Number.isSafeInteger(studentId) || studentId <= 0) throw new Error(`not a student id: ${studentId}`);
  return `${studentId}.${mac(secret, studentId).toString("base64url")}`;
}

/** The student id a token was signed for, or null for anything malformed or forged. */
export function readUnsubscribeToken(secret: string, token: string | null | undefined): number | null {
  const match = typeof token === "string" ? TOKEN.exec(token) : null;
  if (!match) return null;
  const studentId = Number(match[1]);
  if (!Number.isSafeInteger(studentId)) return null;
  const given = Buffer.from(match[2]!, "base64url");
  const expected = mac(secret, studentId);
  // 43 base64url characters can carry stray low bits; re-encoding keeps one spelling per MAC.
  if (given.length !== expected.length || given.toString("base64url") !== match[2]) return null;
  return timingSafeEqual(given, expected) ? studentId : null;
}

export function unsubscribeUrl(publicBaseUrl: string, secret: string, studentId: number): string {
  const base = publicBaseUrl.replace(/\/+$/, "");
  return `${base}${UNSUBSCRIBE_PATH}?t=${unsubscribeToken(secret, studentId)}`;
}
