import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import restify from "restify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { unsubscribeToken, unsubscribeUrl } from "../../channels/unsubscribe-links.ts";
import { registerEmailRoutes, type EmailReply } from "../../server/email-routes.ts";
import { createLogger } from "../../core/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";
import { createApp } from "../../app/index.ts";

const SECRET = "a-link-secret-of-at-least-32-characters";
const INBOUND_TOKEN = "inbound-token-for-the-mail-system";
const ADA_EMAIL = "Ada.Lovelace@Student.Example.ac.uk";
const OUR_MESSAGE_ID = "<nudge.d1.00112233aabbccdd@example.ac.uk>";
/** The university's receiving mail system, whose Authentication-Results the service trusts. */
const MX = "mx.example.ac.uk";

const crlf = (lines: string[]) => lines.join("\r\n");

function replyEmail(
  from: string,
  headers: string[] = [],
  body = "Yes please, Thursday works for me.\r\n\r\nOn Mon, 2 Nov 2026, Student Success wrote:\r\n> Hi Ada",
): string {
  return crlf([
    `From: ${from}`,
    "To: nudge@example.ac.uk",
    "Subject: Re: Checking in",
    "Message-ID: <reply-1@mail.example.com>",
    ...headers,
    "Content-Type: text/plain; charset=utf-8",
    "",
    body,
    "",
  ]);
}

interface Started {
  base: string;
  replies: EmailReply[];
  bounces: string[][];
  logs: string[];
  close: () => Promise<void>;
}

