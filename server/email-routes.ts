/**
 * Email's web routes: the one-click unsubscribe link (GET shows a page, POST unsubscribes, as
 * RFC 8058 mail clients and the page's button send it) and POST /api/email/inbound, where the mail
 * system hands over each received email (raw MIME) to be read as a student's reply or a bounce.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type restify from "restify";
import { InboundEmailError, parseInboundEmail, senderAuthenticated, type InboundBounce, type InboundReply } from "../channels/index.ts";
import { readUnsubscribeToken, UNSUBSCRIBE_PATH } from "../channels/index.ts";
import type { App } from "../app/index.ts";
import type { Logger } from "../core/index.ts";
import { readBodyBytes, readOwnBody } from "./request-body.ts";
import { page } from "./html-page.ts";
import escapeHtml from "escape-html";
import { httpStatusFor, say } from "../core/index.ts";

export const EMAIL_UNSUBSCRIBE_PATH = UNSUBSCRIBE_PATH;
export const EMAIL_INBOUND_PATH = "/api/email/inbound";
export const EMAIL_INBOUND_MAX_BYTES = 1024 * 1024;
const INBOUND_TYPES = new Set(["message/rfc822", "text/plain"]);

export interface EmailReply {
  studentId: number;
  channel: "email";
  text: string;
  /** The reply's own Message-ID: the same when the mail system posts it twice. */
  providerMessageId?: string;
  receivedAt: Date;
  /** The intervention whose email this answers, when In-Reply-To/References named it. */
  interventionId?: number;
  /** Proven to come from the student (see contacts/email-replies.ts); unproven requests wait for a person. */
  verified: boolean;
}

export interface EmailRouteDeps {
  app: App;
  logger: Logger;
  linkSecret: string;
  /** The authserv-id of the university's receiving mail system, whose Authentication-Results are trusted. */
  trustedAuthservId?: string;
  /** Bearer token of the inbound route; unset: it answers 503. */
  inboundToken?: string;
  onReply: (message: EmailReply) => Promise<void>;
  /** Called with the Message-IDs of emails that bounced; answers how many were ours and are now marked failed. */
  onBounce: (providerMessageIds: string[]) => Promise<number>;
}

class Refusal {
  constructor(
    readonly status: number,
    readonly message: string,
  ) {}
}

// ---------------------------------------------------------------------------------------------
// Unsubscribe

const paragraph = (text: string) => `<p>${escapeHtml(text)}</p>`;
const invalidLink = (res: restify.Response) => page(res, 400, say("unsubscribe_invalid_title"), paragraph(say("unsubscribe_invalid")));
/** A student who is gone looks exactly like a forged link: the page says nothing about who exists. */
const unknownStudent = invalidLink;

/** The student a request's `t` token names, or null once the request has been answered. */
async function linkStudent(req: restify.Request, res: restify.Response, deps: EmailRouteDeps): Promise<number | null> {
  const token = new URL(req.url ?? "", "http://localhost").searchParams.get("t");
  const studentId = readUnsubscribeToken(deps.linkSecret, token);
  if (studentId === null) {
    invalidLink(res);
    return null;
  }
  if (!(await deps.app.contacts.studentExists(studentId))) {
    unknownStudent(res);
    return null;
  }
  return studentId;
}

async function showUnsubscribe(req: restify.Request, res: restify.Response, deps: EmailRouteDeps): Promise<void> {
  // Only a page: mail scanners open links in emails, and must not unsubscribe anyone by doing so.
  if ((await linkStudent(req, res, deps)) === null) return;
  // No action attribute: the form posts to this page's own address, token included.
  page(
    res,
    200,
    say("unsubscribe_title"),
    `${paragraph(say("unsubscribe_explained"))}
<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit" style="font-size:16px;padding:10px 20px">${escapeHtml(say("unsubscribe_button"))}</button>
</form>`,
  );
}

async function unsubscribe(req: restify.Request, res: restify.Response, deps: EmailRouteDeps): Promise<void> {
  // The token is the authority: mail clients send `List-Unsubscribe=One-Click` (RFC 8058), the
  // page's form sends the same, and nothing else in the body matters.
  const studentId = await linkStudent(req, res, deps);
  if (studentId === null) return;
  try {
    const changed = await deps.app.contacts.setChannelOptOut({ studentId, channel: "email", optedOut: true, source: "email-one-click" });
    deps.logger.info({ studentId, changed }, "email unsubscribe");
  } catch (error) {
    // The student was removed between the lookup and the change.
    if (!(await deps.app.contacts.studentExists(studentId))) return unknownStudent(res);
    throw error;
  }
  page(res, 200, say("unsubscribed_title"), paragraph(say("unsubscribed")));
}

// ---------------------------------------------------------------------------------------------
// Inbound email

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();

function checkBearer(header: string | undefined, expected: string | undefined): void {
  if (!expected) throw new Refusal(503, "inbound email is not configured: set NUDGE_EMAIL_INBOUND_TOKEN");
  const given = /^Bearer +(\S+) *$/i.exec(header?.trim() ?? "")?.[1];
  if (!given) throw new Refusal(401, "authentication required (Authorization: Bearer <token>)");
  // Compared as digests: the time taken says nothing about the token's content or length.
  if (!timingSafeEqual(digest(given), digest(expected))) throw new Refusal(401, "the token was refused");
}

/**
 * The message exactly as posted. The route reads its own body (see registerEmailRoutes): the
 * service's body parser would decode `text/plain` as UTF-8 and damage 8-bit mail in other
 * charsets, and would read up to its limit before the token is checked.
 */
