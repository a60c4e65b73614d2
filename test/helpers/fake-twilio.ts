/**
 * Plays Twilio's REST API (Messages resource) on loopback, answering as Twilio does: 201 with the
 * message resource, or Twilio's error JSON. Only the cloud service is faked; the twilio library
 * and everything of ours run for real.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What the next request gets instead of a 201; each fault is used once, in order. */
export type TwilioFault = { status: 429; retryAfter?: string } | { status: number; code?: number; message?: string } | { hang: true };

export interface TwilioRequestRecord {
  method: string;
  path: string;
  /** The form fields posted (To, From, MessagingServiceSid, Body, StatusCallback, ...). */
  form: Record<string, string>;
  authorization: string | undefined;
  /** The fault answered, if any. */
  fault?: TwilioFault;
}

export interface FakeTwilio {
  /** Give the sender this as `apiBaseUrl`. */
  url: string;
  requests: TwilioRequestRecord[];
  /** Queues faults for the next requests. */
  fail(...faults: TwilioFault[]): void;
  /** Messages accepted (201) for this number. */
  sentTo(to: string): number;
  close(): Promise<void>;
}

const MESSAGES = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/Messages\.json$/;

const ERROR_MESSAGES: Record<number, string> = {
  20003: "Authenticate",
  20429: "Too Many Requests",
  20500: "Internal Server Error",
  21211: "The 'To' number is not a valid phone number.",
  21408: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number.",
  21610: "Attempt to send to unsubscribed recipient",
  21612: "The 'To' phone number is not currently reachable via SMS.",
  21614: "'To' number is not a valid mobile number",
};

function twilioError(status: number, code: number, message?: string) {
  return { code, message: message ?? ERROR_MESSAGES[code] ?? "Error", more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

export interface FakeTwilioOptions {
  /**
   * Each answer leaves this many milliseconds after its request arrived, as a slow provider's
   * would. A message counts as accepted (`sentTo`) when its request arrives: a caller that dies
   * while waiting for the answer has had its message accepted all the same.
   */
  delayMs?: number;
}

export async function startFakeTwilio(options: FakeTwilioOptions = {}): Promise<FakeTwilio> {
  const delayMs = options.delayMs ?? 0;
  const requests: TwilioRequestRecord[] = [];
  const faults: TwilioFault[] = [];
  const accepted = new Map<string, number>();

  const server: Server = createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (raw += chunk));
    req.on("end", () => {
      const path = req.url ?? "";
      const form = Object.fromEntries(new URLSearchParams(raw));
      const fault = faults.shift();
      requests.push({ method: req.method ?? "", path, form, authorization: req.headers.authorization, ...(fault ? { fault } : {}) });
      const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        const write = () => {
          if (res.destroyed) return; // the caller has gone
          res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
          res.end(JSON.stringify(body));
        };
        if (delayMs > 0) setTimeout(write, delayMs);
        else write();
      };

      if (fault && "hang" in fault) return; // never answers: the caller's timeout must end it
      const match = req.method === "POST" ? MESSAGES.exec(path) : null;
      if (!match) return answer(404, twilioError(404, 20404, "The requested resource was not found"));
      const accountSid = match[1]!;
      const user = Buffer.from((req.headers.authorization ?? "").replace(/^Basic /, ""), "base64")
        .toString()
        .split(":")[0];
      if (user !== accountSid) return answer(401, twilioError(401, 20003));
      if (fault) {
        const code = "code" in fault && fault.code !== undefined ? fault.code : fault.status === 429 ? 20429 : fault.status >= 500 ? 20500 : 21211;
        const headers: Record<string, string> = "retryAfter" in fault && fault.retryAfter ? { "retry-after": fault.retryAfter } : {};
        return answer(fault.status, twilioError(fault.status, code, "message" in fault ? fault.message : undefined), headers);
      }
      if (!form.To) return answer(400, twilioError(400, 21604, "A 'To' phone number is required."));
      if (!form.From && !form.MessagingServiceSid) return answer(400, twilioError(400, 21603, "A 'From' phone number is required."));
      if (!form.Body) return answer(400, twilioError(400, 21602, "Message body is required."));

      accepted.set(form.To, (accepted.get(form.To) ?? 0) + 1);
      const sid = `SM${randomBytes(16).toString("hex")}`;
      const now = new Date().toUTCString().replace("GMT", "+0000");
      answer(201, {
        account_sid: accountSid,
        api_version: "2010-04-01",
        body: form.Body,
        date_created: now,
        date_sent: null,
        date_updated: now,
        direction: "outbound-api",
        error_code: null,
        error_message: null,
        from: form.From ?? null,
        messaging_service_sid: form.MessagingServiceSid ?? null,
        num_media: "0",
        num_segments: "1",
        price: null,
        price_unit: "USD",
        sid,
        // A Messaging Service picks the sender later: Twilio answers "accepted" rather than "queued".
        status: form.From ? "queued" : "accepted",
        subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
        to: form.To,
        uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    fail: (...more) => void faults.push(...more),
    sentTo: (to) => accepted.get(to) ?? 0,
    close: () =>
      new Promise((resolve) => {
        // Hung requests and pooled keep-alive sockets would hold close() open.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
