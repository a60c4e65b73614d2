/**
 * /healthz and /readyz answer anyone, so they say only what a load balancer needs: no database
 * error text (paths, hosts, user names) in the body, and a short log entry per check.
 */
import { Writable } from "node:stream";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../../app/index.ts";
import type { TeamsBot } from "../../bot/index.ts";
import { createLogger } from "../../core/index.ts";
import { openDatabase } from "../../prisma/index.ts";
import { createHttpServer } from "../../server/http.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

describe("health and readiness for anyone who asks", () => {
  let testDb: TestDatabase | undefined;
  afterEach(async () => testDb?.drop());

  async function serve(ready: boolean) {
    testDb = await createTestDatabase("sqlite");
    const db = await openDatabase(testDb.url, { migrate: true });
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split("\n").filter(Boolean));
        done();
      },
    });
    const server = createHttpServer({ app: createApp(db), bot: {} as TeamsBot, logger: createLogger("info", sink), isReady: () => ready });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const get = async (path: string) => {
      const response = await fetch(`${base}${path}`, { headers: { "user-agent": "probe/1.0", cookie: "session=secret-cookie" } });
      return { status: response.status, text: await response.text() };
    };
    return { db, lines, get, close: () => server.close() };
  }

  it("says 'database unavailable' when the database cannot be read, and logs the real error", async () => {
    const { db, lines, get, close } = await serve(true);
    await db.close();
    try {
      const health = await get("/healthz");
      const ready = await get("/readyz");
      expect(health.status).toBe(503);
      expect(JSON.parse(health.text)).toMatchObject({ status: "error", database: { kind: "sqlite", status: "error", error: "database unavailable" } });
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.text)).toEqual({ ready: false, reason: "database unavailable" });
      for (const body of [health.text, ready.text]) expect(body).not.toMatch(/nudge\.db|\/tmp|closed|[Pp]risma|SQLITE|Error:/);
      const warnings = lines.map((line) => JSON.parse(line) as { level: number; msg: string; reason?: string }).filter((entry) => entry.level === 40);
      expect(warnings.map((w) => w.msg)).toEqual(["health check: database unavailable", "readiness check: database unavailable"]);
      expect(warnings.every((w) => typeof w.reason === "string" && w.reason.length > 0)).toBe(true);
    } finally {
      close();
    }
  });

  it("logs a short line per 503 while starting, without the request's headers", async () => {
    const { db, lines, get, close } = await serve(false);
    try {
      for (let i = 0; i < 3; i++) expect((await get("/readyz")).status).toBe(503);
      expect(lines.length).toBeGreaterThanOrEqual(3);
      for (const line of lines) {
        expect(line.length).toBeLessThan(400);
        expect(line).not.toMatch(/probe\/1\.0|secret-cookie|_header/);
      }
    } finally {
      close();
      await db.close();
    }
  });
});
