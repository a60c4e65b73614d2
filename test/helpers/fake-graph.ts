/**
 * Plays Microsoft Graph's calendar endpoints and the Entra token endpoint on loopback, answering
 * in their shapes: the client-credentials token (`{token_type, expires_in, access_token}` or
 * `{error, error_description}`), `calendar/getSchedule` (`{value:[scheduleInformation]}` with
 * times as `"2026-12-01T10:00:00.0000000"` in UTC), `POST /events` (201 with the event and its
 * `onlineMeeting.joinUrl`), `POST /events/{id}/cancel` (202), and errors as
 * `{error:{code,message}}`. Only the cloud services are faked; our client runs for real.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface GraphRequestRecord {
  method: string;
  path: string;
  /** JSON for Graph, the form fields for the token endpoint. */
  body: any;
  authorization?: string;
  prefer?: string;
  /** The fault answered, if any. */
  fault?: GraphFault;
}

/** What the next Graph request gets instead of its answer; each is used once, in order. */
export type GraphFault = { status: number; code?: string; message?: string; retryAfter?: string } | { hang: true };

export interface BusyItem {
  start: string;
  end: string;
  status?: "free" | "tentative" | "busy" | "oof" | "workingElsewhere" | "unknown";
}

export interface FakeGraphEvent {
  id: string;
  user: string;
  body: any;
  joinUrl: string;
  cancelled: boolean;
}

export interface FakeGraph {
  /** Give the client this as `baseUrl`. */
  graphUrl: string;
  /** Give the client this as `loginBaseUrl`. */
  loginUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Graph requests (not token requests), in order. */
  requests: GraphRequestRecord[];
  tokenRequests: GraphRequestRecord[];
  events: FakeGraphEvent[];
  /** The user's calendar items getSchedule reports (ISO instants). */
  setBusy(user: string, items: BusyItem[]): void;
  /** getSchedule answers 200 with this error inside the user's schedule (a mailbox Graph cannot read). */
  setScheduleError(user: string, error: { responseCode: string; message: string } | undefined): void;
  fail(...faults: GraphFault[]): void;
  /** Lifetime of tokens issued from now on, in seconds (Entra's is about an hour). */
  tokenLifetime: number;
  /** Tokens issued so far stop being accepted (a revoked secret, a rotated key). */
  revokeTokens(): void;
  close(): Promise<void>;
}

const GRAPH_CODES: Record<number, string> = {
  400: "BadRequest",
  401: "InvalidAuthenticationToken",
  403: "ErrorAccessDenied",
  404: "ErrorItemNotFound",
  429: "TooManyRequests",
  500: "InternalServerError",
  503: "ServiceUnavailable",
};

/** "2026-12-01T10:00:00.0000000": Graph's dateTime, seven fraction digits, in UTC. */
const graphDateTime = (iso: string) => `${new Date(iso).toISOString().slice(0, 19)}.0000000`;

