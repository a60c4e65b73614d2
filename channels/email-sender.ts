/**
 * The email sender: one message to one student over SMTP, through a pool of connections. The
 * Message-ID is ours, so a reply's In-Reply-To finds the delivery it answers; each message carries
 * a signed one-click unsubscribe link (RFC 8058) in its headers and its footer.
 */
import { randomBytes } from "node:crypto";
import nodemailer, { type NodemailerError } from "nodemailer";
import addressparser from "nodemailer/lib/addressparser";
import { renderEmailContent } from "./email-content.ts";
import { ChannelFailure, PROVIDER_TIMEOUT_MS, type ChannelSender, type OutboundMessage, type SendResult, type StaffEmailSender } from "../delivery/index.ts";
import { unsubscribeUrl } from "./unsubscribe-links.ts";

export interface EmailSenderSettings {
  host: string;
  port: number;
  /** Implicit TLS (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  user?: string;
  password?: string;
  /** e.g. `Student Success <nudge@example.ac.uk>` */
  from: string;
  /** Where replies go; unset: the From address. */
  replyTo?: string;
  publicBaseUrl: string;
  linkSecret: string;
  /** Connection, greeting and socket inactivity timeouts; default PROVIDER_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Never upgrade with STARTTLS (local test servers only). */
  ignoreTLS?: boolean;
}

export const DEFAULT_SUBJECT = "A message from your university";

/** Failures that say nothing about the message: the connection broke or timed out. */
const CONNECTION_CODES = new Set(["ECONNECTION", "ETIMEDOUT", "ESOCKET", "EDNS", "EMAXLIMIT", "ECONNREFUSED", "ECONNRESET", "EPIPE"]);

/** The domain of the From address, for our Message-IDs. */
export function fromDomain(from: string): string {
  const [first] = addressparser(from, { flatten: true });
  const domain = first?.address.split("@")[1]?.trim().toLowerCase();
  if (!domain) throw new Error("the From address has no domain");
  return domain;
}

/** `<nudge.d{deliveryId}.{random}@{domain}>`: unique, and readable when seen in a bounce. */
export function newMessageId(deliveryId: number, domain: string): string {
  return `<nudge.d${deliveryId}.${randomBytes(8).toString("hex")}@${domain}>`;
}

export function classifySmtpError(error: unknown): ChannelFailure {
  const e = (error ?? {}) as NodemailerError;
  const code = e.code;
  const responseCode = typeof e.responseCode === "number" ? e.responseCode : undefined;
  const detail = { providerCode: responseCode ?? code, status: responseCode };
  // Servers quote the refused address back; the reason is kept (and logged) without it.
  const what = (e.message ?? String(error)).replace(/[^\s<>@"']+@[^\s<>@"']+/g, "[address]");
  if (responseCode !== undefined && responseCode >= 400 && responseCode < 500) return new ChannelFailure("retryable", `SMTP ${responseCode}: ${what}`, detail);
  // 503 is a command out of sequence (RFC 5321), not a refusal of this message.
  if (responseCode === 503) return new ChannelFailure("retryable", `SMTP ${responseCode}: ${what}`, detail);
  if (responseCode !== undefined && responseCode >= 500) {
    const recipientRefused = /^RCPT\b/i.test(e.command ?? "") || (code === "EENVELOPE" && (e.rejected?.length ?? 0) > 0);
    // A refused recipient is a bounce: this address cannot be reached, try the next channel.
    if (recipientRefused) return new ChannelFailure("unavailable", `recipient refused, SMTP ${responseCode}: ${what}`, detail);
    return new ChannelFailure("permanent", `SMTP ${responseCode}: ${what}`, detail);
  }
  if ((code && CONNECTION_CODES.has(code)) || (e.originalCode && CONNECTION_CODES.has(e.originalCode))) {
    return new ChannelFailure("retryable", `SMTP connection failed (${code}): ${what}`, { providerCode: code });
  }
  return new ChannelFailure("permanent", `email not sent: ${what}`, { providerCode: code });
}

/** The pooled SMTP transport students' and staff's email share. */
export function smtpTransport(settings: EmailSenderSettings) {
  const timeout = settings.timeoutMs ?? PROVIDER_TIMEOUT_MS;
  return nodemailer.createTransport({
    pool: true,
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    ignoreTLS: settings.ignoreTLS ?? false,
    auth: settings.user ? { user: settings.user, pass: settings.password ?? "" } : undefined,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    // The outbox retries with its own policy and limits; a message whose connection broke is
    // tried once more on a fresh connection (a pooled one may have been closed by the server).
    maxRequeues: 1,
    // Never message content in logs.
    logger: false,
    debug: false,
  });
}

export function createEmailSender(settings: EmailSenderSettings): ChannelSender {
  const domain = fromDomain(settings.from);
  const transport = smtpTransport(settings);

  return {
    channel: "email",
    async send(message: OutboundMessage): Promise<SendResult> {
      const to = message.recipient.email?.trim();
      if (!to) throw new ChannelFailure("unavailable", "the student has no email address");
      const link = unsubscribeUrl(settings.publicBaseUrl, settings.linkSecret, message.recipient.id);
      const content = renderEmailContent({ subject: message.subject?.trim() || DEFAULT_SUBJECT, text: message.text, unsubscribeUrl: link });
      const messageId = newMessageId(message.deliveryId, domain);
      try {
        await transport.sendMail({
          from: settings.from,
          to,
          replyTo: settings.replyTo ?? settings.from,
          subject: content.subject,
          text: content.text,
          html: content.html,
          messageId,
          headers: {
            "List-Unsubscribe": `<${link}>`,
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
          },
          // nodemailer adds it as the text/calendar alternative calendar clients act on.
          ...(message.attachments ? { attachments: message.attachments } : {}),
          ...(message.calendar
            ? { icalEvent: { method: message.calendar.method, filename: message.calendar.filename, content: message.calendar.content } }
            : {}),
        });
      } catch (error) {
        throw classifySmtpError(error);
      }
      return { providerMessageId: messageId };
    },
    async close(): Promise<void> {
      transport.close();
    },
  };
}

export function createStaffEmailSender(
  settings: Pick<EmailSenderSettings, "host" | "port" | "secure" | "user" | "password" | "from" | "timeoutMs" | "ignoreTLS">,
): StaffEmailSender {
  const domain = fromDomain(settings.from);
  const transport = smtpTransport(settings as EmailSenderSettings);
  return {
    async send(message) {
      const messageId = `<nudge.s${message.id}.${randomBytes(8).toString("hex")}@${domain}>`;
      try {
        await transport.sendMail({
          from: settings.from,
          to: message.to.name ? { name: message.to.name, address: message.to.address } : message.to.address,
          subject: message.subject.replace(/[\u0000-\u001f\u007f]+/g, " "),
          text: message.text,
          messageId,
          headers: { "Auto-Submitted": "auto-generated" },
          ...(message.calendar
            ? { icalEvent: { method: message.calendar.method, filename: message.calendar.filename, content: message.calendar.content } }
            : {}),
        });
      } catch (error) {
        throw classifySmtpError(error);
      }
      return { providerMessageId: messageId };
    },
    async close() {
      transport.close();
    },
  };
}
