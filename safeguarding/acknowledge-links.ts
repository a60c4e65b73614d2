/**
 * Signed acknowledgement links in alert emails: the token names the concern and the person it
 * was sent to (a staff number or a mailbox address), with an HMAC-SHA256 of both, so a link cannot
 * be forged or used to acknowledge another concern. Opening the link shows a page with a button;
 * only pressing it (a POST) acknowledges, so a mail scanner that follows links changes nothing.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const ACKNOWLEDGE_PATH = "/safeguarding/acknowledge";

export type AlertRecipientId = { kind: "staff"; staffNumber: string } | { kind: "email"; address: string };

function who(recipient: AlertRecipientId): string {
  return recipient.kind === "staff" ? `staff:${recipient.staffNumber}` : `email:${recipient.address}`;
}

function mac(secret: string, concernId: number, recipient: string): Buffer {
  return createHmac("sha256", secret).update(`safeguarding:acknowledge:${concernId}:${recipient}`, "utf8").digest();
}

export function acknowledgeToken(secret: string, concernId: number, recipient: AlertRecipientId): string {
  const name = who(recipient);
  return `${concernId}.${Buffer.from(name, "utf8").toString("base64url")}.${mac(secret, concernId, name).toString("base64url")}`;
}

const TOKEN = /^([1-9][0-9]{0,15})\.([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{43})$/;

/** The concern and recipient a token was signed for, or null for anything malformed or forged. */
export function readAcknowledgeToken(secret: string, token: string | null | undefined): { concernId: number; recipient: AlertRecipientId } | null {
  const match = typeof token === "string" ? TOKEN.exec(token) : null;
  if (!match) return null;
  const concernId = Number(match[1]);
  const name = Buffer.from(match[2]!, "base64url").toString("utf8");
  const given = Buffer.from(match[3]!, "base64url");
  const expected = mac(secret, concernId, name);
  if (!Number.isSafeInteger(concernId) || given.length !== expected.length || given.toString("base64url") !== match[3]) return null;
  if (!timingSafeEqual(given, expected)) return null;
  const [kind, ...rest] = name.split(":");
  const value = rest.join(":");
  if (kind === "staff" && value) return { concernId, recipient: { kind: "staff", staffNumber: value } };
  if (kind === "email" && value) return { concernId, recipient: { kind: "email", address: value } };
  return null;
}

export function acknowledgeUrl(publicBaseUrl: string, secret: string, concernId: number, recipient: AlertRecipientId): string {
  return `${publicBaseUrl.replace(/\/+$/, "")}${ACKNOWLEDGE_PATH}/${acknowledgeToken(secret, concernId, recipient)}`;
}
