import { describe, expect, it } from "vitest";
import { InboundEmailError, newText, parseInboundEmail } from "../../channels/email-inbound.ts";

const crlf = (lines: string[]) => lines.join("\r\n");

const GMAIL_REPLY = crlf([
  "From: Ada Lovelace <Ada.Lovelace@Student.Example.ac.uk>",
  "To: Student Success <nudge@example.ac.uk>",
  "Subject: Re: Checking in about LA101",
  "Message-ID: <CAB9x7=reply@mail.gmail.com>",
  "In-Reply-To: <nudge.d7.0a1b2c3d4e5f6071@example.ac.uk>",
  "References: <nudge.d3.1111111111111111@example.ac.uk>",
  " <nudge.d7.0a1b2c3d4e5f6071@example.ac.uk>",
  "Date: Mon, 2 Nov 2026 10:00:00 +0000",
  "MIME-Version: 1.0",
  "Content-Type: text/plain; charset=UTF-8",
  "",
  "Thanks, I'd like to talk to someone.",
  "Is Thursday OK?",
  "",
  "On Mon, 2 Nov 2026 at 09:00, Student Success <nudge@example.ac.uk>",
  "wrote:",
  "",
  "> Hi Ada,",
  ">",
  "> We noticed you have not logged in this week.",
  "> --",
  "> You can reply to this email if you have a question or would like to talk.",
  "",
]);

const DSN = crlf([
  "From: MAILER-DAEMON@mx.example.ac.uk (Mail Delivery System)",
  "To: nudge@example.ac.uk",
  "Subject: Undelivered Mail Returned to Sender",
  "Auto-Submitted: auto-replied",
  "MIME-Version: 1.0",
  'Content-Type: multipart/report; report-type=delivery-status; boundary="B1"',
  "Message-Id: <20261102100001.ABC@mx.example.ac.uk>",
  "",
  "--B1",
  "Content-Type: text/plain; charset=us-ascii",
  "",
  "I'm sorry to have to inform you that your message could not",
  "be delivered to one or more recipients.",
  "",
  "--B1",
  "Content-Type: message/delivery-status",
  "",
  "Reporting-MTA: dns; mx.example.ac.uk",
  "",
  "Final-Recipient: rfc822; Gone@student.example.ac.uk",
  "Action: failed",
  "Status: 5.1.1",
  "Diagnostic-Code: smtp; 550 5.1.1 <gone@student.example.ac.uk>: User unknown",
  "",
  "--B1",
  "Content-Type: text/rfc822-headers",
  "",
  "From: Student Success <nudge@example.ac.uk>",
  "To: gone@student.example.ac.uk",
  "Subject: Checking in",
  "Message-ID:",
  " <nudge.d9.ffee000011112222@example.ac.uk>",
  "",
  "--B1--",
  "",
]);

describe("parseInboundEmail: replies", () => {
  it("reads the sender, the ids it answers and only the new text", async () => {
    const email = await parseInboundEmail(Buffer.from(GMAIL_REPLY));
    expect(email).toEqual({
      kind: "reply",
      from: "ada.lovelace@student.example.ac.uk",
      messageId: "<CAB9x7=reply@mail.gmail.com>",
      // In-Reply-To first, then References from the most recent: the form the sender returns.
      inReplyTo: ["<nudge.d7.0a1b2c3d4e5f6071@example.ac.uk>", "<nudge.d3.1111111111111111@example.ac.uk>"],
      text: "Thanks, I'd like to talk to someone.\nIs Thursday OK?",
      automatic: false,
      authenticationResults: [],
    });
  });

  it("keeps the Authentication-Results headers, unfolded, the receiving system's first", async () => {
    const raw = `Authentication-Results: mx.example.ac.uk;\r\n dkim=pass header.d=student.example.ac.uk;\r\n dmarc=pass header.from=student.example.ac.uk\r\nAuthentication-Results: relay.elsewhere.example; spf=none\r\n${GMAIL_REPLY}`;
    const email = await parseInboundEmail(raw);
    expect(email.kind === "reply" && email.authenticationResults).toEqual([
      "mx.example.ac.uk; dkim=pass header.d=student.example.ac.uk; dmarc=pass header.from=student.example.ac.uk",
      "relay.elsewhere.example; spf=none",
    ]);
  });

  it("takes ids written without angle brackets in the same form", async () => {
    const raw = GMAIL_REPLY.replace("In-Reply-To: <nudge.d7.0a1b2c3d4e5f6071@example.ac.uk>", "In-Reply-To: nudge.d8.abc@example.ac.uk");
    const email = await parseInboundEmail(raw);
    expect(email.kind === "reply" && email.inReplyTo[0]).toBe("<nudge.d8.abc@example.ac.uk>");
  });

  it("reads an HTML-only Outlook reply in another charset, without the quoted original", async () => {
    const raw = crlf([
      "From: ada@student.example.ac.uk",
      "To: nudge@example.ac.uk",
      "Subject: RE: Checking in",
      "Message-ID: <AM0PR01MB@eurprd01.prod.outlook.com>",
      "In-Reply-To: <nudge.d7.0a1b2c3d4e5f6071@example.ac.uk>",
      "Content-Type: text/html; charset=iso-8859-1",
      "Content-Transfer-Encoding: quoted-printable",
      "",
      "<html><body><div>Yes please, the caf=E9 at 3?</div><div><br></div><div>Ada</div>",
      '<hr style=3D"display:inline-block;width:98%"><div id=3D"divRplyFwdMsg"><b>From:</b> Student Success &lt;nudge@example.ac.uk&gt;<br>',
      "<b>Sent:</b> 02 November 2026 09:00<br><b>To:</b> Ada<br><b>Subject:</b> Checking in</div>",
      "<div>Hi Ada, we noticed you have not logged in this week.</div></body></html>",
      "",
    ]);
    const email = await parseInboundEmail(raw);
    expect(email.kind).toBe("reply");
    expect(email.kind === "reply" && email.text).toBe("Yes please, the café at 3?\n\nAda");
  });

  it("marks out-of-office answers as automatic", async () => {
    const raw = GMAIL_REPLY.replace("MIME-Version: 1.0", "MIME-Version: 1.0\r\nAuto-Submitted: auto-replied");
    const email = await parseInboundEmail(raw);
    expect(email.kind === "reply" && email.automatic).toBe(true);
  });

  it("refuses input that is not an email, saying what is wrong", async () => {
    await expect(parseInboundEmail("")).rejects.toThrow(new InboundEmailError("the message is empty"));
    await expect(parseInboundEmail("just some words\nand more words")).rejects.toThrow(/no header fields/);
    await expect(parseInboundEmail(crlf(["Subject: hello", "", "body"]))).rejects.toThrow(/no From address/);
    await expect(parseInboundEmail(Buffer.from([0, 1, 2, 255]))).rejects.toBeInstanceOf(InboundEmailError);
  });
});

