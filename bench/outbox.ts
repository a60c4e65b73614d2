/**
 * One outbox measurement in its own process.
 * Usage: node --import tsx bench/outbox.ts <database-url> <deliveries> <dispatchers> <twilio-url> <smtp-port>
 *
 * Seeds <deliveries> due deliveries (even ones SMS, odd ones email; one student and one queued
 * intervention each), then times `dispatchDue` with the real senders (the twilio library against
 * the stand-in Twilio API, nodemailer's pool against a loopback SMTP server), <dispatchers> of them
 * at once in this process, each with its own senders and owner id, sharing the database handle as
 * the service's threads do. Dispatcher settings are the defaults the service uses.
 *
 * The database cost is counted where Prisma Client meets the database: its driver adapter is
 * wrapped so every SQL statement Prisma sends and every transaction it opens is counted and timed.
 * `sqlPerDelivery` counts the reads and writes (claims included, spread over the deliveries);
 * each transaction adds a BEGIN and a COMMIT on top, counted as `transactionsPerDelivery`.
 * `cpuMsPerDelivery` is this process's CPU time (Prisma Client, the senders, the dispatcher) per
 * delivery: unlike wall time it hardly moves when other work shares the machine, and
 * `eventLoopBusyPercent` says whether that CPU is the limit (near 100: the dispatcher waits on
 * neither the database nor the providers). `dbMsPerDelivery` sums every statement's round trip
 * (BEGIN and COMMIT included) and `providerMsPerDelivery` every send's, as seen from here: with
 * 8 sends in flight per dispatcher both exceed wall time, and once the event loop is saturated
 * they mostly measure the wait for it rather than the database or the provider.
 */
import { createEmailSender } from "../channels/email-sender.ts";
import { dispatchDue, newDispatcherId, type DispatchFigures } from "../delivery/outbox.ts";
import { createSmsSender } from "../channels/sms-sender.ts";
import type { ChannelSender } from "../delivery/ports.ts";
import type { ChannelName } from "../core/index.ts";
import { openDatabase } from "../prisma/index.ts";
import { seedDueDeliveries } from "../test/helpers/outbox-seed.ts";

const [url, deliveriesArg, dispatchersArg, twilioUrl, smtpPort] = process.argv.slice(2);
if (!url || !deliveriesArg || !dispatchersArg || !twilioUrl || !smtpPort) {
  throw new Error("usage: outbox.ts <database-url> <deliveries> <dispatchers> <twilio-url> <smtp-port>");
}
const deliveries = Number(deliveriesArg);
const dispatchers = Number(dispatchersArg);

interface StatementCounts {
  reads: number;
  writes: number;
  commits: number;
  transactions: number;
  /** Summed round trips of every statement (they overlap when sends run concurrently). */
  ms: number;
}

const counts: StatementCounts = { reads: 0, writes: 0, commits: 0, transactions: 0, ms: 0 };
let counting = false;

type Query = { sql: string };
type Queryable = { queryRaw(q: Query): Promise<unknown>; executeRaw(q: Query): Promise<unknown> };

function countStatement(sql: string, ms: number): void {
  if (!counting) return;
  const verb = sql.trimStart().slice(0, 8).toUpperCase();
  if (verb.startsWith("COMMIT") || verb.startsWith("ROLLBACK") || verb.startsWith("-- IMPLI")) counts.commits++;
  else if (verb.startsWith("SELECT") || verb.startsWith("WITH")) counts.reads++;
  else counts.writes++;
  counts.ms += ms;
}

/** The object with its statements counted; everything else is the object's own. */
function counted<T extends object>(target: T): T {
  return new Proxy(target, {
    get(object, property) {
      const value = Reflect.get(object, property, object) as unknown;
      if (typeof value !== "function") return value;
      if (property === "queryRaw" || property === "executeRaw") {
        return async (query: Query) => {
          const started = performance.now();
          try {
            return await (value as Queryable["queryRaw"]).call(object, query);
          } finally {
            countStatement(query.sql, performance.now() - started);
          }
        };
      }
      if (property === "startTransaction") {
        return async (...args: unknown[]) => {
          const started = performance.now();
          const transaction = (await (value as (...a: unknown[]) => Promise<object>).apply(object, args)) as object;
          if (counting) {
            counts.transactions++;
            counts.ms += performance.now() - started; // BEGIN's round trip (PostgreSQL) or the wait for the write lock (SQLite)
          }
          return counted(transaction);
        };
      }
      if (property === "connect") return async () => counted((await (value as () => Promise<object>).call(object)) as object);
      return (value as (...a: unknown[]) => unknown).bind(object);
    },
  });
}

