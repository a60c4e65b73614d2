import { createServer, type AddressInfo, type Server } from "node:net";
import type { ParsedMail } from "mailparser";
import { TestSmtpServer } from "../helpers/smtp-sink.ts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { classifySmtpError, createEmailSender, DEFAULT_SUBJECT, type EmailSenderSettings } from "../../channels/email-sender.ts";
import { ChannelFailure, type ChannelSender, type OutboundMessage } from "../../delivery/ports.ts";
import { readUnsubscribeToken } from "../../channels/unsubscribe-links.ts";

const SECRET = "a-link-secret-of-at-least-32-characters";
const STUDENT_EMAIL = "ada.lovelace@student.example.ac.uk";

/** A plain TCP server: `silent` accepts and never says a word; otherwise it hangs up at once. */
async function tcpServer(behaviour: "silent" | "hang-up"): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<import("node:net").Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    if (behaviour === "hang-up") socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function message(overrides: Partial<OutboundMessage> = {}, student: Partial<OutboundMessage["recipient"]> = {}): OutboundMessage {
  return {
    deliveryId: 31,
    interventionId: 12,
    recipient: { id: 4711, studentNumber: "S0001", email: STUDENT_EMAIL, ...student },
    subject: "Checking in about LA101",
    text: "Hi Ada,\n\nWe noticed you have not logged in to the [module page](https://vle.example.ac.uk/course/view.php?id=9&section=2) this week.\n\nBest wishes,\nYour personal tutor",
    ...overrides,
  };
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

/** Header lines as sent (mailparser folds List-* headers into one structured value). */
function headerLine(mail: ParsedMail, name: string): string | undefined {
  const line = mail.headerLines.find((h) => h.key === name.toLowerCase())?.line;
  return line?.replace(/\r?\n[ \t]+/g, " ").replace(/^[^:]+:\s*/, "");
}

describe("the email sender against a real SMTP server", () => {
  const smtp = new TestSmtpServer();
  const senders: ChannelSender[] = [];
  const sender = (overrides: Partial<EmailSenderSettings> = {}) => {
    const created = createEmailSender({
      host: "127.0.0.1",
      port: smtp.port,
      secure: false,
      ignoreTLS: true,
      from: "Student Success <nudge@example.ac.uk>",
      publicBaseUrl: "https://nudge.example.ac.uk/",
      linkSecret: SECRET,
      timeoutMs: 2_000,
      ...overrides,
    });
    senders.push(created);
    return created;
  };

  beforeAll(async () => {
    await smtp.start();
  });
  afterEach(async () => {
    for (const s of senders.splice(0)) await s.close?.();
    smtp.received.length = 0;
    smtp.connections = 0;
    smtp.rcptReply = null;
  });
  afterAll(async () => {
    await smtp.stop();
  });

  it("sends both parts from the one text, with Reply-To, our Message-ID and one-click unsubscribe headers", async () => {
    const email = sender({ replyTo: "Student Success replies <replies@example.ac.uk>" });
    expect(email.channel).toBe("email");
    const result = await email.send(message());

    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail!.rcptTo).toEqual([STUDENT_EMAIL]);
    expect(mail!.mailFrom).toBe("nudge@example.ac.uk");
    const parsed = mail!.parsed;
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0]?.address : undefined).toBe(STUDENT_EMAIL);
    expect(parsed.from?.value[0]).toEqual({ name: "Student Success", address: "nudge@example.ac.uk" });
    expect(parsed.replyTo?.value[0]?.address).toBe("replies@example.ac.uk");
    expect(parsed.subject).toBe("Checking in about LA101");

    // Our Message-ID, returned as the provider id so a reply's In-Reply-To finds the delivery.
    expect(result.providerMessageId).toMatch(/^<nudge\.d31\.[0-9a-f]{16}@example\.ac\.uk>$/);
    expect(parsed.messageId).toBe(result.providerMessageId);

    // Both parts say the same thing: the text as written, the HTML rendered from it.
    expect(parsed.text).toContain(
      "We noticed you have not logged in to the [module page](https://vle.example.ac.uk/course/view.php?id=9&section=2) this week.",
    );
    expect(parsed.text).toContain("Best wishes,\nYour personal tutor");
    const html = parsed.html as string;
    expect(html).toContain('<a href="https://vle.example.ac.uk/course/view.php?id=9&amp;section=2" style="color:#0b57d0">module page</a>');
    expect(html).toContain("<p>Hi Ada,</p>");
    expect(html).toContain("Best wishes,<br>Your personal tutor");

    // RFC 8058: the link, and the header that makes it one-click; the token names this student.
    const listUnsubscribe = headerLine(parsed, "List-Unsubscribe");
    const url = /^<(https:\/\/nudge\.example\.ac\.uk\/api\/email\/unsubscribe\?t=[^>]+)>$/.exec(listUnsubscribe ?? "")?.[1];
    expect(url, `List-Unsubscribe was ${listUnsubscribe}`).toBeDefined();
    expect(readUnsubscribeToken(SECRET, new URL(url!).searchParams.get("t"))).toBe(4711);
    expect(headerLine(parsed, "List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");

    // The same footer in both parts: the reply line and the same unsubscribe link.
    expect(parsed.text).toContain("You can reply to this email");
    expect(parsed.text).toContain(`Unsubscribe from these emails: ${url}`);
    expect(html).toContain("You can reply to this email");
    expect(html).toContain(`href="${url}"`);
  });

  it("uses the From address as Reply-To when none is set, and a default subject", async () => {
    await sender().send(message({ subject: undefined }));
    const parsed = smtp.received[0]!.parsed;
    expect(parsed.replyTo?.value[0]?.address).toBe("nudge@example.ac.uk");
    expect(parsed.subject).toBe(DEFAULT_SUBJECT);
  });

  it("escapes markup that came in through a template value", async () => {
    const text =
      "Hi <script>alert('x')</script> Ada <img src=x onerror=alert(1)>,\n\n<a href=\"https://evil.example\">click</a> or [this](javascript:alert(1))";
    await sender().send(message({ text }));
    const parsed = smtp.received[0]!.parsed;
    const html = parsed.html as string;
    // No element from the text: the tags arrive as visible text, the unsafe link as its words.
    expect(html).not.toMatch(/<(script|img)\b|<a href="https:\/\/evil|href="javascript:/i);
    expect(html).toContain("&lt;script&gt;alert('x')&lt;/script&gt;");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain("&lt;a href=&quot;https://evil.example&quot;&gt;click&lt;/a&gt; or this</p>");
    // The plain-text part is plain: the value appears as written.
    expect(parsed.text).toContain("Hi <script>alert('x')</script> Ada");
  });

  it("keeps one pooled connection for several messages", async () => {
    const email = sender();
    for (const deliveryId of [1, 2, 3]) await email.send(message({ deliveryId }));
    expect(smtp.received).toHaveLength(3);
    expect(smtp.connections).toBe(1);
    const ids = smtp.received.map((m) => m.parsed.messageId);
    expect(new Set(ids).size).toBe(3);
  });

  it("reports a recipient refused with 550 as unavailable (a bounce), without the address", async () => {
    smtp.rcptReply = { code: 550, text: `5.1.1 <${STUDENT_EMAIL}>: Recipient address rejected: User unknown` };
    const failure = await failureOf(sender().send(message()));
    expect(failure.kind).toBe("unavailable");
    expect(failure.detail.status).toBe(550);
    expect(failure.message).not.toContain(STUDENT_EMAIL);
    expect(smtp.received).toHaveLength(0);
  });

  it("reports 451 (try again later) as retryable", async () => {
    smtp.rcptReply = { code: 451, text: "4.7.1 Greylisted, try again later" };
    const failure = await failureOf(sender().send(message()));
    expect(failure.kind).toBe("retryable");
    expect(failure.detail.status).toBe(451);
  });

  it("reports a server that is not there as retryable", async () => {
    const closed = await tcpServer("hang-up");
    await closed.close();
    const failure = await failureOf(sender({ port: closed.port }).send(message()));
    expect(failure.kind).toBe("retryable");
  });

  it("reports a server that hangs up as retryable", async () => {
    const rude = await tcpServer("hang-up");
    try {
      const failure = await failureOf(sender({ port: rude.port }).send(message()));
      expect(failure.kind).toBe("retryable");
    } finally {
      await rude.close();
    }
  });

  it("gives up on a server that never answers within the configured timeout, as retryable", async () => {
    const silent = await tcpServer("silent");
    try {
      const started = Date.now();
      const failure = await failureOf(sender({ port: silent.port, timeoutMs: 300 }).send(message()));
      const elapsed = Date.now() - started;
      expect(failure.kind).toBe("retryable");
      expect(failure.detail.providerCode).toBe("ETIMEDOUT");
      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(3_000);
    } finally {
      await silent.close();
    }
  });

  it("refuses a student without an email address without connecting", async () => {
    const email = sender();
    for (const address of [null, undefined, "", "  "]) {
      const failure = await failureOf(email.send(message({}, { email: address })));
      expect(failure.kind).toBe("unavailable");
    }
    expect(smtp.connections).toBe(0);
  });
});

