/** `nudge outbox`: what is waiting to be sent (counts only), and sending what is due now. */
import type { Command } from "commander";
import { newOwnerId } from "../jobs/index.ts";
import { withDatabase } from "./cli-database.ts";
import { print, type JsonOption } from "./cli-output.ts";
import { createLogger } from "../core/index.ts";

export function registerOutboxCommand(program: Command): void {
  const outbox = program.command("outbox").description("the outbox of messages to students: status (counts only) and dispatch");

  outbox
    .command("status")
    .description("deliveries by state and channel, why messages are waiting, and the oldest due (no personal data)")
    .option("--json", "print one JSON object")
    .action(async (options: JsonOption) => {
      const result = await withDatabase(async (db) => {
        const byState = await db.prisma.delivery.groupBy({ by: ["state", "channel"], _count: { _all: true } });
        const held = await db.prisma.delivery.groupBy({ by: ["heldReason"], where: { state: "pending", heldReason: { not: null } }, _count: { _all: true } });
        const oldest = await db.prisma.delivery.findFirst({ where: { state: "pending" }, orderBy: { dueAt: "asc" }, select: { dueAt: true } });
        return {
          deliveries: byState.map((r) => ({ state: r.state, channel: r.channel, count: r._count._all })),
          waiting: held.map((r) => ({ reason: r.heldReason, count: r._count._all })),
          nextDue: oldest?.dueAt ?? null,
        };
      });
      print(options, result, [
        ...(result.deliveries.length ? result.deliveries.map((d) => `${d.state.padEnd(10)} ${d.channel.padEnd(6)} ${d.count}`) : ["the outbox is empty"]),
        ...result.waiting.map((w) => `waiting: ${w.reason}: ${w.count}`),
        ...(result.nextDue ? [`next due: ${result.nextDue.toISOString()}`] : []),
      ]);
    });

  outbox
    .command("dispatch")
    .description("send every message that is due now, as the scheduled job does (several dispatchers may run at once)")
    .option("--json", "print one JSON object with the figures")
    .action(async (options: JsonOption) => {
      await withDatabase(async (db, config) => {
        const logger = createLogger(config.logLevel);
        // The senders load the Teams, Twilio and SMTP libraries: only this command needs them.
        const [{ lazyChannelSenders }, { dispatchDue }] = await Promise.all([import("./channel-senders.ts"), import("../delivery/outbox.ts")]);
        const senders = lazyChannelSenders(db, config, logger);
        try {
          const figures = await dispatchDue(db, senders.get(), { owner: newOwnerId(), rules: config.delivery, maxAttempts: config.delivery.maxAttempts, staff: senders.staffSenders() });
          const { staff, ...students } = figures;
          print(options, figures, [...Object.entries(students).map(([k, v]) => `${k}: ${v}`), ...Object.entries(staff).map(([k, v]) => `staff ${k}: ${v}`)]);
        } finally {
          await senders.close();
        }
      });
    });
}
