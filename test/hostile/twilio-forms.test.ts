/**
 * Generated Twilio webhooks, correctly signed (so every one passes the signature check and reaches
 * our parsing): inbound messages with any text, sender and extra fields, and status callbacks with
 * any status, error code and message id. Unsigned or mis-signed ones must all be refused.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkHostile } from "./budget.ts";
import { expectHandled, expectStillReady, startHostileService, STUDENT, type HostileService } from "./service.ts";

const ACCOUNT = `AC${"1".repeat(32)}`;
const text = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: "grapheme", maxLength: 400 }),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.constantFrom("STOP", "START", "HELP", "UNSTOP", "why", "pause for 2 weeks", "I can't cope", ""),
);
const sid = fc.oneof(fc.stringMatching(/^SM[0-9a-f]{32}$/), fc.string({ maxLength: 40 }));
// Twilio's field names are CamelCase words; a form with "constructor" or "__proto__" as a name is
// not Twilio's, and the signature check refuses it (its parser drops such names), which is right.
const extra = fc.dictionary(fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,19}$/), fc.string({ maxLength: 50 }), { maxKeys: 5 });

describe("hostile Twilio webhooks", () => {
  let hostile: HostileService;
  beforeAll(async () => {
    hostile = await startHostileService();
  }, 60_000);
  afterAll(() => hostile?.stop());

  const send = (path: string, fields: Record<string, string>, signature?: string) =>
    hostile.post(path, new URLSearchParams(fields), {
      "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": signature ?? hostile.twilioSignature(path, fields),
    });

  it("answers every signed inbound message with TwiML or a 400, promptly", async () => {
    await checkHostile(
      "Twilio forms",
      "signed inbound: no 5xx, bounded time",
      fc.record({ body: text, from: fc.oneof(fc.constant(STUDENT.mobile), fc.string({ maxLength: 20 })), sid, extra }),
      async ({ body, from, sid: messageSid, extra: more }) => {
        const fields = { ...more, MessageSid: messageSid, SmsSid: messageSid, AccountSid: ACCOUNT, From: from, To: "+447700900999", Body: body, NumMedia: "0" };
        const answer = await send("/api/sms/inbound", fields);
        expectHandled(answer, [200, 400]);
        if (answer.status === 200) expect(answer.text).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?><Response/);
      },
      { ciBudget: 100, share: 0.5 },
    );
    await expectStillReady(hostile);
  });

  it("answers every signed status callback without a 5xx", async () => {
    await checkHostile(
      "Twilio forms",
      "signed status: no 5xx, bounded time",
      fc.record({
        sid,
        status: fc.oneof(fc.constantFrom("queued", "sent", "delivered", "undelivered", "failed", "read"), fc.string({ maxLength: 20 })),
        code: fc.option(fc.string({ maxLength: 8 })),
        extra,
      }),
      async ({ sid: messageSid, status, code, extra: more }) => {
        const fields = { ...more, MessageSid: messageSid, MessageStatus: status, AccountSid: ACCOUNT, ...(code === null ? {} : { ErrorCode: code }) };
        expectHandled(await send("/api/sms/status", fields), [200, 204, 400]);
      },
      { ciBudget: 100, share: 0.5 },
    );
    await expectStillReady(hostile);
  });

  it("refuses every form whose signature is not Twilio's, and records nothing from it", async () => {
    const before = await hostile.service.db.prisma.reply.count();
    await checkHostile(
      "Twilio forms",
      "forged signatures refused",
      fc.record({ body: text, signature: fc.string({ maxLength: 60 }) }),
      async ({ body, signature }) => {
        const fields = { MessageSid: `SM${"f".repeat(32)}`, AccountSid: ACCOUNT, From: STUDENT.mobile, To: "+447700900999", Body: body };
        expectHandled(await send("/api/sms/inbound", fields, signature), [403]);
      },
      { ciBudget: 100, share: 0.3 },
    );
    expect(await hostile.service.db.prisma.reply.count()).toBe(before);
  });
});
