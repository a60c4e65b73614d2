/**
 * Signed links in emails to staff: the token names what it is for (a purpose such as
 * "safeguarding:acknowledge"), one record's id and the person it was sent to (a staff number or a
 * mailbox address), with an HMAC-SHA256 of all three, so a link cannot be forged, used for another
 * record, or turned to another purpose. Opening such a link should show a page with a button; only
 * pressing it (a POST) acts, so a mail scanner that follows links changes nothing.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export type LinkRecipient = { kind: "staff"; staffNumber: string } | { kind: "email"; address: string };

function who(recipient: LinkRecipient): string {
  return recipient.kind === "staff" ? `staff:${recipient.staffNumber}` : `email:${recipient.address}`;
}

function mac(secret: string, purpose: string, id: number, recipient: string): Buffer {
  return createHmac("sha256", secret).update(`${purpose}:${id}:${recipient}`, "utf8").digest();
}

export function signedLinkToken(secret: string, purpose: string, id: number, recipient: LinkRecipient): string {
  const name = who(recipient);
  return `${id}.${Buffer.from(name, "utf8").toString("base64url")}.${mac(secret, purpose, id, name).toString("base64url")}`;
}

const TOKEN = /^([1-9][0-9]{0,15})\.([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{43})$/;

/** The id and recipient a token was signed for with this purpose, or null for anything malformed or forged. */
export function readSignedLinkToken(secret: string, purpose: string, token: string | null | undefined): { id: number; recipient: LinkRecipient } | null {
  const match = typeof token === "string" ? TOKEN.exec(token) : null;
  if (!match) return null;
  const id = Number(match[1]);
  const name = Buffer.from(match[2]!, "base64url").toString("utf8");
  const given = Buffer.from(match[3]!, "base64url");
  const expected = mac(secret, purpose, id, name);
  if (!Number.isSafeInteger(id) || given.length !== expected.length || given.toString("base64url") !== match[3]) return null;
  if (!timingSafeEqual(given, expected)) return null;
  const [kind, ...rest] = name.split(":");
  const value = rest.join(":");
  if (kind === "staff" && value) return { id, recipient: { kind: "staff", staffNumber: value } };
  if (kind === "email" && value) return { id, recipient: { kind: "email", address: value } };
  return null;
}

/** `<base><path>/<token>`. */
export function signedLinkUrl(publicBaseUrl: string, path: string, secret: string, purpose: string, id: number, recipient: LinkRecipient): string {
  return `${publicBaseUrl.replace(/\/+$/, "")}${path}/${signedLinkToken(secret, purpose, id, recipient)}`;
}
