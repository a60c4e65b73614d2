/**
 * A received email (raw MIME, as the mail system hands it over) read as either a student's reply
 * (who wrote, which of our messages it answers, the new text only) or a bounce: a delivery status
 * notification naming the messages that could not be delivered.
 */
import { NudgeError } from "../core/index.ts";
import { simpleParser, type Attachment, type ParsedMail } from "mailparser";

export interface InboundReply {
  kind: "reply";
  /** The sender's address, lower-cased. */
  from: string;
  /** The reply's own Message-ID, angle brackets kept. */
  messageId?: string;
  /** In-Reply-To then References, angle brackets kept (as the sender's `providerMessageId`). */
  inReplyTo: string[];
  /** What the student wrote: quoted text, the "On … wrote:" line and signatures removed. */
  text: string;
  /** An out-of-office or other automatic answer (RFC 3834), not something the student wrote. */
  automatic: boolean;
  /** Its Authentication-Results headers, outermost (the receiving system's) first. */
  authenticationResults: string[];
}

export interface InboundBounce {
  kind: "bounce";
  /** Message-IDs of the messages that bounced, angle brackets kept. */
  originalMessageIds: string[];
  recipient?: string;
  /** The DSN status code, e.g. `5.1.1`. */
  status?: string;
  /** The DSN action: `failed`, or `delayed` / `delivered` / `relayed` / `expanded` (not bounces). */
  action?: string;
}

export type InboundEmail = InboundReply | InboundBounce;

export class InboundEmailError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "inbound_email_invalid";
  constructor(message: string) {
    super(message);
  }
}

const MESSAGE_ID = /<[^<>\s]+>/g;
const HEADER_PARTS = new Set(["message/rfc822", "text/rfc822-headers", "message/rfc822-headers", "message/global", "message/global-headers"]);

/** Message ids as `<id>`, whichever way the header spelled them (some clients drop the brackets). */
function messageIds(value: string | string[] | undefined): string[] {
  const values = Array.isArray(value) ? value : value ? [value] : [];
  return values.flatMap(
    (v) =>
      v.match(MESSAGE_ID) ??
      v
        .split(/\s+/)
        .filter((id) => id.includes("@"))
        .map((id) => `<${id}>`),
  );
}

export async function parseInboundEmail(raw: Buffer | string): Promise<InboundEmail> {
  if (raw.length === 0) throw new InboundEmailError("the message is empty");
  let mail: ParsedMail;
  try {
    mail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  } catch (error) {
    throw new InboundEmailError(`the message could not be parsed as MIME: ${(error as Error).message}`);
  }
  // The parser accepts anything; a message has named header fields before its body.
  if (!mail.headerLines.some((line) => line.key !== "")) throw new InboundEmailError("the message has no header fields: expected a raw MIME email (RFC 5322)");
  if (isBounce(mail)) return readBounce(mail);
  const from = mail.from?.value
    .find((a) => a.address)
    ?.address?.trim()
    .toLowerCase();
  if (!from) throw new InboundEmailError("the message has no From address");
  return {
    kind: "reply",
    from,
    messageId: messageIds(mail.messageId)[0],
    inReplyTo: [...new Set([...messageIds(mail.inReplyTo), ...messageIds(mail.references).reverse()])],
    text: newText(mail.text ?? ""),
    automatic: isAutomatic(mail),
    authenticationResults: mail.headerLines
      .filter((line) => line.key === "authentication-results")
      .map((line) => line.line.replace(/^[^:]*:\s*/, "").replace(/\r?\n[ \t]+/g, " ")),
  };
}

function header(mail: ParsedMail, name: string): string {
  const value = mail.headers.get(name);
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "object" && "value" in value && typeof value.value === "string") return value.value;
  return String(value);
}

function isBounce(mail: ParsedMail): boolean {
  const type = mail.headers.get("content-type");
  if (type && typeof type === "object" && "value" in type && type.value === "multipart/report") {
    const reportType = (type as { params?: Record<string, string> }).params?.["report-type"];
    if (reportType?.toLowerCase() === "delivery-status") return true;
  }
  const local = mail.from?.value[0]?.address?.split("@")[0]?.toLowerCase();
  return local === "mailer-daemon" || local === "postmaster";
}

function isAutomatic(mail: ParsedMail): boolean {
  const autoSubmitted = header(mail, "auto-submitted").trim().toLowerCase();
  if (autoSubmitted && autoSubmitted !== "no") return true;
  if (mail.headers.has("x-autoreply") || mail.headers.has("x-autorespond")) return true;
  return /^(auto_reply|bulk|junk)$/i.test(header(mail, "precedence").trim());
}

function readBounce(mail: ParsedMail): InboundBounce {
  const ids = new Set<string>();
  for (const part of mail.attachments as Attachment[]) {
    if (!HEADER_PARTS.has(part.contentType.toLowerCase())) continue;
    const headers = part.content.toString("utf8").split(/\r?\n\r?\n/)[0] ?? "";
    for (const id of headerMessageIds(headers)) ids.add(id);
  }
  // The delivery-status part is read as text by the parser, beside the human-readable notice;
  // a bounce that quotes the original headers inline has them there too.
  const text = mail.text ?? "";
  if (ids.size === 0) for (const id of headerMessageIds(text)) ids.add(id);
  const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.+)$`, "im").exec(text)?.[1]?.trim();
  const recipient =
    field("Final-Recipient")
      ?.replace(/^rfc822;\s*/i, "")
      .toLowerCase() ??
    field("Original-Recipient")
      ?.replace(/^rfc822;\s*/i, "")
      .toLowerCase();
  const status = field("Status")?.match(/^[245]\.\d{1,3}\.\d{1,3}/)?.[0];
  const action = field("Action")?.toLowerCase();
  return { kind: "bounce", originalMessageIds: [...ids], recipient, status, action };
}

/** Message-ID values in a block of header lines (folded lines joined first). */
function headerMessageIds(headers: string): string[] {
  const unfolded = headers.replace(/\r?\n[ \t]+/g, " ");
  return [...unfolded.matchAll(/^Message-ID:[ \t]*(.*)$/gim)].flatMap((m) => messageIds(m[1]));
}

/**
 * The part of a reply the student wrote: everything before the quoted original (an "On … wrote:"
 * line, Outlook's "From: … Sent: …" block or "Original Message" line) or their signature ("-- "),
 * without quoted (">") lines.
 */
export function newText(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  let end = lines.length;
  for (let i = 0; i < lines.length; i++) {
    if (startsQuote(lines, i)) {
      end = i;
      break;
    }
  }
  const kept = lines.slice(0, end).filter((line) => !/^\s*>/.test(line));
  while (kept.length && /^\s*([-_=]{5,})?\s*$/.test(kept[kept.length - 1]!)) kept.pop();
  return kept
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

function startsQuote(lines: string[], i: number): boolean {
  const line = lines[i]!.trim();
  if (/^-- ?$/.test(lines[i]!)) return true;
  if (/^-{2,}\s*Original Message\s*-{2,}$/i.test(line)) return true;
  // "On Mon, 2 Nov 2026 at 09:00, Name <address> wrote:", which clients wrap over up to three lines.
  if (/^On\s/.test(line)) {
    for (let j = i; j < Math.min(lines.length, i + 3); j++) if (/\bwrote:\s*$/.test(lines[j]!)) return true;
  }
  if (/^From:\s*\S/i.test(line)) {
    for (let j = i + 1; j < Math.min(lines.length, i + 4); j++) if (/^(Sent|Date):\s*\S/i.test(lines[j]!.trim())) return true;
  }
  return false;
}
