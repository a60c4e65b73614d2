/**
 * Guessing the xAPI password: ten wrong tries from one address, then that address waits, right
 * password or not; an LMS that signs in correctly never counts towards it.
 */
import type { AddressInfo } from "node:net";
import type restify from "restify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../app/index.ts";
import type { TeamsBot } from "../../bot/index.ts";
import { createLogger } from "../../core/index.ts";
import { createHttpServer } from "../../server/http.ts";
import { useMigratedDatabase } from "../helpers/database.ts";

const USER = "moodle";
const PASSWORD = "correct horse battery staple";
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("failed sign-ins at the xAPI endpoint", () => {
  const database = useMigratedDatabase("sqlite");
  let server: restify.Server;
  let base: string;

  beforeAll(async () => {
    server = createHttpServer({
      app: createApp(database.db),
      bot: {} as TeamsBot,
      logger: createLogger("silent"),
      isReady: () => true,
      xapi: { credentials: { username: USER, password: PASSWORD }, timezone: "Europe/London", keepRawStatements: false },
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  const push = (authorization: string) =>
    fetch(`${base}/api/xapi/statements`, {
      method: "POST",
      headers: { authorization, "content-type": "application/json", "x-experience-api-version": "1.0.3" },
      body: "[]",
    });

  it("lets the right password through however often it is used", async () => {
    for (let i = 0; i < 15; i++) expect((await push(basic(USER, PASSWORD))).status).toBe(200);
  });

  it("answers 429 with Retry-After after ten wrong tries, even to the right password, and stores nothing", async () => {
    for (let i = 0; i < 10; i++) expect((await push(basic(USER, `guess-${i}`))).status).toBe(401);
    for (const authorization of [basic(USER, "guess-10"), basic(USER, PASSWORD)]) {
      const response = await push(authorization);
      expect(response.status).toBe(429);
      const wait = Number(response.headers.get("retry-after"));
      expect(wait).toBeGreaterThan(800);
      expect(wait).toBeLessThanOrEqual(900);
      expect(((await response.json()) as { error: string }).error).toMatch(/too many failed sign-ins from this address: try again in \d+ seconds/);
    }
    expect(await database.db.prisma.ingestBatch.count()).toBe(0);
  });
});