describe("newText", () => {
  it("drops quoted lines, the signature and Outlook's original-message block", () => {
    expect(newText("Yes.\n> quoted\nThanks\n\n-- \nAda Lovelace\nBSc Mathematics")).toBe("Yes.\nThanks");
    expect(newText("Fine by me\r\n\r\n-----Original Message-----\r\nFrom: Nudge\r\nHello")).toBe("Fine by me");
    expect(newText("See you then\n________________________________\nFrom: Student Success <nudge@example.ac.uk>\nSent: Monday\nHi")).toBe("See you then");
    expect(newText("On Thursday I can come in.\nIs that OK?")).toBe("On Thursday I can come in.\nIs that OK?");
  });
});

describe("parseInboundEmail: bounces", () => {
  it("reads a delivery status notification: the original Message-ID, recipient, status and action", async () => {
    const email = await parseInboundEmail(DSN);
    expect(email).toEqual({
      kind: "bounce",
      originalMessageIds: ["<nudge.d9.ffee000011112222@example.ac.uk>"],
      recipient: "gone@student.example.ac.uk",
      status: "5.1.1",
      action: "failed",
    });
  });

  it("finds the original Message-ID in a returned message/rfc822 part", async () => {
    const raw = DSN.replace("Content-Type: text/rfc822-headers", "Content-Type: message/rfc822").replace(
      " <nudge.d9.ffee000011112222@example.ac.uk>\r\n",
      " <nudge.d9.ffee000011112222@example.ac.uk>\r\nContent-Type: text/plain\r\n\r\nHi,\r\nMessage-ID: <not-a-header@example.ac.uk>\r\n",
    );
    const email = await parseInboundEmail(raw);
    expect(email.kind === "bounce" && email.originalMessageIds).toEqual(["<nudge.d9.ffee000011112222@example.ac.uk>"]);
  });

  it("reports a delayed notice with its action, so it is not taken for a bounce", async () => {
    const email = await parseInboundEmail(DSN.replace("Action: failed", "Action: delayed").replace("Status: 5.1.1", "Status: 4.4.1"));
    expect(email).toMatchObject({ kind: "bounce", action: "delayed", status: "4.4.1" });
  });

  it("reads a plain bounce from a postmaster that quotes the original headers in its text", async () => {
    const raw = crlf([
      "From: postmaster@student.example.ac.uk",
      "To: nudge@example.ac.uk",
      "Subject: Delivery has failed",
      "Content-Type: text/plain",
      "",
      "Your message could not be delivered.",
      "",
      "------ Original message headers ------",
      "From: nudge@example.ac.uk",
      "Message-ID: <nudge.d12.abcdefabcdefabcd@example.ac.uk>",
      "",
    ]);
    const email = await parseInboundEmail(raw);
    expect(email).toMatchObject({ kind: "bounce", originalMessageIds: ["<nudge.d12.abcdefabcdefabcd@example.ac.uk>"] });
    expect(email.kind === "bounce" && email.action).toBeUndefined();
  });
});