/** A sender whose send time (the provider's answer, seen from here) is summed. */
function timed(sender: ChannelSender, total: { ms: number }): ChannelSender {
  return {
    channel: sender.channel,
    async send(message) {
      const started = performance.now();
      try {
        return await sender.send(message);
      } finally {
        total.ms += performance.now() - started;
      }
    },
    close: () => sender.close?.() ?? Promise.resolve(),
  };
}

const db = await openDatabase(url, { migrate: true, wrapAdapter: counted });
let started = performance.now();
await seedDueDeliveries(db, deliveries, { channelOf: (i) => (i % 2 === 0 ? "sms" : "email") });
const seedSeconds = (performance.now() - started) / 1000;
if (db.kind === "postgresql") await db.sql.execScript("ANALYZE");

const provider = { ms: 0 };
const senderSets = Array.from({ length: dispatchers }, () => {
  const senders = new Map<ChannelName, ChannelSender>();
  senders.set(
    "sms",
    timed(createSmsSender({ accountSid: `AC${"1".repeat(32)}`, authToken: "bench-auth-token", from: "+447700900001", apiBaseUrl: twilioUrl }), provider),
  );
  senders.set(
    "email",
    timed(
      createEmailSender({
        host: "127.0.0.1",
        port: Number(smtpPort),
        secure: false,
        ignoreTLS: true,
        from: "Student Success <nudge@example.ac.uk>",
        publicBaseUrl: "http://localhost:3978",
        linkSecret: "a-bench-link-secret-of-at-least-32-characters",
      }),
      provider,
    ),
  );
  return senders;
});
const rules = { weeklyCap: 50, expiryDays: 7 }; // no quiet hours: the run must not depend on the hour

counting = true;
const cpuBefore = process.cpuUsage();
const loopBefore = performance.eventLoopUtilization();
started = performance.now();
const figures: DispatchFigures[] = await Promise.all(
  senderSets.map((senders) => dispatchDue(db, senders, { owner: newDispatcherId(`bench:${process.pid}`), rules, maxAttempts: 5 })),
);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const loop = performance.eventLoopUtilization(loopBefore);
counting = false;
for (const senders of senderSets) for (const sender of senders.values()) await sender.close?.();

// The run counts only if every message went out once and was recorded.
const [sentRows, distinctIds, sentInterventions] = await Promise.all([
  db.prisma.delivery.count({ where: { state: "sent" } }),
  db.prisma.delivery.findMany({ where: { providerMessageId: { not: null } }, select: { providerMessageId: true }, distinct: ["providerMessageId"] }),
  db.prisma.intervention.count({ where: { state: "sent" } }),
]);
await db.close();
const sent = figures.reduce((sum, f) => sum + f.sent, 0);
if (sent !== deliveries || sentRows !== deliveries || distinctIds.length !== deliveries || sentInterventions !== deliveries) {
  throw new Error(
    `incomplete run: figures sent ${sent}, rows sent ${sentRows}, distinct provider ids ${distinctIds.length}, interventions sent ${sentInterventions}, of ${deliveries}`,
  );
}

const perDelivery = (n: number) => Math.round((n / deliveries) * 100) / 100;
process.stdout.write(
  `${JSON.stringify({
    kind: db.kind,
    deliveries,
    dispatchers,
    sentEach: figures.map((f) => f.sent).join("+"),
    seedSeconds: Math.round(seedSeconds * 100) / 100,
    seconds: Math.round(seconds * 100) / 100,
    messagesPerSecond: Math.round(deliveries / seconds),
    sqlPerDelivery: perDelivery(counts.reads + counts.writes),
    readsPerDelivery: perDelivery(counts.reads),
    writesPerDelivery: perDelivery(counts.writes),
    transactionsPerDelivery: perDelivery(counts.transactions),
    cpuMsPerDelivery: perDelivery((cpu.user + cpu.system) / 1000),
    eventLoopBusyPercent: Math.round(loop.utilization * 100),
    dbMsPerDelivery: perDelivery(counts.ms),
    providerMsPerDelivery: perDelivery(provider.ms),
    lostLeases: figures.reduce((sum, f) => sum + f.lostLeases, 0),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
