/** The database for one CLI command: opened from the configuration, always closed afterwards. */
import { openDatabase, type Database } from "../prisma/index.ts";
import { loadConfig, type Config } from "./config.ts";

/** `migrate`: apply pending migrations first (every command but `db status`/`db migrate`, which report them). */
export async function withDatabase<T>(fn: (db: Database, config: Config) => Promise<T>, options: { migrate: boolean } = { migrate: true }): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase(config.databaseUrl, { migrate: options.migrate });
  try {
    return await fn(db, config);
  } finally {
    await db.close();
  }
}
