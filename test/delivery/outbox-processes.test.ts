/**
 * The outbox dispatcher as operators run it, `nudge outbox dispatch`, in real processes against a
 * stand-in Twilio API in this process: two dispatchers sharing a PostgreSQL outbox send each
 * message once, and a dispatcher killed mid-dispatch loses nothing and duplicates only inside the
 * crash window documented in delivery/outbox.ts.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DispatchFigures } from "../../delivery/outbox.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { startFakeTwilio, type FakeTwilio } from "../helpers/fake-twilio.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";
import { seedDueDeliveries, type SeededDelivery } from "../helpers/outbox-seed.ts";
import { runNudge, spawnNode, type Spawned } from "../helpers/processes.ts";

const ACCOUNT = `AC${"1".repeat(32)}`;

/** What a dispatcher process needs: the database, SMS through the stand-in, nothing held back. */
function dispatcherEnv(databaseUrl: string, twilio: FakeTwilio): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    NUDGE_CHANNELS: "sms",
    TWILIO_ACCOUNT_SID: ACCOUNT,
    TWILIO_AUTH_TOKEN: "test-auth-token",
    TWILIO_FROM: "+447700900001",
    TWILIO_API_BASE_URL: twilio.url,
    NUDGE_QUIET_HOURS: "off",
    NUDGE_WEEKLY_CAP: "50",
    LOG_LEVEL: "silent",
  };
}

const DISPATCH = ["bin/nudge.js", "outbox", "dispatch", "--json"];

function figuresOf(stdout: string): DispatchFigures {
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as DispatchFigures;
}

/** Messages the stand-in accepted, by number. */
function acceptedByNumber(twilio: FakeTwilio): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of twilio.requests) if (!request.fault && request.form.To) counts.set(request.form.To, (counts.get(request.form.To) ?? 0) + 1);
  return counts;
}

const postgresUnderTest = databaseKindsUnderTest().includes("postgresql");
if (!postgresUnderTest) {
  console.log(
    "outbox: the two-dispatcher-process test is skipped: it is about several dispatchers sharing one PostgreSQL database " +
      "(how a service on more than one machine runs), and no PostgreSQL server answered.",
  );
}

describe.runIf(postgresUnderTest)("two `nudge outbox dispatch` processes on one PostgreSQL database", () => {
  const COUNT = 5_000;
  const database = useMigratedDatabase("postgresql");
  let twilio: FakeTwilio;
  let seeded: SeededDelivery[];

  beforeAll(async () => {
    seeded = await seedDueDeliveries(database.db, COUNT);
    // A few milliseconds per answer, as a real provider's, so sends overlap claims.
    twilio = await startFakeTwilio({ delayMs: 5 });
  });
  afterAll(async () => {
    await twilio?.close();
  });

  it(`send ${COUNT.toLocaleString("en-GB")} due messages between them, each exactly once`, { timeout: 900_000 }, async () => {
    const env = dispatcherEnv(database.url, twilio);
    const dispatchers = [spawnNode(DISPATCH, env), spawnNode(DISPATCH, env)];
    const codes = await Promise.all(dispatchers.map((d) => d.exited));
    const outputs = dispatchers.map((d) => d.output());
    expect(codes, outputs.map((o) => o.stderr).join("\n")).toEqual([0, 0]);

    // The provider received every number exactly once.
    const received = acceptedByNumber(twilio);
    expect(twilio.requests).toHaveLength(COUNT);
    expect(received.size).toBe(COUNT);
    expect([...received.values()].every((n) => n === 1)).toBe(true);
    expect(seeded.every((s) => received.get(s.mobile) === 1)).toBe(true);

    // Every row is sent, with the provider's id for it, and no id twice.
    const deliveries = await database.db.prisma.delivery.findMany({ select: { state: true, providerMessageId: true, leaseOwner: true, attempts: true } });
    expect(deliveries).toHaveLength(COUNT);
    expect(deliveries.filter((d) => d.state !== "sent")).toEqual([]);
    expect(deliveries.every((d) => d.leaseOwner === null && d.attempts === 1)).toBe(true);
    const ids = new Set(deliveries.map((d) => d.providerMessageId));
    expect(ids.size).toBe(COUNT);
    expect(ids.has(null)).toBe(false);
    expect(await database.db.prisma.intervention.count({ where: { state: "sent" } })).toBe(COUNT);

    // Both did part of the work, and their figures add up to it.
    const figures = outputs.map((o) => figuresOf(o.stdout));
    console.log(`outbox: two dispatcher processes sent ${figures.map((f) => f.sent).join(" + ")} messages`);
    expect(figures.reduce((sum, f) => sum + f.sent, 0)).toBe(COUNT);
    expect(figures.map((f) => f.sent > 0)).toEqual([true, true]);
    expect(figures.map((f) => f.lostLeases + f.failed + f.retried + f.held + f.fellBack + f.cancelled + f.expired)).toEqual([0, 0]);
  });
});

