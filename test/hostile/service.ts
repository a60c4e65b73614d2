/**
 * One running service with every inbound door open (Teams in local mode, Twilio, inbound email,
 * xAPI), for the hostile-input suite to throw generated input at, and the checks every door shares:
 * no 5xx, an answer within a hang bound, and the service still ready afterwards.
 */
import twilio from "twilio";
import { expect } from "vitest";
import { createLogger } from "../../core/index.ts";
import { parseConfig } from "../../server/config.ts";
import { startService, type RunningService } from "../../server/service.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { startFakeConnector, type FakeConnector } from "../helpers/fake-connector.ts";
import { startFakeTwilio, type FakeTwilio } from "../helpers/fake-twilio.ts";

export const PUBLIC = "https://nudge.example.ac.uk";
export const TWILIO_TOKEN = "0123456789abcdef0123456789abcdef";
export const INBOUND_TOKEN = "inbound-token-of-some-length-0123456789";
export const XAPI = { username: "lms", password: "xapi-password-long-enough" };
export const STUDENT = {
  number: "H0000001",
  mobile: "+447700900123",
  email: "hostile.student@student.example.ac.uk",
  aad: "6b1d2c9e-0000-4000-8000-00000000h001",
};
/** Generous: this detects a hang or a runaway, it does not measure speed. */
export const HANG_BOUND_MS = 5_000;

export interface HostileService {
  service: RunningService;
  base: string;
  connector: FakeConnector;
  post(path: string, body: string | URLSearchParams | Uint8Array, headers: Record<string, string>): Promise<{ status: number; text: string; ms: number }>;
  /** Twilio's signature over the form, as Twilio computes it for the public address. */
  twilioSignature(path: string, fields: Record<string, string>): string;
  stop(): Promise<void>;
}

export async function startHostileService(): Promise<HostileService> {
  // The suite's database: npm run test:postgres throws the same input at PostgreSQL.
  const testDb: TestDatabase = await createTestDatabase();
  const connector = await startFakeConnector();
  const fakeTwilio: FakeTwilio = await startFakeTwilio();
  const service = await startService(
    parseConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: testDb.url,
      LOG_LEVEL: "silent",
      PUBLIC_BASE_URL: PUBLIC,
      NUDGE_CHANNELS: "teams,sms",
      TWILIO_ACCOUNT_SID: `AC${"1".repeat(32)}`,
      TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
      TWILIO_FROM: "+447700900999",
      TWILIO_API_BASE_URL: fakeTwilio.url,
      NUDGE_EMAIL_INBOUND_TOKEN: INBOUND_TOKEN,
      NUDGE_XAPI_USERNAME: XAPI.username,
      NUDGE_XAPI_PASSWORD: XAPI.password,
      NUDGE_LINK_SECRET: "hostile-link-secret-of-32-characters-or-more",
      NUDGE_OUTBOX_SCHEDULE: "0 0 1 1 *",
      NUDGE_RULES_SCHEDULE: "0 0 1 1 *",
      NUDGE_DIGEST_SCHEDULE: "0 0 1 1 *",
      NUDGE_MEETING_NOTICES_SCHEDULE: "0 0 1 1 *",
      NUDGE_RETENTION_SCHEDULE: "0 0 1 1 *",
      NUDGE_DROP_FOLDER_SCHEDULE: "0 0 1 1 *",
    }),
    createLogger("silent"),
  );
  await service.db.prisma.student.create({
    data: { studentNumber: STUDENT.number, givenName: "Hana", familyName: "Ostile", mobile: STUDENT.mobile, email: STUDENT.email, entraObjectId: STUDENT.aad },
  });
  const base = `http://127.0.0.1:${service.port}`;
  return {
    service,
    base,
    connector,
    async post(path, body, headers) {
      const started = performance.now();
      const response = await fetch(`${base}${path}`, { method: "POST", headers, body, signal: AbortSignal.timeout(30_000) });
      const text = await response.text();
      return { status: response.status, text, ms: performance.now() - started };
    },
    twilioSignature: (path, fields) => twilio.getExpectedTwilioSignature(TWILIO_TOKEN, `${PUBLIC}${path}`, fields),
    async stop() {
      await service.stop();
      await connector.close();
      await fakeTwilio.close();
      await testDb.drop();
    },
  };
}

/** What every door must do with anything: answer, without a 5xx, in bounded time. */
export function expectHandled(answer: { status: number; text: string; ms: number }, allowed: readonly number[]): void {
  expect(allowed, `status ${answer.status}: ${answer.text.slice(0, 200)}`).toContain(answer.status);
  expect(answer.ms).toBeLessThan(HANG_BOUND_MS);
  expect(answer.text).not.toMatch(/\bat [\w.<>]+ \(|node_modules|Error: /);
}

export async function expectStillReady(hostile: HostileService): Promise<void> {
  const response = await fetch(`${hostile.base}/readyz`);
  expect(response.status).toBe(200);
}