export async function startFakeGraph(): Promise<FakeGraph> {
  const tenantId = "72f988bf-0000-4000-8000-0000000000aa";
  const clientId = "6b1d2c9e-0000-4000-8000-0000000000cc";
  const clientSecret = "graph-secret-for-tests";
  const requests: GraphRequestRecord[] = [];
  const tokenRequests: GraphRequestRecord[] = [];
  const events: FakeGraphEvent[] = [];
  const busy = new Map<string, BusyItem[]>();
  const scheduleErrors = new Map<string, { responseCode: string; message: string }>();
  const faults: GraphFault[] = [];
  const tokens = new Map<string, number>();
  let issued = 0;
  let nextEvent = 1;

  const fake = {} as FakeGraph;
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const reply = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
        res.statusCode = status;
        for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
        if (body === undefined) return res.end();
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(body));
      };

      if (url.pathname === `/${tenantId}/oauth2/v2.0/token` || /^\/[^/]+\/oauth2\/v2\.0\/token$/.test(url.pathname)) {
        const form = Object.fromEntries(new URLSearchParams(raw));
        tokenRequests.push({ method: req.method ?? "", path: url.pathname, body: form });
        if (!url.pathname.startsWith(`/${tenantId}/`))
          return reply(400, { error: "invalid_request", error_description: "AADSTS90002: Tenant not found.\r\nTrace ID: 0000" });
        if (form.grant_type !== "client_credentials" || form.scope !== "https://graph.microsoft.com/.default")
          return reply(400, {
            error: "invalid_request",
            error_description: "AADSTS900144: The request body must contain the following parameter: 'grant_type'.",
          });
        if (form.client_id !== clientId || form.client_secret !== clientSecret) {
          return reply(401, {
            error: "invalid_client",
            error_description:
              "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.\r\nTrace ID: 1111\r\nCorrelation ID: 2222",
            error_codes: [7000215],
          });
        }
        const token = `token-${++issued}`;
        tokens.set(token, Date.now() + fake.tokenLifetime * 1000);
        return reply(200, { token_type: "Bearer", expires_in: fake.tokenLifetime, ext_expires_in: fake.tokenLifetime, access_token: token });
      }

      const record: GraphRequestRecord = {
        method: req.method ?? "",
        path: decodeURIComponent(url.pathname),
        body: raw ? JSON.parse(raw) : undefined,
        authorization: req.headers.authorization,
        prefer: req.headers.prefer as string | undefined,
      };
      requests.push(record);
      const graphError = (status: number, code?: string, message?: string, headers: Record<string, string> = {}) =>
        reply(
          status,
          {
            error: {
              code: code ?? GRAPH_CODES[status] ?? "UnknownError",
              message: message ?? `scripted ${status}`,
              innerError: { "request-id": "00000000-0000-0000-0000-000000000000", date: new Date().toISOString() },
            },
          },
          headers,
        );

      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      const expiry = bearer ? tokens.get(bearer) : undefined;
      if (!expiry || expiry < Date.now()) return graphError(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.");

      const fault = faults.shift();
      if (fault) {
        record.fault = fault;
        if ("hang" in fault) return; // never answered: the client's timeout must end it
        return graphError(fault.status, fault.code, fault.message, fault.retryAfter === undefined ? {} : { "retry-after": fault.retryAfter });
      }

      const schedule = /^\/v1\.0\/users\/([^/]+)\/calendar\/getSchedule$/.exec(record.path);
      const create = /^\/v1\.0\/users\/([^/]+)\/events$/.exec(record.path);
      const cancel = /^\/v1\.0\/users\/([^/]+)\/events\/([^/]+)\/cancel$/.exec(record.path);
      if (req.method === "POST" && schedule) {
        const from = Date.parse(`${record.body.startTime.dateTime}Z`);
        const to = Date.parse(`${record.body.endTime.dateTime}Z`);
        return reply(200, {
          "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)",
          value: (record.body.schedules as string[]).map((id) => {
            const error = scheduleErrors.get(id.toLowerCase());
            if (error) return { scheduleId: id, availabilityView: "", scheduleItems: [], error };
            const items = (busy.get(id.toLowerCase()) ?? []).filter((i) => Date.parse(i.start) < to && Date.parse(i.end) > from);
            return {
              scheduleId: id,
              availabilityView: "0",
              scheduleItems: items.map((i) => ({
                isPrivate: false,
                status: i.status ?? "busy",
                subject: "Busy",
                location: "",
                start: { dateTime: graphDateTime(i.start), timeZone: "UTC" },
                end: { dateTime: graphDateTime(i.end), timeZone: "UTC" },
              })),
              workingHours: {
                daysOfWeek: ["monday", "tuesday", "wednesday", "thursday", "friday"],
                startTime: "08:00:00.0000000",
                endTime: "17:00:00.0000000",
                timeZone: { name: "UTC" },
              },
            };
          }),
        });
      }
      if (req.method === "POST" && create) {
        const user = create[1]!;
        const again = record.body.transactionId ? events.find((e) => e.user === user && e.body.transactionId === record.body.transactionId) : undefined;
        const event = again ?? {
          id: `AAMkAGI1AAAt9AHj-${nextEvent++}=`,
          user,
          body: record.body,
          joinUrl: `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${nextEvent}%40thread.v2/0`,
          cancelled: false,
        };
        if (!again) events.push(event);
        return reply(201, {
          "@odata.context": `https://graph.microsoft.com/v1.0/$metadata#users('${user}')/events/$entity`,
          id: event.id,
          subject: event.body.subject,
          start: { dateTime: graphDateTime(`${event.body.start.dateTime}Z`), timeZone: "UTC" },
          end: { dateTime: graphDateTime(`${event.body.end.dateTime}Z`), timeZone: "UTC" },
          attendees: (event.body.attendees ?? []).map((a: any) => ({ ...a, status: { response: "none", time: "0001-01-01T00:00:00Z" } })),
          organizer: { emailAddress: { name: user, address: user } },
          isOnlineMeeting: event.body.isOnlineMeeting === true,
          onlineMeetingProvider: event.body.onlineMeetingProvider,
          onlineMeetingUrl: null,
          onlineMeeting: event.body.isOnlineMeeting ? { joinUrl: event.joinUrl } : null,
        });
      }
      if (req.method === "POST" && cancel) {
        const event = events.find((e) => e.user === cancel[1] && e.id === cancel[2]);
        if (!event) return graphError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
        event.cancelled = true;
        return reply(202);
      }
      return graphError(400, "BadRequest", `Unsupported request ${req.method} ${record.path}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return Object.assign(fake, {
    graphUrl: base,
    loginUrl: base,
    tenantId,
    clientId,
    clientSecret,
    requests,
    tokenRequests,
    events,
    tokenLifetime: 3599,
    setBusy: (user: string, items: BusyItem[]) => void busy.set(user.toLowerCase(), items),
    setScheduleError: (user: string, error: { responseCode: string; message: string } | undefined) =>
      void (error ? scheduleErrors.set(user.toLowerCase(), error) : scheduleErrors.delete(user.toLowerCase())),
    fail: (...more: GraphFault[]) => void faults.push(...more),
    revokeTokens: () => tokens.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

/** Client settings pointing at the fake. */
export function fakeGraphSettings(graph: FakeGraph, overrides: Partial<{ timeoutMs: number; maxRetryWaitMs: number }> = {}) {
  return {
    tenantId: graph.tenantId,
    clientId: graph.clientId,
    clientSecret: graph.clientSecret,
    baseUrl: graph.graphUrl,
    loginBaseUrl: graph.loginUrl,
    ...overrides,
  };
}