describe.each(databaseKindsUnderTest())("email routes on %s", (kind) => {
  const database = useMigratedDatabase(kind);
  let ada: { id: number; studentNumber: string };
  let grace: { id: number };
  let app: Started;
  let unconfigured: Started;

  /** The service's server set-up (body parser as in http.ts) with only the email routes. */
  async function start(inboundToken: string | undefined): Promise<Started> {
    const replies: EmailReply[] = [];
    const bounces: string[][] = [];
    const logs: string[] = [];
    const server = restify.createServer({ name: "nudge", handleUncaughtExceptions: false });
    server.use(restify.plugins.bodyParser({ mapParams: false, maxBodySize: 1024 * 1024 }));
    const logStream = new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    });
    registerEmailRoutes(server, {
      app: createApp(database.db),
      logger: createLogger("info", logStream),
      linkSecret: SECRET,
      inboundToken,
      trustedAuthservId: MX,
      onReply: async (message) => {
        replies.push(message);
      },
      // The real outbox: a bounce counts only for our own sent emails.
      onBounce: async (ids) => {
        bounces.push(ids);
        return createApp(database.db).delivery.recordBounces(ids);
      },
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { base, replies, bounces, logs, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  const auditRows = (studentId: number) => database.db.prisma.auditLog.findMany({ where: { studentId, action: { startsWith: "channel." } } });
  const optedOutAt = async (studentId: number) => (await database.db.prisma.student.findUniqueOrThrow({ where: { id: studentId } })).emailOptOutAt;
  const postInbound = (body: string | Buffer, headers: Record<string, string> = {}, target = app) =>
    fetch(`${target.base}/api/email/inbound`, {
      method: "POST",
      body,
      headers: { "content-type": "message/rfc822", authorization: `Bearer ${INBOUND_TOKEN}`, ...headers },
    });

  beforeAll(async () => {
    const { prisma } = database.db;
    ada = await prisma.student.create({ data: { studentNumber: "S3001", givenName: "Ada", email: ADA_EMAIL } });
    grace = await prisma.student.create({ data: { studentNumber: "S3002", givenName: "Grace", email: "grace@student.example.ac.uk" } });
    app = await start(INBOUND_TOKEN);
    unconfigured = await start(undefined);
  });
  afterEach(() => {
    for (const started of [app, unconfigured]) {
      started.replies.length = 0;
      started.bounces.length = 0;
    }
  });
  afterAll(async () => {
    await app?.close();
    await unconfigured?.close();
  });

  describe("unsubscribe", () => {
    const link = (studentId: number) => unsubscribeUrl(app.base, SECRET, studentId);

    it("GET shows a page with the button and changes nothing (mail scanners follow links)", async () => {
      const response = await fetch(link(grace.id));
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(response.headers.get("referrer-policy")).toBe("no-referrer");
      const html = await response.text();
      expect(html).toMatch(/<form method="post">[\s\S]*<button type="submit"[^>]*>Unsubscribe from Nudge emails<\/button>/);
      expect(html).toContain('name="List-Unsubscribe" value="One-Click"');
      expect(await optedOutAt(grace.id)).toBeNull();
      expect(await auditRows(grace.id)).toHaveLength(0);
    });

    it("GET with a missing, malformed or forged token answers 400", async () => {
      const forged = unsubscribeToken("another-secret-of-at-least-32-characters", grace.id);
      const adaSignatureOnGrace = unsubscribeToken(SECRET, ada.id).replace(/^\d+/, String(grace.id));
      for (const query of ["", "?t=", "?t=garbage", `?t=${forged}`, `?t=${adaSignatureOnGrace}`]) {
        const response = await fetch(`${app.base}/api/email/unsubscribe${query}`);
        expect(response.status, query).toBe(400);
        expect(await response.text()).toContain("This link is not valid");
      }
    });

    it("POST with a forged token answers 400 and records nothing", async () => {
      const forged = unsubscribeToken("another-secret-of-at-least-32-characters", grace.id);
      const response = await fetch(`${app.base}/api/email/unsubscribe?t=${forged}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "List-Unsubscribe=One-Click",
      });
      expect(response.status).toBe(400);
      expect(await optedOutAt(grace.id)).toBeNull();
      expect(await auditRows(grace.id)).toHaveLength(0);
    });

    it("POST for a student who does not exist looks exactly like a forged link, and records nothing", async () => {
      const before = await database.db.prisma.auditLog.count();
      const post = (url: string) =>
        fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" });
      const unknown = await post(link(987654));
      const forged = await post(`${link(grace.id).slice(0, -4)}AAAA`);
      expect(unknown.status).toBe(400);
      expect(forged.status).toBe(400);
      expect(await unknown.text()).toBe(await forged.text());
      expect(await database.db.prisma.auditLog.count()).toBe(before);
    });

    it("POST one-click (RFC 8058) opts the student out of email, audited, and says how to opt back in", async () => {
      const response = await fetch(link(ada.id), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "List-Unsubscribe=One-Click",
      });
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toContain("You have been unsubscribed");
      expect(html).toContain("contact the Student Centre");
      expect(await optedOutAt(ada.id)).toBeInstanceOf(Date);
      const rows = await auditRows(ada.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        action: "channel.opt_out",
        actorKind: "student",
        actorId: "S3001",
        targetType: "channel",
        targetId: "email",
        details: { source: "email-one-click" },
      });

      // Mail clients may send it twice: the same answer, nothing recorded again.
      const again = await fetch(link(ada.id), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "List-Unsubscribe=One-Click",
      });
      expect(again.status).toBe(200);
      expect(await auditRows(ada.id)).toHaveLength(1);
      await database.db.prisma.student.update({ where: { id: ada.id }, data: { emailOptOutAt: null } });
    });
  });

  describe("inbound email", () => {
    it("answers 503 with the reason when no token is configured", async () => {
      const response = await postInbound(replyEmail(ADA_EMAIL), {}, unconfigured);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ error: expect.stringContaining("NUDGE_EMAIL_INBOUND_TOKEN") });
      expect(unconfigured.replies).toHaveLength(0);
    });

    it("refuses a wrong or missing token with 401 and records nothing", async () => {
      for (const authorization of ["Bearer not-the-token", `Basic ${Buffer.from(`x:${INBOUND_TOKEN}`).toString("base64")}`, ""]) {
        const response = await postInbound(replyEmail(ADA_EMAIL), { authorization });
        expect(response.status, authorization).toBe(401);
        expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
      }
      expect(app.replies).toHaveLength(0);
    });

    it("matches a reply to our email through In-Reply-To, whatever address it comes from", async () => {
      const { prisma } = database.db;
      const intervention = await prisma.intervention.create({
        data: { studentId: grace.id, kind: "nudge", state: "sent", body: "Hi Grace", proposedBy: "rule:1@1" },
      });
      await prisma.delivery.create({
        data: { interventionId: intervention.id, channel: "email", state: "sent", dueAt: new Date(), providerMessageId: OUR_MESSAGE_ID },
      });

      const response = await postInbound(
        replyEmail("Grace Hopper <grace.personal@mail.example.com>", [`In-Reply-To: ${OUR_MESSAGE_ID}`, `References: ${OUR_MESSAGE_ID}`]),
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ recorded: true, kind: "reply" });
      expect(app.replies).toEqual([
        {
          studentId: grace.id,
          channel: "email",
          text: "Yes please, Thursday works for me.",
          providerMessageId: "<reply-1@mail.example.com>",
          receivedAt: expect.any(Date),
          interventionId: intervention.id,
          // It names a Message-ID only the recipient of our email can know.
          verified: true,
        },
      ]);
    });

    it("finds the student by From address, ignoring case, when the reply names none of our emails", async () => {
      const response = await postInbound(replyEmail("ADA.LOVELACE@student.example.AC.UK", ["In-Reply-To: <somebody-else@example.com>"]));
      expect(response.status).toBe(200);
      expect(app.replies).toHaveLength(1);
      expect(app.replies[0]).toMatchObject({ studentId: ada.id, channel: "email", text: "Yes please, Thursday works for me." });
      expect(app.replies[0]!.interventionId).toBeUndefined();
      // Anyone can write a From: by itself it proves nothing.
      expect(app.replies[0]!.verified).toBe(false);
    });

    it("takes the sender as proven when the university's mail system says DMARC passed for the From domain", async () => {
      const vouched = `Authentication-Results: ${MX};\r\n dkim=pass header.d=student.example.ac.uk;\r\n spf=pass smtp.mailfrom=student.example.ac.uk;\r\n dmarc=pass (p=reject dis=none) header.from=student.example.ac.uk`;
      await postInbound(replyEmail(ADA_EMAIL, [vouched]));
      expect(app.replies.at(-1)).toMatchObject({ studentId: ada.id, verified: true });
    });

    it.each([
      [
        "another system's header (a sender can write any header into their own mail)",
        `Authentication-Results: mx.attacker.example; dmarc=pass header.from=student.example.ac.uk`,
      ],
      ["DMARC failing", `Authentication-Results: ${MX}; dmarc=fail header.from=student.example.ac.uk`],
      ["DMARC passing for another domain", `Authentication-Results: ${MX}; dmarc=pass header.from=attacker.example`],
      [
        "a pass hidden in a comment",
        `Authentication-Results: ${MX}; dmarc=fail (dmarc=pass header.from=student.example.ac.uk) header.from=student.example.ac.uk`,
      ],
      [
        "a forged header below the system's own",
        `Authentication-Results: ${MX}; dmarc=none header.from=student.example.ac.uk\r\nAuthentication-Results: ${MX}; dmarc=pass header.from=student.example.ac.uk`,
      ],
    ])("does not take the sender as proven with %s", async (_what, header) => {
      await postInbound(replyEmail(ADA_EMAIL, [header]));
      expect(app.replies.at(-1)).toMatchObject({ studentId: ada.id, verified: false });
    });

    it("answers 202 and records nothing for an unknown sender, without the address in the logs", async () => {
      const stranger = "stranger@elsewhere.example.com";
      const response = await postInbound(replyEmail(stranger));
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({ recorded: false, reason: expect.stringContaining("not a known student") });
      expect(app.replies).toHaveLength(0);
      expect(await database.db.prisma.reply.count()).toBe(0);
      expect(app.logs.join("")).toContain("inbound email not recorded");
      expect(app.logs.join("").toLowerCase()).not.toMatch(/stranger@|ada\.lovelace@|grace\.personal@/);
    });

    it("does not record out-of-office answers", async () => {
      const response = await postInbound(replyEmail(ADA_EMAIL, ["Auto-Submitted: auto-replied"]));
      expect(response.status).toBe(202);
      expect(((await response.json()) as { reason: string }).reason).toMatch(/automatic/);
      expect(app.replies).toHaveLength(0);
    });

    it("takes the raw bytes as posted: an 8-bit latin-1 message sent as text/plain keeps its accents", async () => {
      const raw = Buffer.concat([
        Buffer.from(crlf([`From: ${ADA_EMAIL}`, "Subject: Re: hi", "Content-Type: text/plain; charset=iso-8859-1", "Content-Transfer-Encoding: 8bit", "", ""])),
        Buffer.from("Merci, à jeudi au café.\r\n", "latin1"),
      ]);
      const response = await postInbound(raw, { "content-type": "text/plain" });
      expect(response.status).toBe(200);
      expect(app.replies[0]?.text).toBe("Merci, à jeudi au café.");
    });

    it("passes a bounce's original Message-IDs on", async () => {
      const dsn = crlf([
        "From: MAILER-DAEMON@mx.example.ac.uk",
        "To: nudge@example.ac.uk",
        "Subject: Undelivered Mail Returned to Sender",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B1"',
        "",
        "--B1",
        "Content-Type: text/plain",
        "",
        "Your message could not be delivered.",
        "--B1",
        "Content-Type: message/delivery-status",
        "",
        "Reporting-MTA: dns; mx.example.ac.uk",
        "",
        "Final-Recipient: rfc822; gone@student.example.ac.uk",
        "Action: failed",
        "Status: 5.1.1",
        "",
        "--B1",
        "Content-Type: text/rfc822-headers",
        "",
        `Message-ID: ${OUR_MESSAGE_ID}`,
        "",
        "--B1--",
        "",
      ]);
      const response = await postInbound(dsn);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ recorded: true, kind: "bounce", messages: 1 });
      expect(app.bounces).toEqual([[OUR_MESSAGE_ID]]);
      expect(app.replies).toHaveLength(0);
      // The same bounce again, or one naming a Message-ID we never sent, records nothing and says so.
      const again = await postInbound(dsn);
      expect(again.status).toBe(202);
      expect(await again.json()).toEqual({ recorded: false, reason: "the bounce names none of our sent emails" });
      const forged = await postInbound(dsn.replace(OUR_MESSAGE_ID, "<made-up@elsewhere.example>"));
      expect(forged.status).toBe(202);
    });

    it("answers 400 with the reason for a body that is not an email", async () => {
      const response = await postInbound("hello, this is not an email");
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: expect.stringContaining("no header fields") });
    });

    it("answers 415 for other content types and 413 above 1 MB", async () => {
      const json = await postInbound(JSON.stringify({ from: ADA_EMAIL }), { "content-type": "application/json" });
      expect(json.status).toBe(415);
      const huge = await postInbound(replyEmail(ADA_EMAIL, [], "x".repeat(1024 * 1024 + 10)));
      expect(huge.status).toBe(413);
      expect(app.replies).toHaveLength(0);
    });
  });
});
