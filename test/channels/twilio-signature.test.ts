import twilio from "twilio";
import { describe, expect, it } from "vitest";
import { verifyTwilioRequest } from "../../channels/twilio-signature.ts";

const TOKEN = "12345678901234567890123456789012";
const PUBLIC = "https://nudge.example.ac.uk";
const PARAMS = {
  MessageSid: "SM0123456789abcdef0123456789abcdef",
  AccountSid: `AC${"1".repeat(32)}`,
  From: "+447700900123",
  To: "+447700900001",
  Body: "why did I get this?",
  NumMedia: "0",
};

const sign = (url: string, params: Record<string, string> = PARAMS, token = TOKEN) => twilio.getExpectedTwilioSignature(token, url, params);

describe("verifyTwilioRequest", () => {
  it("accepts a request signed for the public URL", () => {
    const signature = sign(`${PUBLIC}/api/sms/inbound`);
    expect(verifyTwilioRequest({ authToken: TOKEN, publicBaseUrl: PUBLIC, path: "/api/sms/inbound", signature, params: PARAMS })).toEqual({ ok: true });
    // A trailing slash on the configured address changes nothing.
    expect(verifyTwilioRequest({ authToken: TOKEN, publicBaseUrl: `${PUBLIC}/`, path: "/api/sms/inbound", signature, params: PARAMS })).toEqual({ ok: true });
  });

  it("refuses a request without the header", () => {
    expect(verifyTwilioRequest({ authToken: TOKEN, publicBaseUrl: PUBLIC, path: "/api/sms/inbound", signature: undefined, params: PARAMS })).toEqual({
      ok: false,
      reason: "missing X-Twilio-Signature",
    });
  });

  it("refuses forged signatures and changed fields", () => {
    const url = `${PUBLIC}/api/sms/inbound`;
    const check = (signature: string, params: Record<string, string> = PARAMS) =>
      verifyTwilioRequest({ authToken: TOKEN, publicBaseUrl: PUBLIC, path: "/api/sms/inbound", signature, params });
    expect(check(sign(url, PARAMS, "another-token-another-token-0000"))).toMatchObject({ ok: false, reason: "X-Twilio-Signature does not match" });
    expect(check("bm90IGEgc2lnbmF0dXJl")).toMatchObject({ ok: false });
    expect(check(sign(url), { ...PARAMS, Body: "STOP" })).toMatchObject({ ok: false });
    expect(check(sign(url), { ...PARAMS, From: "+447700900999" })).toMatchObject({ ok: false });
  });

  it("refuses a request signed for http:// when the public address is https:// (and the reverse)", () => {
    const signature = sign("http://nudge.example.ac.uk/api/sms/inbound");
    expect(verifyTwilioRequest({ authToken: TOKEN, publicBaseUrl: PUBLIC, path: "/api/sms/inbound", signature, params: PARAMS })).toMatchObject({ ok: false });
    expect(verifyTwilioRequest({ authToken: TOKEN, publicBaseUrl: "http://nudge.example.ac.uk", path: "/api/sms/inbound", signature, params: PARAMS })).toEqual(
      { ok: true },
    );
  });

  it("refuses a request signed for the internal address the service sees behind a proxy", () => {
    const signature = sign("http://127.0.0.1:3978/api/sms/inbound");
    expect(verifyTwilioRequest({ authToken: TOKEN, publicBaseUrl: PUBLIC, path: "/api/sms/inbound", signature, params: PARAMS })).toMatchObject({ ok: false });
  });

  it("includes the query string in what is signed", () => {
    const path = "/api/sms/status?delivery=42";
    const signature = sign(`${PUBLIC}${path}`);
    expect(verifyTwilioRequest({ authToken: TOKEN, publicBaseUrl: PUBLIC, path, signature, params: PARAMS })).toEqual({ ok: true });
    expect(verifyTwilioRequest({ authToken: TOKEN, publicBaseUrl: PUBLIC, path: "/api/sms/status", signature, params: PARAMS })).toMatchObject({ ok: false });
    expect(verifyTwilioRequest({ authToken: TOKEN, publicBaseUrl: PUBLIC, path: "/api/sms/status?delivery=43", signature, params: PARAMS })).toMatchObject({
      ok: false,
    });
  });

  it("refuses rather than throws when the public address cannot be parsed", () => {
    expect(verifyTwilioRequest({ authToken: TOKEN, publicBaseUrl: "not a url", path: "/api/sms/inbound", signature: "x", params: PARAMS })).toMatchObject({
      ok: false,
    });
  });
});
