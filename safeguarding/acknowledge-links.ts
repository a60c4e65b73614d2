/**
 * Signed acknowledgement links in alert emails (core's signed links, for this purpose): the token
 * names the concern and the person it was sent to, so a link cannot be forged or used to
 * acknowledge another concern. Opening the link shows a page with a button; only pressing it (a
 * POST) acknowledges, so a mail scanner that follows links changes nothing.
 */
import { readSignedLinkToken, signedLinkToken, signedLinkUrl, type LinkRecipient } from "../core/index.ts";

export const ACKNOWLEDGE_PATH = "/safeguarding/acknowledge";
const PURPOSE = "safeguarding:acknowledge";

export type AlertRecipientId = LinkRecipient;

export function acknowledgeToken(secret: string, concernId: number, recipient: AlertRecipientId): string {
  return signedLinkToken(secret, PURPOSE, concernId, recipient);
}

/** The concern and recipient a token was signed for, or null for anything malformed or forged. */
export function readAcknowledgeToken(secret: string, token: string | null | undefined): { concernId: number; recipient: AlertRecipientId } | null {
  const link = readSignedLinkToken(secret, PURPOSE, token);
  return link ? { concernId: link.id, recipient: link.recipient } : null;
}

export function acknowledgeUrl(publicBaseUrl: string, secret: string, concernId: number, recipient: AlertRecipientId): string {
  return signedLinkUrl(publicBaseUrl, ACKNOWLEDGE_PATH, secret, PURPOSE, concernId, recipient);
}
