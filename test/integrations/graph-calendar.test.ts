/**
 * The Microsoft Graph calendar client against a local Graph and Entra sign-in: the app-only token
 * (asked for once, shared, renewed before it lapses), free/busy in UTC, the Teams meeting event,
 * its cancellation, and how failures come back (Graph's code and message, 429/503 tried again
 * once after Retry-After, timeouts).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGraphCalendar, GraphError, graphTutorCalendar, type GraphCalendar } from "../../integrations/graph-calendar.ts";
import { fakeGraphSettings, startFakeGraph, type FakeGraph } from "../helpers/fake-graph.ts";

const TUTOR = "okafor@uni.example";
const at = (text: string) => new Date(text);
const FROM = at("2026-11-30T09:00:00Z");
const TO = at("2026-12-15T09:00:00Z");

describe("Graph calendar client", () => {
  let graph: FakeGraph;
  let client: GraphCalendar;

  beforeAll(async () => {
    graph = await startFakeGraph();
  });
  afterAll(async () => {
    await graph?.close();
  });
  beforeEach(() => {
    graph.requests.length = 0;
    graph.tokenRequests.length = 0;
    graph.tokenLifetime = 3599;
    graph.setBusy(TUTOR, []);
    graph.setScheduleError(TUTOR, undefined);
    client = createGraphCalendar(fakeGraphSettings(graph));
  });

  describe("the app-only token", () => {
    it("asks the tenant's token endpoint for a client-credentials token once, and reuses it", async () => {
      await client.freeBusy(TUTOR, FROM, TO);
      await client.freeBusy(TUTOR, FROM, TO);
      await client.createMeeting({
        tutorEmail: TUTOR,
        studentEmail: null,
        studentName: "Jamie",
        subject: "Chat",
        start: at("2026-12-01T10:00:00Z"),
        end: at("2026-12-01T10:30:00Z"),
        body: "hi",
      });
      expect(graph.tokenRequests).toHaveLength(1);
      expect(graph.tokenRequests[0]).toMatchObject({
        method: "POST",
        path: `/${graph.tenantId}/oauth2/v2.0/token`,
        body: { grant_type: "client_credentials", scope: "https://graph.microsoft.com/.default", client_id: graph.clientId, client_secret: graph.clientSecret },
      });
      expect(graph.requests).toHaveLength(3);
      expect(new Set(graph.requests.map((r) => r.authorization)).size).toBe(1);
      expect(graph.requests[0]!.authorization).toMatch(/^Bearer token-\d+$/);
    });

    it("shares one sign-in between calls made at the same moment", async () => {
      await Promise.all([client.freeBusy(TUTOR, FROM, TO), client.freeBusy(TUTOR, FROM, TO), client.freeBusy("other@uni.example", FROM, TO)]);
      expect(graph.tokenRequests).toHaveLength(1);
    });

    it("signs in again before the token lapses, and once more when Graph refuses a token early", async () => {
      graph.tokenLifetime = 1; // renewed after half its life when it is this short
      await client.freeBusy(TUTOR, FROM, TO);
      await new Promise((r) => setTimeout(r, 600));
      await client.freeBusy(TUTOR, FROM, TO);
      expect(graph.tokenRequests).toHaveLength(2);

      graph.tokenLifetime = 3599;
      graph.revokeTokens();
      graph.requests.length = 0;
      await client.freeBusy(TUTOR, FROM, TO);
      expect(graph.tokenRequests).toHaveLength(3);
      // Refused with 401, signed in again, and asked again with the new token.
      expect(graph.requests).toHaveLength(2);
      expect(graph.requests[0]!.authorization).not.toBe(graph.requests[1]!.authorization);
    });

    it("reports a refused sign-in with Entra's code and first line, never the secret", async () => {
      const wrong = createGraphCalendar({ ...fakeGraphSettings(graph), clientSecret: "not-the-secret" });
      const error = await wrong.freeBusy(TUTOR, FROM, TO).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GraphError);
      expect(error).toMatchObject({ status: 401, code: "invalid_client" });
      expect((error as Error).message).toBe(
        "Graph sign-in: HTTP 401 invalid_client: AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.",
      );
      expect((error as Error).message).not.toContain("not-the-secret");
      expect(graph.requests).toHaveLength(0);
    });
  });

  describe("free/busy", () => {
    it("asks getSchedule for the tutor in UTC and returns busy, tentative and out-of-office times", async () => {
      graph.setBusy(TUTOR, [
        { start: "2026-12-03T14:00:00Z", end: "2026-12-03T15:00:00Z", status: "tentative" },
        { start: "2026-12-01T10:00:00Z", end: "2026-12-01T10:45:00Z", status: "busy" },
        { start: "2026-12-02T09:00:00Z", end: "2026-12-02T17:00:00Z", status: "oof" },
        { start: "2026-12-04T09:00:00Z", end: "2026-12-04T10:00:00Z", status: "free" },
        { start: "2026-12-07T09:00:00Z", end: "2026-12-07T17:00:00Z", status: "workingElsewhere" },
      ]);
      const busy = await client.freeBusy(TUTOR, FROM, TO);
      expect(busy.map((b) => [b.start.toISOString(), b.end.toISOString()])).toEqual([
        ["2026-12-01T10:00:00.000Z", "2026-12-01T10:45:00.000Z"],
        ["2026-12-02T09:00:00.000Z", "2026-12-02T17:00:00.000Z"],
        ["2026-12-03T14:00:00.000Z", "2026-12-03T15:00:00.000Z"],
      ]);
      const request = graph.requests[0]!;
      expect(request).toMatchObject({ method: "POST", path: `/v1.0/users/${TUTOR}/calendar/getSchedule`, prefer: 'outlook.timezone="UTC"' });
      expect(request.body).toEqual({
        schedules: [TUTOR],
        startTime: { dateTime: "2026-11-30T09:00:00", timeZone: "UTC" },
        endTime: { dateTime: "2026-12-15T09:00:00", timeZone: "UTC" },
        availabilityViewInterval: 15,
      });
    });

    it("fails on a schedule Graph could not read (answered 200 with an error inside)", async () => {
      graph.setScheduleError(TUTOR, { responseCode: "ErrorMailRecipientNotFound", message: "Mailbox not found." });
      await expect(client.freeBusy(TUTOR, FROM, TO)).rejects.toThrow(/^Graph free\/busy: ErrorMailRecipientNotFound: Mailbox not found\.$/);
    });

    it("is the domain's TutorCalendar.busy", async () => {
      graph.setBusy(TUTOR, [{ start: "2026-12-01T10:00:00Z", end: "2026-12-01T10:30:00Z" }]);
      const busy = await graphTutorCalendar(client).busy({ email: TUTOR }, FROM, TO);
      expect(busy).toEqual([{ start: at("2026-12-01T10:00:00Z"), end: at("2026-12-01T10:30:00Z") }]);
    });
  });

  describe("the meeting", () => {
    it("is an event in the tutor's calendar with a Teams meeting and the student as a required attendee", async () => {
      const created = await client.createMeeting({
        tutorEmail: TUTOR,
        studentEmail: "jamie@students.example",
        studentName: "Jamie Reid",
        subject: "Chat: Jamie and Dr Okafor",
        start: at("2026-12-03T14:00:00Z"),
        end: at("2026-12-03T14:30:00Z"),
        body: "A short chat.",
        transactionId: "meeting-7@nudge",
      });
      const event = graph.events.at(-1)!;
      expect(created).toEqual({ eventId: event.id, joinUrl: event.joinUrl });
      expect(created.joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//);
      expect(graph.requests[0]).toMatchObject({ method: "POST", path: `/v1.0/users/${TUTOR}/events`, prefer: 'outlook.timezone="UTC"' });
      expect(event.body).toMatchObject({
        subject: "Chat: Jamie and Dr Okafor",
        body: { contentType: "text", content: "A short chat." },
        start: { dateTime: "2026-12-03T14:00:00", timeZone: "UTC" },
        end: { dateTime: "2026-12-03T14:30:00", timeZone: "UTC" },
        attendees: [{ emailAddress: { address: "jamie@students.example", name: "Jamie Reid" }, type: "required" }],
        isOnlineMeeting: true,
        onlineMeetingProvider: "teamsForBusiness",
        allowNewTimeProposals: false,
        transactionId: "meeting-7@nudge",
      });
    });

    it("is cancelled through the organiser's calendar, telling the attendees", async () => {
      const { eventId } = await client.createMeeting({
        tutorEmail: TUTOR,
        studentEmail: null,
        studentName: "Jamie",
        subject: "Chat",
        start: at("2026-12-01T10:00:00Z"),
        end: at("2026-12-01T10:30:00Z"),
        body: "hi",
      });
      await graphTutorCalendar(client).cancel({ email: TUTOR }, eventId);
      expect(graph.requests.at(-1)).toMatchObject({ method: "POST", path: `/v1.0/users/${TUTOR}/events/${eventId}/cancel` });
      expect(graph.events.find((e) => e.id === eventId)?.cancelled).toBe(true);
      await expect(client.cancelMeeting(TUTOR, "no-such-event")).rejects.toMatchObject({ status: 404, code: "ErrorItemNotFound" });
    });
  });

  describe("failures", () => {
    it("waits for Retry-After on a 429 and tries once more", async () => {
      graph.fail({ status: 429, retryAfter: "1" });
      const started = Date.now();
      await client.freeBusy(TUTOR, FROM, TO);
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      expect(graph.requests.map((r) => (r.fault && "status" in r.fault ? r.fault.status : 200))).toEqual([429, 200]);
    });

    it("gives up after the one retry, and at once when Graph asks for a longer wait than allowed", async () => {
      graph.fail({ status: 503, retryAfter: "1" }, { status: 503, retryAfter: "1", message: "Service is busy." });
      const error = await client.freeBusy(TUTOR, FROM, TO).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 503, code: "ServiceUnavailable", message: "Graph free/busy: HTTP 503 ServiceUnavailable: Service is busy." });
      expect(graph.requests).toHaveLength(2);

      graph.requests.length = 0;
      graph.fail({ status: 429, retryAfter: "120" });
      const started = Date.now();
      await expect(client.freeBusy(TUTOR, FROM, TO)).rejects.toMatchObject({ status: 429, code: "TooManyRequests" });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(graph.requests).toHaveLength(1);
    });

    it("names Graph's error code and message, and does not retry a refusal", async () => {
      graph.fail({ status: 403, code: "ErrorAccessDenied", message: "Access is denied. Check credentials and try again." });
      const error = await client
        .createMeeting({
          tutorEmail: TUTOR,
          studentEmail: null,
          studentName: "Jamie",
          subject: "Chat",
          start: at("2026-12-01T10:00:00Z"),
          end: at("2026-12-01T10:30:00Z"),
          body: "hi",
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GraphError);
      expect(error).toMatchObject({
        status: 403,
        code: "ErrorAccessDenied",
        message: "Graph create event: HTTP 403 ErrorAccessDenied: Access is denied. Check credentials and try again.",
      });
      expect(graph.requests).toHaveLength(1);
    });

    it("gives up on a Graph that does not answer", async () => {
      const impatient = createGraphCalendar(fakeGraphSettings(graph, { timeoutMs: 300 }));
      graph.fail({ hang: true });
      await expect(impatient.freeBusy(TUTOR, FROM, TO)).rejects.toMatchObject({
        name: "GraphError",
        status: 0,
        code: "timeout",
        message: "Graph free/busy: no answer within 0.3 s",
      });
    });

    it("reports a Graph that is not there", async () => {
      const nowhere = createGraphCalendar({ ...fakeGraphSettings(graph), loginBaseUrl: "http://127.0.0.1:9" });
      await expect(nowhere.freeBusy(TUTOR, FROM, TO)).rejects.toMatchObject({ status: 0, code: "network" });
    });
  });
});
