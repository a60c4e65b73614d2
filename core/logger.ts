/**
 * Structured logs (pino, JSON lines). Personal data is redacted by key wherever it appears, so a
 * record logged by mistake still shows no name, email or phone number (POLICY P13).
 */
import { pino, type Logger, type LevelWithSilent } from "pino";

export type { Logger };

const PERSONAL_KEYS = [
  "name",
  "givenName",
  "familyName",
  "preferredName",
  "displayName",
  "email",
  "mobile",
  "phone",
  "from",
  "to",
  "text",
  "body",
  "password",
  "appPassword",
  "authToken",
  "authorization",
];

export const REDACT_PATHS = [...PERSONAL_KEYS, ...PERSONAL_KEYS.map((k) => `*.${k}`), 'req.headers["x-twilio-signature"]'];

export function createLogger(level: LevelWithSilent = "info", destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: "nudge" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination as pino.DestinationStream | undefined,
  );
}
