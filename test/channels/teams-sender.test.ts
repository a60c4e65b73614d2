import { createServer } from "node:net";
import { TurnContext } from "botbuilder";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createTeamsBot, type TeamsBot } from "../../bot/index.ts";
import { createApp } from "../../app/index.ts";
import type { Clock } from "../../channels/rate-limiter.ts";
import { createTeamsSender, type TeamsMessenger } from "../../channels/teams-sender.ts";
import { ChannelFailure, type OutboundMessage } from "../../delivery/ports.ts";
import { createLogger } from "../../core/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { startFakeConnector, teamsMessage, type FakeConnector } from "../helpers/fake-connector.ts";

/** A conversation reference as the bot stores it from a student's message. */
function referenceFor(serviceUrl: string, conversationId = "a:1personal-chat-id") {
  const incoming = teamsMessage(serviceUrl, "hello", {
    conversation: { conversationType: "personal", tenantId: "72f988bf-0000-4000-8000-000000000001", id: conversationId },
  });
  return JSON.parse(JSON.stringify(TurnContext.getConversationReference(incoming as never)));
}

function message(teamsReference: unknown, text = "Hi Ada, we noticed you have not logged in to Moodle this week."): OutboundMessage {
  return { deliveryId: 1, interventionId: 1, recipient: { id: 1, studentNumber: "S0001", teamsReference }, text };
}

async function failureOf(promise: Promise<unknown>): Promise<ChannelFailure> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ChannelFailure);
    return error as ChannelFailure;
  }
  throw new Error("expected the send to fail");
}

/**
 * Time that passes only when the limiter sleeps: the schedule is exact and the test never waits.
 * A sleep yields to pending work first, so sends already granted go out at the time they were granted.
 */
function virtualClock(): Clock {
  let now = 0;
  return {
    now: () => now,
    sleep: (ms) =>
      new Promise((resolve) =>
        setImmediate(() => {
          now += ms;
          resolve();
        }),
      ),
  };
}

/** The real messenger, noting the limiter's time at which each send went out. */
function timed(messenger: TeamsMessenger, clock: Clock, sentAt: number[]): TeamsMessenger {
  return {
    sendToConversation(reference, activity, options) {
      sentAt.push(clock.now());
      return messenger.sendToConversation(reference, activity, options);
    },
  };
}

/** At most `limit` of `times` (sorted) within any `perMs` span. */
function maxInWindow(times: number[], perMs: number): number {
  return Math.max(...times.map((start) => times.filter((t) => t >= start && t < start + perMs).length));
}

