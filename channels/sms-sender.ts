/**
 * The SMS sender: one message to one student through Twilio's Messages API (the twilio library),
 * failures translated into the outbox's terms. Delivery receipts arrive later at SMS_STATUS_PATH.
 */
import { parseRetryAfter } from "../delivery/index.ts";
import { AsyncLocalStorage } from "node:async_hooks";
import http from "node:http";
import twilio from "twilio";
import type RequestClientTypes from "twilio/lib/base/RequestClient.js";
import { ChannelFailure, PROVIDER_TIMEOUT_MS, type ChannelSender, type OutboundMessage, type SendResult } from "../delivery/index.ts";

export const SMS_STATUS_PATH = "/api/sms/status";
export const E164 = /^\+[1-9]\d{6,14}$/;

export interface SmsSenderSettings {
  accountSid: string;
  authToken: string;
  /** An E.164 number, or a Messaging Service SID (`MG…`). */
  from: string;
  /** Twilio's REST API, or an egress proxy or stand-in in front of it. */
  apiBaseUrl: string;
  /** The service's public address; with it Twilio reports delivery to SMS_STATUS_PATH. */
  publicBaseUrl?: string;
  timeoutMs?: number;
}

/** Twilio errors meaning "this number cannot be reached by SMS" rather than "this message is wrong". */
const UNREACHABLE: ReadonlyMap<number, string> = new Map([
  [21610, "the recipient has opted out (STOP) at Twilio"],
  [21614, "the number is not a mobile number"],
  [21408, "SMS to this region is not enabled"],
  [21612, "Twilio cannot route to this number"],
]);

const INVALID_NUMBER = 21211;

interface SeenResponse {
  headers?: Record<string, unknown>;
}

/** The headers of the response to the send running in this async context. */
const seenResponse = new AsyncLocalStorage<SeenResponse>();

/**
 * The library's own HTTP client, changed only through its `httpClient` option:
 * - every request goes to `apiBaseUrl`: the library builds https://api.twilio.com URLs (or edge and
 *   region hosts from TWILIO_EDGE/TWILIO_REGION) and has no base-URL setting;
 * - response headers are kept for the send that caused them: the library's RestException carries
 *   only status and body, so Retry-After would otherwise be lost. An AsyncLocalStorage store
 *   (not a shared "last response") keeps concurrent sends apart.
 */
class TwilioApiClient extends twilio.RequestClient {
  // RequestClient pools only https; a plain-http apiBaseUrl gets its own pool so close() can end it.
  private readonly httpAgent: http.Agent;

  constructor(
    private readonly apiBaseUrl: string,
    timeoutMs: number,
  ) {
    // timeout: the request timeout and the https socket timeout. autoRetry stays off: the outbox
    // owns retries and their limits.
    super({ timeout: timeoutMs, autoRetry: false });
    this.httpAgent = new http.Agent({ keepAlive: true, timeout: timeoutMs });
    this.axios.defaults.httpAgent = this.httpAgent;
  }

  override async request<TData>(opts: RequestClientTypes.RequestOptions<TData>) {
    const { pathname, search } = new URL(opts.uri);
    const response = await super.request({ ...opts, uri: `${this.apiBaseUrl}${pathname}${search}` });
    const seen = seenResponse.getStore();
    if (seen) seen.headers = response.headers;
    return response;
  }

  close(): void {
    this.httpAgent.destroy();
    (this.axios.defaults.httpsAgent as { destroy?: () => void } | undefined)?.destroy?.();
  }
}

export function createSmsSender(settings: SmsSenderSettings): ChannelSender {
  const timeoutMs = settings.timeoutMs ?? PROVIDER_TIMEOUT_MS;
  const httpClient = new TwilioApiClient(withoutTrailingSlash(settings.apiBaseUrl), timeoutMs);
  const client = twilio(settings.accountSid, settings.authToken, { httpClient });
  const sender = settings.from.startsWith("MG") ? { messagingServiceSid: settings.from } : { from: settings.from };
  const statusCallback = settings.publicBaseUrl ? `${withoutTrailingSlash(settings.publicBaseUrl)}${SMS_STATUS_PATH}` : undefined;

  return {
    channel: "sms",
    async send(message: OutboundMessage): Promise<SendResult> {
      const to = message.recipient.mobile;
      if (!to || !E164.test(to)) throw new ChannelFailure("unavailable", "the student has no E.164 mobile number");
      const seen: SeenResponse = {};
      let sid: string | undefined;
      try {
        const created = await seenResponse.run(seen, () =>
          client.messages.create({ to, body: message.text, ...sender, ...(statusCallback ? { statusCallback } : {}) }),
        );
        sid = created.sid;
      } catch (error) {
        throw failureOf(error, seen.headers);
      }
      // Accepted but unidentifiable: retrying could send it twice, and delivery could never be tracked.
      if (!sid) throw new ChannelFailure("permanent", "Twilio accepted the message without a Message SID");
      return { providerMessageId: sid };
    },
    async close() {
      httpClient.close();
    },
  };
}

/**
 * Our own wording only: Twilio's error messages quote the phone number, and these messages end up
 * in `Delivery.lastError` and the logs.
 */
function failureOf(error: unknown, headers: Record<string, unknown> | undefined): ChannelFailure {
  if (error instanceof ChannelFailure) return error;
  if (isObject(error) && error.isAxiosError === true) {
    // No response at all (validateStatus lets every status through): timeout, refused, reset, DNS.
    return new ChannelFailure("retryable", `Twilio did not answer (${String(error.code ?? "connection error")})`);
  }
  const status = isObject(error) && typeof error.status === "number" ? error.status : undefined;
  if (status === undefined) return new ChannelFailure("permanent", `sending failed: ${error instanceof Error ? error.message : String(error)}`);
  const code = isObject(error) && typeof error.code === "number" ? error.code : undefined;
  const detail = { status, ...(code === undefined ? {} : { providerCode: code }) };
  const described = `Twilio answered HTTP ${status}${code === undefined ? "" : ` (error ${code})`}`;

  if (status === 429) {
    const retryAfterMs = parseRetryAfter(headers?.["retry-after"]);
    return new ChannelFailure("retryable", `${described}: rate limited`, { ...detail, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  }
  if (status >= 500) return new ChannelFailure("retryable", described, detail);
  const unreachable = code === undefined ? undefined : UNREACHABLE.get(code);
  if (unreachable) return new ChannelFailure("unavailable", `${described}: ${unreachable}`, detail);
  const why = code === INVALID_NUMBER ? "the number is not a valid phone number" : "the message was refused";
  return new ChannelFailure("permanent", `${described}: ${why}`, detail);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
