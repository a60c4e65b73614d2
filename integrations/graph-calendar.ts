/**
 * Tutors' calendars through Microsoft Graph with the app's own identity (application permissions,
 * no signed-in user): free/busy from `calendar/getSchedule` (`Calendars.Read`), and a booked
 * meeting as an event with a Teams meeting from `POST /users/{tutor}/events`
 * (`Calendars.ReadWrite`), which puts it in the tutor's calendar and sends the student Outlook's
 * own invitation. `findMeetingTimes` would choose times for us but does not accept app-only tokens.
 *
 * Failures are `GraphError`s carrying the HTTP status and Graph's `error.code`; the callers decide
 * what to fall back to (office hours, the .ics emails), so nothing here retries for long.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { TutorCalendar } from "../meetings/index.ts";
import { parseRetryAfter } from "../delivery/index.ts";
import { PROVIDER_TIMEOUT_MS } from "../delivery/index.ts";
import type { TutorCalendarEvent } from "../meetings/index.ts";

export interface GraphSettings {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** `https://graph.microsoft.com`, or a stand-in in tests. */
  baseUrl: string;
  /** `https://login.microsoftonline.com`, or a stand-in in tests. */
  loginBaseUrl: string;
  /** Per request, token requests included; default 15 s. */
  timeoutMs?: number;
  /** A 429/503 asking for a longer wait than this fails at once instead; default 10 s. */
  maxRetryWaitMs?: number;
}

/** A meeting to create: the domain's calendar event, as interventions/ describes it. */
export type GraphMeeting = TutorCalendarEvent;

export interface GraphCalendar {
  /** Busy, tentative and out-of-office items of the user's calendar overlapping [from, to). */
  freeBusy(tutorEmail: string, from: Date, to: Date): Promise<{ start: Date; end: Date }[]>;
  createMeeting(meeting: GraphMeeting): Promise<{ eventId: string; joinUrl: string | null }>;
  cancelMeeting(tutorEmail: string, eventId: string, comment?: string): Promise<void>;
}

export class GraphError extends Error {
  constructor(
    /** HTTP status; 0 when no answer came (timeout, connection refused). */
    readonly status: number,
    /** Graph's `error.code` (`ErrorItemNotFound`, `TooManyRequests`, …), the token endpoint's `error`, or ours (`timeout`, `network`). */
    readonly code: string | null,
    message: string,
  ) {
    super(message);
    this.name = "GraphError";
  }
}

const SCOPE = "https://graph.microsoft.com/.default";
/** A token is renewed this long before it expires, so one never lapses during a request. */
const TOKEN_MARGIN_MS = 5 * 60_000;
/** Without a Retry-After, a 429/503 is tried again after this. */
const DEFAULT_RETRY_MS = 1_000;
const BUSY_STATUSES = new Set(["busy", "tentative", "oof"]);

/** "2026-12-01T10:00:00" in UTC, the wall-clock form Graph's dateTimeTimeZone wants. */
const utcWallClock = (at: Date) => at.toISOString().slice(0, 19);

/** Graph's `dateTime` ("2019-03-15T12:00:00.0000000", seven fraction digits) read in UTC. */
function fromUtcWallClock(value: unknown, timeZone: unknown): Date {
  const match = typeof value === "string" ? /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?$/.exec(value) : null;
  // Asked for UTC with the Prefer header; anything else would need Windows zone names resolved.
  if (!match || typeof timeZone !== "string" || !/^(UTC|Etc\/UTC|Coordinated Universal Time)$/i.test(timeZone)) {
    throw new GraphError(200, "UnexpectedDateTime", `Graph answered a time we cannot read: ${JSON.stringify(value)} (${JSON.stringify(timeZone)})`);
  }
  const at = new Date(`${match[1]}.${(match[2] ?? "").padEnd(3, "0").slice(0, 3)}Z`);
  if (Number.isNaN(at.getTime())) throw new GraphError(200, "UnexpectedDateTime", `Graph answered a time we cannot read: ${JSON.stringify(value)}`);
  return at;
}