describe.each(databaseKindsUnderTest())("`nudge outbox dispatch` killed mid-dispatch on %s, then run again", (kind) => {
  const COUNT = 200;
  const KILL_AFTER = 50;
  const database = useMigratedDatabase(kind);
  let twilio: FakeTwilio;
  let running: Spawned | undefined;

  beforeAll(async () => {
    // 20 ms per answer: the dispatcher is killed with sends in flight.
    twilio = await startFakeTwilio({ delayMs: 20 });
  });
  afterEach(() => {
    if (running && running.child.exitCode === null && running.child.signalCode === null) running.child.kill("SIGKILL");
  });
  afterAll(async () => {
    await twilio?.close();
  });

  it("loses nothing, duplicates only rows that were being sent when it died, and sends nothing to students who opted out meanwhile", {
    timeout: 300_000,
  }, async () => {
    const { db } = database;
    const seeded = await seedDueDeliveries(db, COUNT);
    const env = dispatcherEnv(database.url, twilio);

    running = spawnNode(DISPATCH, env);
    const first = running;
    while (twilio.requests.length < KILL_AFTER) {
      if (first.child.exitCode !== null) throw new Error(`the dispatcher finished before it could be killed: ${first.output().stderr}`);
      await sleep(2);
    }
    first.child.kill("SIGKILL");
    expect(await first.exited).toBeNull();
    expect(first.child.signalCode).toBe("SIGKILL");

    // What the dead process left: some rows sent, some claimed (`sending`, under its lease), the rest pending.
    const left = await db.prisma.delivery.findMany({ select: { id: true, state: true, leaseUntil: true }, orderBy: { id: "asc" } });
    const stranded = left.filter((d) => d.state === "sending");
    const pending = left.filter((d) => d.state === "pending");
    const sentBefore = left.filter((d) => d.state === "sent");
    expect(stranded.length + pending.length + sentBefore.length).toBe(COUNT);
    expect(stranded.length).toBeGreaterThan(0);
    expect(pending.length).toBeGreaterThan(0);
    expect(stranded.every((d) => d.leaseUntil !== null && d.leaseUntil.getTime() > Date.now())).toBe(true);
    const receivedBefore = acceptedByNumber(twilio);
    expect(receivedBefore.size).toBeGreaterThanOrEqual(KILL_AFTER);

    // Meanwhile a few students reply STOP: some whose message was in the dead process's hands, some still waiting.
    const byDelivery = new Map(seeded.map((s) => [s.deliveryId, s]));
    const optedOut = [...stranded.slice(0, 3), ...pending.slice(-3)].map((d) => byDelivery.get(d.id)!);
    await db.prisma.student.updateMany({ where: { id: { in: optedOut.map((s) => s.studentId) } }, data: { smsOptOutAt: new Date() } });

    // The dead process's lease runs out (2 minutes by default; moved into the past instead of waited for).
    const expired = await db.prisma.delivery.updateMany({ where: { state: "sending" }, data: { leaseUntil: new Date(Date.now() - 1000) } });
    expect(expired.count).toBe(stranded.length);

    const second = await runNudge(DISPATCH.slice(1), env);
    expect(second.code, second.stderr).toBe(0);
    const figures = figuresOf(second.stdout);
    expect(figures.sent).toBe(stranded.length + pending.length - optedOut.length);
    expect(figures.failed).toBe(optedOut.length);
    expect(figures.lostLeases).toBe(0);

    // Nothing lost: every delivery is sent, except those of students who opted out, which failed saying why.
    const optedOutIds = new Set(optedOut.map((s) => s.deliveryId));
    const after = await db.prisma.delivery.findMany({ select: { id: true, state: true, lastError: true, providerMessageId: true } });
    expect(after.filter((d) => !optedOutIds.has(d.id) && d.state !== "sent")).toEqual([]);
    expect(after.filter((d) => optedOutIds.has(d.id)).map((d) => [d.state, d.lastError])).toEqual(
      optedOut.map(() => ["failed", "the student opted out of sms"]),
    );
    const providerIds = after.map((d) => d.providerMessageId).filter((id) => id !== null);
    expect(new Set(providerIds).size).toBe(providerIds.length);

    // Every student who did not opt out received the message; opted-out students received nothing more.
    const received = acceptedByNumber(twilio);
    const optedOutNumbers = new Set(optedOut.map((s) => s.mobile));
    expect(seeded.filter((s) => !optedOutNumbers.has(s.mobile) && !received.get(s.mobile))).toEqual([]);
    for (const s of optedOut) expect(received.get(s.mobile) ?? 0, s.mobile).toBe(receivedBefore.get(s.mobile) ?? 0);

    // Duplicates: only numbers whose row was `sending` when the process died (the provider accepted,
    // the row was not yet marked sent), at most once more each, and at most one per send in flight.
    const strandedNumbers = new Set(stranded.map((d) => byDelivery.get(d.id)!.mobile));
    const duplicated = [...received].filter(([, n]) => n > 1);
    expect(duplicated.filter(([number]) => !strandedNumbers.has(number))).toEqual([]);
    expect(duplicated.every(([, n]) => n === 2)).toBe(true);
    expect(duplicated.length).toBeLessThanOrEqual(8); // the dispatcher's default concurrency
    console.log(
      `outbox on ${kind}: killed after ${receivedBefore.size} accepted; ${stranded.length} rows were sending, ${duplicated.length} numbers got a second message`,
    );
  });
});