describe("the Teams sender through the bot's adapter to a stand-in Bot Connector", () => {
  const database = useMigratedDatabase();
  let connector: FakeConnector;
  let bot: TeamsBot;
  let reference: ReturnType<typeof referenceFor>;
  const sendsTo = (conversationId: string) =>
    connector.calls.filter((c) => c.method === "POST" && c.path.startsWith(`/v3/conversations/${encodeURIComponent(conversationId)}/activities`));

  beforeAll(async () => {
    connector = await startFakeConnector();
    // Local mode: no app id, so the adapter sends without credentials.
    bot = createTeamsBot({ appType: "MultiTenant" }, createLogger("silent"), createApp(database.db));
    reference = referenceFor(connector.serviceUrl);
  });
  beforeEach(() => {
    connector.calls.length = 0;
  });
  afterAll(async () => {
    await connector?.close();
  });

  it("posts the text as a new message into the stored conversation and returns Teams' activity id", async () => {
    const sender = createTeamsSender(bot.messenger);
    expect(sender.channel).toBe("teams");
    const result = await sender.send(message(reference));

    const [call, ...others] = connector.calls;
    expect(others).toEqual([]);
    expect(call).toMatchObject({ method: "POST", path: `/v3/conversations/${encodeURIComponent("a:1personal-chat-id")}/activities`, status: 200 });
    expect(call!.body).toMatchObject({
      type: "message",
      text: "Hi Ada, we noticed you have not logged in to Moodle this week.",
      conversation: { id: "a:1personal-chat-id" },
      recipient: { id: "29:1student-teams-id" },
    });
    expect(call!.body.replyToId).toBeUndefined();
    // Qualified by the conversation: activity ids repeat across conversations.
    expect(result.providerMessageId).toBe(`a:1personal-chat-id|${call!.response.id}`);
  });

  it("without a stored conversation the student is unavailable on Teams, and nothing is sent", async () => {
    const sender = createTeamsSender(bot.messenger);
    const failure = await failureOf(sender.send(message(undefined)));
    expect(failure.kind).toBe("unavailable");
    expect(failure.message).toBe("no Teams conversation: the student has not installed the app");
    expect(connector.calls).toEqual([]);
  });

  it.each([
    [403, "ConversationBlockedByUser"],
    [404, "ConversationNotFound"],
  ])("%i (app uninstalled, bot blocked, conversation gone) makes the student unavailable on Teams", async (status, code) => {
    connector.failNext({ status });
    const failure = await failureOf(createTeamsSender(bot.messenger).send(message(reference)));
    expect(failure.kind).toBe("unavailable");
    expect(failure.detail).toMatchObject({ status, providerCode: code });
    // Exactly one request: no retry inside the SDK, and no apology sent by the adapter's error handler.
    expect(connector.calls.map((c) => c.status)).toEqual([status]);
  });

  it("429 is retryable after the Retry-After the connector gave, in seconds or as a date", async () => {
    const sender = createTeamsSender(bot.messenger);
    connector.failNext({ status: 429, retryAfter: "1" });
    const throttled = await failureOf(sender.send(message(reference)));
    expect(throttled.kind).toBe("retryable");
    expect(throttled.detail).toMatchObject({ status: 429, retryAfterMs: 1000 });
    expect(connector.calls).toHaveLength(1);

    connector.failNext({ status: 429, retryAfter: new Date(Date.now() + 30_000).toUTCString() });
    const dated = await failureOf(sender.send(message(reference)));
    expect(dated.detail.retryAfterMs).toBeGreaterThan(27_000);
    expect(dated.detail.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it.each([412, 500, 502, 503, 504])("%i is retryable, sent once, with no Retry-After unless given", async (status) => {
    connector.failNext({ status });
    const failure = await failureOf(createTeamsSender(bot.messenger).send(message(reference)));
    expect(failure.kind).toBe("retryable");
    expect(failure.detail.status).toBe(status);
    expect(failure.detail.retryAfterMs).toBeUndefined();
    expect(connector.calls).toHaveLength(1);
  });

  it("other refusals (400, 401, 413) are permanent", async () => {
    const sender = createTeamsSender(bot.messenger);
    for (const status of [400, 401, 413]) {
      connector.failNext({ status, code: "BadArgument" });
      const failure = await failureOf(sender.send(message(reference)));
      expect(failure.kind).toBe("permanent");
      expect(failure.detail).toMatchObject({ status, providerCode: "BadArgument" });
    }
  });

  it("a connector that never answers is a retryable timeout, and the request is abandoned", async () => {
    connector.failNext({ hang: true });
    const started = performance.now();
    const failure = await failureOf(createTeamsSender(bot.messenger, { timeoutMs: 300 }).send(message(reference)));
    expect(failure.kind).toBe("retryable");
    expect(failure.message).toMatch(/did not answer within 300 ms/);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(connector.calls.map((c) => c.status)).toEqual(["hang"]);
    // The timeout aborts the HTTP request rather than leaving its socket open.
    await vi.waitFor(() => expect(connector.calls[0]!.abandoned).toBe(true), { timeout: 2_000 });
  });

  it("a connector that refuses connections is retryable", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const failure = await failureOf(createTeamsSender(bot.messenger).send(message(referenceFor(`http://127.0.0.1:${port}/`))));
    expect(failure.kind).toBe("retryable");
    expect(failure.detail.providerCode).toBe("ECONNREFUSED");
  });

  it("keeps within Teams' per-conversation limits by waiting: 20 sends to one chat spread over 4 seconds", async () => {
    const clock = virtualClock();
    const sentAt: number[] = [];
    const sender = createTeamsSender(timed(bot.messenger, clock, sentAt), { clock });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => sender.send(message(reference, `message ${i + 1}`))));

    // 7 per second and 8 per 2 seconds: seven at once, one a second later, and so on.
    expect(sentAt).toEqual([0, 0, 0, 0, 0, 0, 0, 1000, 2000, 2000, 2000, 2000, 2000, 2000, 2000, 3000, 4000, 4000, 4000, 4000]);
    expect(maxInWindow(sentAt, 1000)).toBeLessThanOrEqual(7);
    expect(maxInWindow(sentAt, 2000)).toBeLessThanOrEqual(8);
    expect(sentAt.at(-1)).toBeGreaterThanOrEqual(2000);
    // All of them were sent, none failed.
    expect(new Set(results.map((r) => r.providerMessageId)).size).toBe(20);
    expect(
      sendsTo("a:1personal-chat-id")
        .map((c) => c.body.text)
        .sort(),
    ).toEqual(Array.from({ length: 20 }, (_, i) => `message ${i + 1}`).sort());
  });

  it("keeps within the app-wide ceiling across conversations", async () => {
    const clock = virtualClock();
    const sentAt: number[] = [];
    const sender = createTeamsSender(timed(bot.messenger, clock, sentAt), { clock, perAppPerSecond: 5 });
    const references = Array.from({ length: 12 }, (_, i) => referenceFor(connector.serviceUrl, `a:chat-${i}`));
    await Promise.all(references.map((r) => sender.send(message(r))));

    expect(sentAt).toEqual([0, 0, 0, 0, 0, 1000, 1000, 1000, 1000, 1000, 2000, 2000]);
    expect(connector.calls).toHaveLength(12);
  });

  it("a failed send still counts towards the limit and does not hold up the next", async () => {
    const clock = virtualClock();
    const sentAt: number[] = [];
    const sender = createTeamsSender(timed(bot.messenger, clock, sentAt), { clock, perConversationPerSecond: 1 });
    connector.failNext({ status: 502 });
    const [first, second] = await Promise.allSettled([sender.send(message(reference)), sender.send(message(reference))]);
    expect(first.status).toBe("rejected");
    expect(second.status).toBe("fulfilled");
    expect(sentAt).toEqual([0, 1000]);
  });
});
