/**
 * Twilio's webhooks: a student's text message (POST /api/sms/inbound) and delivery receipts
 * (POST /api/sms/status). Both are form posts signed with X-Twilio-Signature; an unsigned or forged
 * request is refused before anything is looked up or written.
 */
import type restify from "restify";
import twilio from "twilio";
import { smsKeyword } from "../channels/index.ts";
import { SMS_STATUS_PATH } from "../channels/index.ts";
import { verifyTwilioRequest } from "../channels/index.ts";
import type { App } from "../app/index.ts";
import type { Logger } from "../core/index.ts";
import { say } from "../core/index.ts";

export const SMS_INBOUND_PATH = "/api/sms/inbound";
export { SMS_STATUS_PATH };

/** One segment (under 160 GSM-7 characters), so it costs and arrives as one text. */
export const SMS_HELP_TEXT = say("sms_service_info");

export interface StudentMessage {
  studentId: number;
  channel: "sms";
  text: string;
  /** Twilio's MessageSid: the same on a replayed webhook, so the handler can record it once. */
  providerMessageId: string;
  receivedAt: Date;
}

export interface SmsRouteDeps {
  app: App;
  logger: Logger;
  /** Unset: both routes answer 503. */
  twilio?: { authToken: string };
  /** The address Twilio calls; signatures are checked against it. Unset: 503. */
  publicBaseUrl?: string;
  /** Records a student's message; `answer`, if any, is sent back as the reply. */
  onStudentMessage: (message: StudentMessage) => Promise<{ duplicate: boolean; answer?: string; classification?: string }>;
}

type Fields = Record<string, string | string[]>;

/**
 * The form fields exactly as posted: parsed from the raw body rather than taken from the body
 * parser's `qs` result, which reshapes bracketed names and would break the signature check.
 */
