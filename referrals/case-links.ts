/**
 * The signed link in a case email (core's signed links, for this purpose): it names the case and
 * the address or staff number the email went to. Its page shows the case's state and a button;
 * only the button's POST acknowledges or closes, so a mail scanner that opens links changes nothing.
 */
import { readSignedLinkToken, signedLinkUrl, type LinkRecipient } from "../core/index.ts";

export const CASE_LINK_PATH = "/referrals/case";
const PURPOSE = "referral:case";

export function caseLinkUrl(publicBaseUrl: string, secret: string, caseId: number, recipient: LinkRecipient): string {
  return signedLinkUrl(publicBaseUrl, CASE_LINK_PATH, secret, PURPOSE, caseId, recipient);
}

/** The case and recipient a token was signed for, or null for anything malformed, forged or made for another purpose. */
export function readCaseLink(secret: string, token: string | null | undefined): { caseId: number; recipient: LinkRecipient } | null {
  const link = readSignedLinkToken(secret, PURPOSE, token);
  return link ? { caseId: link.id, recipient: link.recipient } : null;
}
