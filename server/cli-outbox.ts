/** `nudge outbox`: what is waiting to be sent (counts only), and sending what is due now. */
import type { Command } from "commander";
import { newOwnerId } from "../jobs/index.ts";
import { withApp } from "./cli-database.ts";
import { print, type JsonOption } from "./cli-output.ts";
import { createLogger } from "../core/index.ts";

export function registerOutboxCommand(program: Command): void {
  const outbox = program.command("outbox").description("the outbox of messages to students: status (counts only) and dispatch");

  outbox
    .command("status")
    .description("deliveries by state and channel, why messages are waiting, and the oldest due (no personal data)")
    .option("--json", "print one JSON object")
    .action(async (options: JsonOption) => {
      const result = await withApp((app) => app.delivery.outboxStatus());
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
      await withApp(async (app, config) => {
        const logger = createLogger(config.logLevel);
        // The senders load the Teams, Twilio and SMTP libraries: only this command needs them.
        const { lazyChannelSenders } = await import("./channel-senders.ts");
        const senders = lazyChannelSenders(config, logger);
        try {
          const figures = await app.delivery.dispatchDue(senders.get(), {
            owner: newOwnerId(),
            rules: config.delivery,
            maxAttempts: config.delivery.maxAttempts,
            staff: senders.staffSenders(),
          });
          const { staff, ...students } = figures;
          print(options, figures, [...Object.entries(students).map(([k, v]) => `${k}: ${v}`), ...Object.entries(staff).map(([k, v]) => `staff ${k}: ${v}`)]);
        } finally {
          await senders.close();
        }
      });
    });
}