async function readRawBody(req: IncomingMessage & { body?: unknown }, limit: number): Promise<Buffer> {
  // Read already (the route registered without its pre-handler): take what the parser kept.
  if (req.readableEnded) {
    const body = req.body;
    if (Buffer.isBuffer(body)) return body;
    if (typeof body === "string") return Buffer.from(body, "utf8");
    return Buffer.alloc(0);
  }
  return readBodyBytes(req, limit, () => new Refusal(413, `the message is larger than ${limit} bytes`));
}

interface Outcome {
  status: number;
  body: Record<string, unknown>;
}

const notRecorded = (reason: string): Outcome => ({ status: 202, body: { recorded: false, reason } });

async function recordReply(reply: InboundReply, deps: EmailRouteDeps): Promise<Outcome> {
  if (reply.automatic) return notRecorded("an automatic reply (such as out of office), not a message from the student");
  const authenticated = senderAuthenticated(reply.authenticationResults, deps.trustedAuthservId, reply.from);
  const found = await deps.app.contacts.senderOfEmailReply({ inReplyTo: reply.inReplyTo, from: reply.from, authenticated });
  if ("problem" in found) {
    // Nothing about the sender in the log: the address is personal data, and so may be a Message-ID.
    deps.logger.info({ reason: found.problem }, "inbound email not recorded");
    return notRecorded(found.problem);
  }
  if (!reply.text) return notRecorded("the reply has no text of its own");
  await deps.onReply({
    studentId: found.studentId,
    verified: found.verified,
    channel: "email",
    text: reply.text,
    providerMessageId: reply.messageId,
    receivedAt: new Date(),
    ...(found.interventionId !== undefined ? { interventionId: found.interventionId } : {}),
  });
  deps.logger.info({ studentId: found.studentId, matchedBy: found.matchedBy, verified: found.verified }, "email reply from a student");
  return { status: 200, body: { recorded: true, kind: "reply" } };
}

async function recordBounce(bounce: InboundBounce, deps: EmailRouteDeps): Promise<Outcome> {
  // A "delayed" notice means the mail system is still trying; only "failed" is a bounce.
  if (bounce.action && bounce.action !== "failed") return notRecorded(`a delivery status notification with action '${bounce.action}', not a failure`);
  if (bounce.originalMessageIds.length === 0) return notRecorded("a bounce that names no Message-ID of the original message");
  const marked = await deps.onBounce(bounce.originalMessageIds);
  deps.logger.info({ messages: bounce.originalMessageIds.length, marked, status: bounce.status ?? null }, "email bounce");
  // A bounce for none of our sent emails (forged, or already handled) changes nothing, and says so.
  if (marked === 0) return notRecorded("the bounce names none of our sent emails");
  return { status: 200, body: { recorded: true, kind: "bounce", messages: marked } };
}

async function inbound(req: restify.Request, deps: EmailRouteDeps): Promise<Outcome> {
  checkBearer(req.header("authorization") || undefined, deps.inboundToken);
  const type = (req.header("content-type") || "").split(";")[0]!.trim().toLowerCase();
  if (!INBOUND_TYPES.has(type)) throw new Refusal(415, "Content-Type must be message/rfc822 (or text/plain) with the raw email as the body");
  const encoding = req.header("content-encoding");
  if (encoding && encoding.toLowerCase() !== "identity") throw new Refusal(415, `Content-Encoding ${encoding} is not supported`);
  if (Number(req.header("content-length") || 0) > EMAIL_INBOUND_MAX_BYTES)
    throw new Refusal(413, `the message is larger than ${EMAIL_INBOUND_MAX_BYTES} bytes`);
  const raw = await readRawBody(req, EMAIL_INBOUND_MAX_BYTES);
  let email: Awaited<ReturnType<typeof parseInboundEmail>>;
  try {
    email = await parseInboundEmail(raw);
  } catch (error) {
    if (error instanceof InboundEmailError) throw new Refusal(httpStatusFor(error), error.message);
    throw error;
  }
  return email.kind === "bounce" ? recordBounce(email, deps) : recordReply(email, deps);
}

// ---------------------------------------------------------------------------------------------

function pageHandler(deps: EmailRouteDeps, handle: (req: restify.Request, res: restify.Response, deps: EmailRouteDeps) => Promise<void>) {
  return async (req: restify.Request, res: restify.Response) => {
    try {
      await handle(req, res, deps);
    } catch (error) {
      deps.logger.error({ err: error, route: EMAIL_UNSUBSCRIBE_PATH }, "email unsubscribe failed");
      if (!res.headersSent) page(res, 500, "Something went wrong", "<p>Your request could not be completed. Please try the link again later.</p>");
    }
  };
}

/** Adds GET and POST /api/email/unsubscribe and POST /api/email/inbound. */
export function registerEmailRoutes(server: restify.Server, deps: EmailRouteDeps): void {
  // The inbound route reads its own body, after the token check (see readRawBody).
  readOwnBody(server, EMAIL_INBOUND_PATH, "POST");
  server.get(EMAIL_UNSUBSCRIBE_PATH, pageHandler(deps, showUnsubscribe));
  server.post(EMAIL_UNSUBSCRIBE_PATH, pageHandler(deps, unsubscribe));
  server.post(EMAIL_INBOUND_PATH, async (req: restify.Request, res: restify.Response) => {
    try {
      const outcome = await inbound(req, deps);
      res.send(outcome.status, outcome.body);
    } catch (error) {
      if (!(error instanceof Refusal)) {
        deps.logger.error({ err: error, route: EMAIL_INBOUND_PATH }, "inbound email failed");
        if (!res.headersSent) res.send(500, { error: "internal error" });
        return;
      }
      if (error.status === 401) res.header("WWW-Authenticate", 'Bearer realm="Nudge inbound email"');
      if (error.status === 413) res.header("Connection", "close");
      res.send(error.status, { error: error.message });
    }
  });
}
