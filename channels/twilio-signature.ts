/**
 * Checks that a webhook request came from Twilio: X-Twilio-Signature is an HMAC of the URL Twilio
 * called and the form fields, keyed with the auth token. The URL is rebuilt from the public base
 * address, never from the request's Host, because behind a proxy or TLS terminator the service
 * sees http://internal-host while Twilio signed https://public-host.
 */
import twilio from "twilio";

export interface TwilioRequest {
  authToken: string;
  /** The address Twilio is configured with, e.g. https://nudge.example.ac.uk. */
  publicBaseUrl: string;
  /** Path and query string as received, e.g. /api/sms/inbound?x=1. */
  path: string;
  /** The X-Twilio-Signature header, if any. */
  signature: string | undefined;
  /** The posted form fields. */
  params: Record<string, string | string[]>;
}

export type SignatureVerdict = { ok: true } | { ok: false; reason: string };

export function verifyTwilioRequest(request: TwilioRequest): SignatureVerdict {
  if (!request.signature) return { ok: false, reason: "missing X-Twilio-Signature" };
  const url = `${request.publicBaseUrl.replace(/\/+$/, "")}${request.path.startsWith("/") ? "" : "/"}${request.path}`;
  try {
    if (twilio.validateRequest(request.authToken, request.signature, url, request.params)) return { ok: true };
  } catch {
    // validateRequest parses the URL: a malformed public address is a refusal, not a crash.
    return { ok: false, reason: "the public URL could not be parsed" };
  }
  return { ok: false, reason: "X-Twilio-Signature does not match" };
}
