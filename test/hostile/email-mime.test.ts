/**
 * Generated raw emails at the inbound route (with the right token, so every one is parsed): well
 * formed replies with hostile text, broken MIME structure, bad encodings, NUL bytes and invalid
 * UTF-8, forged authentication results, and plain garbage.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, it } from "vitest";
import { checkHostile } from "./budget.ts";
import { expectHandled, expectStillReady, INBOUND_TOKEN, startHostileService, STUDENT, type HostileService } from "./service.ts";

const line = fc.string({ unit: "binary", maxLength: 120 }).map((s) => s.replace(/\r?\n/g, " "));
const header = fc.oneof(
  fc.constantFrom(`From: Hana <${STUDENT.email}>`, "From: <>", "From: =?utf-8?B?////?= <x@y>", `Reply-To: ${STUDENT.email}`, "Subject: Re: checking in"),
  fc.constantFrom(
    "Content-Type: text/plain; charset=utf-8",
    "Content-Type: text/html",
    "Content-Type: multipart/alternative; boundary=b",
    "Content-Type: multipart/mixed",
  ),
  fc.constantFrom("Content-Transfer-Encoding: base64", "Content-Transfer-Encoding: quoted-printable", "Content-Transfer-Encoding: x-unknown"),
  fc.constantFrom(
    "Authentication-Results: mx.example.ac.uk; dmarc=pass header.from=student.example.ac.uk",
    "Authentication-Results: ; ;;; dkim=",
    "In-Reply-To: <nudge-1@example.ac.uk>",
  ),
  line.map((l) => `X-${l.slice(0, 10).replace(/[^A-Za-z]/g, "H") || "H"}: ${l}`),
);
const body = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 500 }),
  fc.string({ unit: "binary", maxLength: 500 }),
  fc.constantFrom("--b\r\nContent-Type: text/plain\r\n\r\nstop\r\n--b--", "--b\r\n\r\n", "=E2=80=\r\n=ZZ", "////AAAA====", "I want to end my life"),
);
const mime = fc.oneof(
  fc.tuple(fc.array(header, { maxLength: 8 }), body).map(([headers, text]) => Buffer.from(`${headers.join("\r\n")}\r\n\r\n${text}`, "utf8")),
  fc.uint8Array({ maxLength: 2_000 }).map((bytes) => Buffer.from(bytes)),
  fc
    .tuple(fc.array(header, { maxLength: 4 }), fc.uint8Array({ maxLength: 500 }))
    .map(([headers, bytes]) => Buffer.concat([Buffer.from(`${headers.join("\r\n")}\r\n\r\n`), Buffer.from(bytes)])),
);

describe("hostile inbound email", () => {
  let hostile: HostileService;
  beforeAll(async () => {
    hostile = await startHostileService();
  }, 60_000);
  afterAll(() => hostile?.stop());

  it("answers every raw message with recorded, not recorded or a 4xx, promptly", async () => {
    await checkHostile(
      "email MIME",
      "no 5xx, bounded time",
      mime,
      async (raw) => {
        const answer = await hostile.post("/api/email/inbound", raw, { "content-type": "message/rfc822", authorization: `Bearer ${INBOUND_TOKEN}` });
        expectHandled(answer, [200, 202, 400, 413]);
      },
      { ciBudget: 100, share: 0.5 },
    );
    await expectStillReady(hostile);
  });
});
