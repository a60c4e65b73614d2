/**
 * `npm start`: read configuration, start the service, stop gracefully on SIGTERM/SIGINT.
 */
import { ConfigError, loadConfig } from "./config.ts";
import { createLogger, routeConsoleToLog } from "../core/index.ts";
import { startService } from "./service.ts";

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  routeConsoleToLog(logger);
  const service = await startService(config, logger);
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      logger.info({ signal }, "shutting down");
      const force = setTimeout(() => {
        logger.error("shutdown took too long; exiting");
        process.exit(1);
      }, SHUTDOWN_GRACE_MS);
      force.unref();
      service.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, "shutdown failed");
          process.exit(1);
        },
      );
    });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`nudge failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