function formFields(req: restify.Request): Fields {
  const raw: unknown = req.rawBody ?? req.body;
  if (typeof raw !== "string" && !Buffer.isBuffer(raw)) return typeof raw === "object" && raw !== null ? (raw as Fields) : {};
  const fields: Fields = {};
  for (const [name, value] of new URLSearchParams(Buffer.isBuffer(raw) ? raw.toString("utf8") : raw)) {
    const seen = fields[name];
    fields[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return fields;
}

function field(fields: Fields, name: string): string | undefined {
  const value = fields[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendTwiml(res: restify.Response, answer?: string): void {
  const response = new twilio.twiml.MessagingResponse();
  if (answer) response.message(answer);
  res.sendRaw(200, response.toString(), { "Content-Type": "text/xml" });
}

/** The form fields of a request proven to come from Twilio; otherwise answers it and returns null. */
function authenticTwilioFields(req: restify.Request, res: restify.Response, route: string, deps: SmsRouteDeps): Fields | null {
  if (!deps.twilio || !deps.publicBaseUrl) {
    res.send(503, { error: "SMS is not configured: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM and PUBLIC_BASE_URL" });
    return null;
  }
  const fields = formFields(req);
  const verdict = verifyTwilioRequest({
    authToken: deps.twilio.authToken,
    publicBaseUrl: deps.publicBaseUrl,
    path: req.url ?? route,
    signature: req.header("x-twilio-signature") || undefined,
    params: fields,
  });
  if (!verdict.ok) {
    // No form fields in the log: they carry the phone number and the message.
    deps.logger.warn({ route, reason: verdict.reason, remote: req.socket.remoteAddress }, "twilio webhook refused");
    res.send(403, { error: "the request is not signed by Twilio" });
    return null;
  }
  return fields;
}

async function inbound(req: restify.Request, res: restify.Response, deps: SmsRouteDeps): Promise<void> {
  const fields = authenticTwilioFields(req, res, SMS_INBOUND_PATH, deps);
  if (!fields) return;
  const from = field(fields, "From");
  const messageSid = field(fields, "MessageSid") ?? field(fields, "SmsMessageSid");
  if (!from || !messageSid) {
    res.send(400, { error: "From and MessageSid are required" });
    return;
  }
  const text = field(fields, "Body") ?? "";
  const students = await deps.app.contacts.studentsByMobile(from);
  if (students.length === 0) {
    deps.logger.info({ messageSid }, "sms from a number no student has: ignored");
    return sendTwiml(res);
  }

  const keyword = smsKeyword(text, field(fields, "OptOutType"));
  if (keyword?.keyword === "stop" || keyword?.keyword === "start") {
    // A replayed webhook (an old START after a later STOP) is answered and changes nothing.
    if (!(await deps.app.contacts.firstSight("sms", messageSid))) {
      deps.logger.info({ messageSid, keyword: keyword.keyword }, "sms keyword seen before: ignored");
      return sendTwiml(res);
    }
    // Twilio blocks or unblocks the number itself and sends the carrier's confirmation: our answer
    // stays empty. The block is per number, so every student with this number follows it.
    for (const id of students) {
      await deps.app.contacts.setChannelOptOut({ studentId: id, channel: "sms", optedOut: keyword.keyword === "stop", source: `sms-keyword:${keyword.word}` });
    }
    deps.logger.info({ messageSid, keyword: keyword.keyword }, "sms keyword");
    return sendTwiml(res);
  }
  if (students.length > 1) {
    if (keyword?.keyword === "help") return sendTwiml(res, keyword.viaAdvancedOptOut ? undefined : SMS_HELP_TEXT);
    // Attributing the words of a shared phone to one of its students would be a guess.
    deps.logger.warn({ messageSid, students: students.length }, "sms from a number several students share: not recorded");
    return sendTwiml(res);
  }
  // HELP is a carrier keyword and also what a nudge asks for: after a recent nudge it asks the tutor
  // for a chat (and the answer still carries the service information); otherwise it gets the
  // service information alone. Both are decided with the student's messages in view.
  const result = await deps.onStudentMessage({ studentId: students[0]!, channel: "sms", text, providerMessageId: messageSid, receivedAt: new Date() });
  deps.logger.info({ messageSid, duplicate: result.duplicate, answered: Boolean(result.answer), keyword: keyword?.keyword ?? null }, "sms from a student");
  // Advanced Opt-Out has already sent the help text configured at Twilio; only a request for a chat adds to it.
  const carrierAnswered = keyword?.viaAdvancedOptOut === true && result.classification !== "needs_help";
  // A replay (Twilio retrying a webhook it thinks failed) was answered the first time.
  sendTwiml(res, result.duplicate || carrierAnswered ? undefined : result.answer);
}

async function status(req: restify.Request, res: restify.Response, deps: SmsRouteDeps): Promise<void> {
  const fields = authenticTwilioFields(req, res, SMS_STATUS_PATH, deps);
  if (!fields) return;
  const messageSid = field(fields, "MessageSid") ?? field(fields, "SmsSid");
  const messageStatus = field(fields, "MessageStatus") ?? field(fields, "SmsStatus");
  if (!messageSid || !messageStatus) {
    res.send(400, { error: "MessageSid and MessageStatus are required" });
    return;
  }
  const errorCode = field(fields, "ErrorCode");
  const outcome = await deps.app.delivery.applySmsStatus({ messageSid, status: messageStatus, ...(errorCode ? { errorCode } : {}) });
  deps.logger.info({ messageSid, status: messageStatus, outcome }, "sms status");
  // Unknown and stale callbacks are answered 204 too: Twilio has nothing better to send.
  res.send(204);
}

function handler(route: string, deps: SmsRouteDeps, handle: (req: restify.Request, res: restify.Response, deps: SmsRouteDeps) => Promise<void>) {
  return async (req: restify.Request, res: restify.Response) => {
    try {
      await handle(req, res, deps);
    } catch (error) {
      deps.logger.error({ err: error, route }, "twilio webhook failed");
      if (!res.headersSent) res.send(500, { error: "internal error" });
    }
  };
}

/** Adds POST /api/sms/inbound and POST /api/sms/status. */
export function registerSmsRoutes(server: restify.Server, deps: SmsRouteDeps): void {
  server.post(SMS_INBOUND_PATH, handler(SMS_INBOUND_PATH, deps, inbound));
  server.post(SMS_STATUS_PATH, handler(SMS_STATUS_PATH, deps, status));
}
