import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSmsSender, type SmsSenderSettings } from "../../channels/sms-sender.ts";
import { parseRetryAfter } from "../../delivery/retry.ts";
import { ChannelFailure, type ChannelSender, type OutboundMessage } from "../../delivery/ports.ts";
import { startFakeTwilio, type FakeTwilio } from "../helpers/fake-twilio.ts";

const ACCOUNT = `AC${"1".repeat(32)}`;
const TOKEN = "test-auth-token";
const SERVICE = `MG${"2".repeat(32)}`;
const MOBILE = "+447700900123";

function message(
  overrides: Partial<OutboundMessage["recipient"]> = {},
  text = "Hi Ada, we noticed you have not logged in to Moodle this week.",
): OutboundMessage {
  return { deliveryId: 1, interventionId: 1, recipient: { id: 1, studentNumber: "S0001", mobile: MOBILE, ...overrides }, text };
}

async function failureOf(promise: Promise<unknown>): Promise<ChannelFailure> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ChannelFailure);
    return error as ChannelFailure;
  }
  throw new Error("expected the send to fail");
}

describe("the SMS sender against a stand-in Twilio API", () => {
  let fake: FakeTwilio;
  const senders: ChannelSender[] = [];
  const sender = (overrides: Partial<SmsSenderSettings> = {}) => {
    const created = createSmsSender({ accountSid: ACCOUNT, authToken: TOKEN, from: "+447700900001", apiBaseUrl: fake.url, ...overrides });
    senders.push(created);
    return created;
  };

  beforeAll(async () => {
    fake = await startFakeTwilio();
  });
  afterEach(async () => {
    for (const s of senders.splice(0)) await s.close?.();
    fake.requests.length = 0;
  });
  afterAll(async () => {
    await fake?.close();
  });

  it("posts To, Body, From and the status callback, authenticated, and returns the Message SID", async () => {
    const sms = sender({ publicBaseUrl: "https://nudge.example.ac.uk/" });
    expect(sms.channel).toBe("sms");
    const result = await sms.send(message());

    expect(result.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request!.path).toBe(`/2010-04-01/Accounts/${ACCOUNT}/Messages.json`);
    expect(request!.form).toEqual({
      To: MOBILE,
      From: "+447700900001",
      Body: "Hi Ada, we noticed you have not logged in to Moodle this week.",
      StatusCallback: "https://nudge.example.ac.uk/api/sms/status",
    });
    expect(request!.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT}:${TOKEN}`).toString("base64")}`);
    expect(fake.sentTo(MOBILE)).toBe(1);
  });

  it("sends through a Messaging Service when From is an MG SID, and asks for no callback without a public address", async () => {
    const result = await sender({ from: SERVICE }).send(message());
    expect(result.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(fake.requests[0]!.form).toEqual({ To: MOBILE, MessagingServiceSid: SERVICE, Body: expect.any(String) });
  });

  it("keeps a path prefix of the API address (an egress proxy)", async () => {
    const sms = sender({ apiBaseUrl: `${fake.url}/twilio/` });
    await failureOf(sms.send(message()));
    expect(fake.requests[0]!.path).toBe(`/twilio/2010-04-01/Accounts/${ACCOUNT}/Messages.json`);
  });

  it("refuses a student without an E.164 mobile before calling Twilio", async () => {
    const sms = sender();
    for (const mobile of [null, undefined, "", "07700900123", "+44 7700 900123", "+0447700900123", "+12345"]) {
      const failure = await failureOf(sms.send(message({ mobile })));
      expect(failure.kind).toBe("unavailable");
    }
    expect(fake.requests).toHaveLength(0);
  });

  it("maps 429 to retryable with Retry-After in milliseconds (seconds or an HTTP date)", async () => {
    const sms = sender();
    fake.fail({ status: 429, retryAfter: "2" });
    const seconds = await failureOf(sms.send(message()));
    expect(seconds.kind).toBe("retryable");
    expect(seconds.detail).toMatchObject({ status: 429, providerCode: 20429, retryAfterMs: 2000 });

    fake.fail({ status: 429, retryAfter: new Date(Date.now() + 5_000).toUTCString() });
    const date = await failureOf(sms.send(message()));
    expect(date.kind).toBe("retryable");
    expect(date.detail.retryAfterMs).toBeGreaterThanOrEqual(3_000);
    expect(date.detail.retryAfterMs).toBeLessThanOrEqual(5_000);

    fake.fail({ status: 429 });
    const without = await failureOf(sms.send(message()));
    expect(without.kind).toBe("retryable");
    expect(without.detail.retryAfterMs).toBeUndefined();
    // The library's own 429 retries are off: the outbox decides when to try again.
    expect(fake.requests).toHaveLength(3);
  });

  it("keeps Retry-After with the send it belongs to when sends run concurrently", async () => {
    const sms = sender();
    fake.fail({ status: 429, retryAfter: "7" }, { status: 429, retryAfter: "1" });
    const [a, b] = await Promise.all([failureOf(sms.send(message())), failureOf(sms.send(message()))]);
    expect([a.detail.retryAfterMs, b.detail.retryAfterMs].sort()).toEqual([1000, 7000]);
  });

  it("maps 5xx to retryable", async () => {
    fake.fail({ status: 500 }, { status: 503 });
    const sms = sender();
    for (const status of [500, 503]) {
      const failure = await failureOf(sms.send(message()));
      expect(failure.kind).toBe("retryable");
      expect(failure.detail.status).toBe(status);
    }
  });

  it("maps a request that never answers to retryable within timeoutMs", async () => {
    fake.fail({ hang: true });
    const started = Date.now();
    const failure = await failureOf(sender({ timeoutMs: 300 }).send(message()));
    expect(failure.kind).toBe("retryable");
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("maps a refused connection to retryable", async () => {
    const failure = await failureOf(sender({ apiBaseUrl: "http://127.0.0.1:9" }).send(message()));
    expect(failure.kind).toBe("retryable");
  });

  it("maps unsubscribed, not-a-mobile and unroutable numbers to unavailable", async () => {
    const sms = sender();
    for (const code of [21610, 21614, 21408, 21612]) {
      fake.fail({ status: 400, code });
      const failure = await failureOf(sms.send(message()));
      expect(failure.kind).toBe("unavailable");
      expect(failure.detail).toMatchObject({ status: 400, providerCode: code });
    }
  });

  it("maps an invalid number and other 4xx to permanent, without quoting the number", async () => {
    const sms = sender();
    fake.fail(
      { status: 400, code: 21211, message: `The 'To' number ${MOBILE} is not a valid phone number.` },
      { status: 400, code: 21617 },
      { status: 404, code: 20404 },
    );
    for (const code of [21211, 21617, 20404]) {
      const failure = await failureOf(sms.send(message()));
      expect(failure.kind).toBe("permanent");
      expect(failure.detail.providerCode).toBe(code);
      expect(failure.message).not.toContain(MOBILE);
    }
  });

  it("maps refused credentials (401) to permanent", async () => {
    fake.fail({ status: 401, code: 20003 });
    const failure = await failureOf(sender().send(message()));
    expect(failure.kind).toBe("permanent");
    expect(failure.detail).toMatchObject({ status: 401, providerCode: 20003 });
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-11-30T12:00:00Z");
  it("reads seconds and HTTP dates, and nothing else", () => {
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter(" 120 ", now)).toBe(120_000);
    expect(parseRetryAfter("Mon, 30 Nov 2026 12:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Mon, 30 Nov 2026 11:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter(["2"], now)).toBeUndefined();
  });
});