describe("classifySmtpError", () => {
  const smtpError = (props: Record<string, unknown>) => Object.assign(new Error("refused"), props);

  it("maps SMTP replies and connection errors to failure kinds", () => {
    expect(classifySmtpError(smtpError({ code: "EENVELOPE", responseCode: 550, command: "RCPT TO", rejected: ["a@b.example"] })).kind).toBe("unavailable");
    expect(classifySmtpError(smtpError({ code: "EENVELOPE", responseCode: 553, rejected: ["a@b.example"] })).kind).toBe("unavailable");
    for (const responseCode of [421, 450, 451, 452])
      expect(classifySmtpError(smtpError({ code: "EENVELOPE", responseCode, command: "RCPT TO" })).kind).toBe("retryable");
    // The message itself refused (too large, content) will be refused again: permanent.
    expect(classifySmtpError(smtpError({ code: "EMESSAGE", responseCode: 554, command: "DATA" })).kind).toBe("permanent");
    expect(classifySmtpError(smtpError({ code: "EAUTH", responseCode: 535, command: "AUTH PLAIN" })).kind).toBe("permanent");
    expect(classifySmtpError(smtpError({ code: "EPROTOCOL", responseCode: 503 })).kind).toBe("retryable");
    for (const code of ["ECONNECTION", "ETIMEDOUT", "ESOCKET", "EDNS"]) expect(classifySmtpError(smtpError({ code })).kind).toBe("retryable");
    expect(classifySmtpError(smtpError({ code: "ESOCKET", originalCode: "ECONNREFUSED" })).kind).toBe("retryable");
    expect(classifySmtpError(smtpError({ code: "ETLS" })).kind).toBe("permanent");
    expect(classifySmtpError(new Error("something else")).kind).toBe("permanent");
  });
});