/** The reason a failed response gives: Graph's `{error:{code,message}}` or the token endpoint's `{error,error_description}`. */
async function errorOf(response: Response, what: string): Promise<GraphError> {
  // biome-ignore lint/suspicious/noExplicitAny: an error body of any shape, read field by field below.
  let body: any;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const graph = body?.error && typeof body.error === "object" ? body.error : undefined;
  const code: string | null = graph?.code ?? (typeof body?.error === "string" ? body.error : null);
  // AADSTS descriptions run to several lines with trace ids: the first says what is wrong.
  const detail: string = graph?.message ?? (typeof body?.error_description === "string" ? body.error_description.split(/\r?\n/)[0] : response.statusText);
  return new GraphError(response.status, code, `${what}: HTTP ${response.status}${code ? ` ${code}` : ""}${detail ? `: ${detail}` : ""}`);
}

export function createGraphCalendar(settings: GraphSettings): GraphCalendar {
  const baseUrl = settings.baseUrl.replace(/\/+$/, "");
  const loginBaseUrl = settings.loginBaseUrl.replace(/\/+$/, "");
  const timeoutMs = settings.timeoutMs ?? PROVIDER_TIMEOUT_MS;
  const maxRetryWaitMs = settings.maxRetryWaitMs ?? 10_000;
  let token: { value: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;

  async function send(url: string, init: RequestInit, what: string): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const name = (error as Error).name;
      if (name === "TimeoutError" || name === "AbortError") throw new GraphError(0, "timeout", `${what}: no answer within ${timeoutMs / 1000} s`);
      throw new GraphError(0, "network", `${what}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`);
    }
  }

  // The client-credentials grant is one form POST: plain fetch instead of @azure/identity (MSAL and
  // its dependencies) for a token the service only ever needs in this one shape.
  async function requestToken(): Promise<string> {
    const url = `${loginBaseUrl}/${encodeURIComponent(settings.tenantId)}/oauth2/v2.0/token`;
    const form = new URLSearchParams({ client_id: settings.clientId, client_secret: settings.clientSecret, scope: SCOPE, grant_type: "client_credentials" });
    const response = await send(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form }, "Graph sign-in");
    if (!response.ok) throw await errorOf(response, "Graph sign-in");
    const body = (await response.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== "string") throw new GraphError(response.status, null, "Graph sign-in: the answer had no access_token");
    const lifetimeMs = Number(body.expires_in ?? 3600) * 1000;
    // Short-lived tokens (never in practice, but possible) are kept for half their life instead.
    token = { value: body.access_token, renewAt: Date.now() + Math.max(lifetimeMs - TOKEN_MARGIN_MS, lifetimeMs / 2) };
    return token.value;
  }

  function accessToken(): Promise<string> {
    if (token && Date.now() < token.renewAt) return Promise.resolve(token.value);
    // Callers at the same moment share one sign-in.
    pending ??= requestToken().finally(() => (pending = undefined));
    return pending;
  }

  // biome-ignore lint/suspicious/noExplicitAny: Graph's JSON, which each caller reads defensively.
  async function call(method: string, path: string, what: string, body?: unknown): Promise<any> {
    let throttled = false;
    let renewed = false;
    for (;;) {
      const bearer = await accessToken();
      const response = await send(
        `${baseUrl}${path}`,
        {
          method,
          headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json", prefer: 'outlook.timezone="UTC"' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        },
        what,
      );
      if (response.ok) return response.status === 202 || response.status === 204 ? undefined : response.json();
      const error = await errorOf(response, what);
      if ((response.status === 429 || response.status === 503) && !throttled) {
        const wait = parseRetryAfter(response.headers.get("retry-after")) ?? DEFAULT_RETRY_MS;
        if (wait <= maxRetryWaitMs) {
          throttled = true;
          await sleep(wait);
          continue;
        }
      }
      // A token revoked or rotated before its time: one fresh sign-in, then give up.
      if (response.status === 401 && !renewed) {
        renewed = true;
        token = undefined;
        continue;
      }
      throw error;
    }
  }

  const user = (email: string) => `/v1.0/users/${encodeURIComponent(email)}`;

  return {
    async freeBusy(tutorEmail, from, to) {
      const answer = await call("POST", `${user(tutorEmail)}/calendar/getSchedule`, "Graph free/busy", {
        schedules: [tutorEmail],
        startTime: { dateTime: utcWallClock(from), timeZone: "UTC" },
        endTime: { dateTime: utcWallClock(to), timeZone: "UTC" },
        availabilityViewInterval: 15,
      });
      // biome-ignore lint/suspicious/noExplicitAny: Graph's JSON, each field checked before use.
      const schedules: any[] = Array.isArray(answer?.value) ? answer.value : [];
      const schedule = schedules.find((s) => String(s?.scheduleId ?? "").toLowerCase() === tutorEmail.toLowerCase()) ?? schedules[0];
      if (!schedule) throw new GraphError(200, null, `Graph free/busy: no schedule came back for ${tutorEmail}`);
      // A mailbox Graph cannot read (not found, no permission) comes back as 200 with an error inside.
      if (schedule.error)
        throw new GraphError(
          200,
          schedule.error.responseCode ?? null,
          `Graph free/busy: ${schedule.error.responseCode ?? "error"}: ${schedule.error.message ?? "no schedule"}`,
        );
      // biome-ignore lint/suspicious/noExplicitAny: Graph's JSON, each field checked before use.
      const items: any[] = Array.isArray(schedule.scheduleItems) ? schedule.scheduleItems : [];
      return items
        .filter((item) => BUSY_STATUSES.has(String(item?.status ?? "").toLowerCase()))
        .map((item) => ({ start: fromUtcWallClock(item.start?.dateTime, item.start?.timeZone), end: fromUtcWallClock(item.end?.dateTime, item.end?.timeZone) }))
        .sort((a, b) => a.start.getTime() - b.start.getTime());
    },

    async createMeeting(meeting) {
      const event = await call("POST", `${user(meeting.tutorEmail)}/events`, "Graph create event", {
        subject: meeting.subject,
        body: { contentType: "text", content: meeting.body },
        start: { dateTime: utcWallClock(meeting.start), timeZone: "UTC" },
        end: { dateTime: utcWallClock(meeting.end), timeZone: "UTC" },
        attendees: meeting.studentEmail ? [{ emailAddress: { address: meeting.studentEmail, name: meeting.studentName }, type: "required" }] : [],
        isOnlineMeeting: true,
        onlineMeetingProvider: "teamsForBusiness",
        // A new time agreed in Outlook would never reach the booking here: changes go through Nudge.
        allowNewTimeProposals: false,
        showAs: "busy",
        ...(meeting.transactionId ? { transactionId: meeting.transactionId } : {}),
      });
      if (typeof event?.id !== "string") throw new GraphError(201, null, "Graph create event: the answer had no event id");
      const joinUrl = event.onlineMeeting?.joinUrl ?? event.onlineMeetingUrl ?? null;
      return { eventId: event.id, joinUrl: typeof joinUrl === "string" && joinUrl ? joinUrl : null };
    },

    async cancelMeeting(tutorEmail, eventId, comment) {
      await call("POST", `${user(tutorEmail)}/events/${encodeURIComponent(eventId)}/cancel`, "Graph cancel event", comment ? { comment } : {});
    },
  };
}

/** Tutors' calendars from the configuration's Graph settings; none without them. */
export function tutorCalendarOf(settings: GraphSettings | undefined): TutorCalendar | undefined {
  return settings ? graphTutorCalendar(createGraphCalendar(settings)) : undefined;
}

/** The Graph client as the calendar the meetings domain is handed. */
export function graphTutorCalendar(graph: GraphCalendar): TutorCalendar {
  return {
    busy: (tutor, from, to) => graph.freeBusy(tutor.email, from, to),
    book: (event) => graph.createMeeting(event),
    cancel: (tutor, eventId) => graph.cancelMeeting(tutor.email, eventId),
  };
}
