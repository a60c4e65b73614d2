/**
 * The CLI's composition root: one command's App, on the database the configuration names, always
 * closed afterwards. Commands receive the App and never the database.
 */
import { createApp, type App } from "../app/index.ts";
import { NudgeError } from "../core/index.ts";
import { isDatabaseBusy, openDatabase } from "../prisma/index.ts";
import { loadConfig, type Config } from "./config.ts";

/** `migrate`: apply pending migrations first (every command but `db status`/`db migrate`, which report them). */
export async function withApp<T>(fn: (app: App, config: Config) => Promise<T>, options: { migrate: boolean } = { migrate: true }): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase(config.databaseUrl, { migrate: options.migrate });
  try {
    return await fn(createApp(db), config);
  } catch (error) {
    if (isDatabaseBusy(error)) {
      throw new NudgeError("The database was busy with another command for too long. Try again in a moment.", {
        kind: "failure",
        code: "database_busy",
        cause: error,
      });
    }
    throw error;
  } finally {
    await db.close();
  }
}
