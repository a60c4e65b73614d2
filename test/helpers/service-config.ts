/**
 * The configuration of a service started inside a test: loopback on a free port, silent, and every
 * scheduled job parked on 1 January so none runs (or is caught up) while the test drives it; the
 * test runs the jobs it needs itself. `settings` adds or overrides variables.
 */
import { parseConfig, type Config } from "../../server/config.ts";

const PARKED = "0 0 1 1 *";

export function testServiceConfig(databaseUrl: string, settings: Record<string, string> = {}): Config {
  return parseConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: "silent",
    NUDGE_OUTBOX_SCHEDULE: PARKED,
    NUDGE_RULES_SCHEDULE: PARKED,
    NUDGE_DIGEST_SCHEDULE: PARKED,
    NUDGE_MEETING_NOTICES_SCHEDULE: PARKED,
    NUDGE_RETENTION_SCHEDULE: PARKED,
    NUDGE_DROP_FOLDER_SCHEDULE: PARKED,
    NUDGE_REFERRAL_REMIND_SCHEDULE: PARKED,
    ...settings,
  });
}
