/**
 * Two commands at once on the SQLite default: SQLite lets one write at a time, so the second waits
 * for the first (up to its busy timeout) instead of failing with an internal time-out.
 */
import BetterSqlite3 from "better-sqlite3";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { useMigratedDatabase } from "../helpers/database.ts";
import { runNudge } from "../helpers/processes.ts";

describe("a command while another process writes (SQLite)", () => {
  const database = useMigratedDatabase("sqlite");

  it("waits for the other writer and then does its work", async () => {
    await database.db.prisma.staff.create({ data: { staffNumber: "PL01", displayName: "Programme Leader" } });
    const other = new BetterSqlite3(database.url.replace(/^file:/, ""));
    // Another process's long write: the write lock held for longer than Prisma's default 5 s.
    other.exec("BEGIN IMMEDIATE");
    other.prepare(`INSERT INTO "Programme" ("code", "title") VALUES ('BUSY', 'Held')`).run();
    const started = Date.now();
    const command = runNudge(["staff", "grant", "PL01", "admin"], { DATABASE_URL: database.url, LOG_LEVEL: "silent" });
    await sleep(7_000);
    other.exec("COMMIT");
    other.close();
    const result = await command;
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe("PL01: now admin");
    expect(Date.now() - started).toBeGreaterThanOrEqual(7_000);
    expect(await database.db.prisma.staffRoleAssignment.count({ where: { role: "admin" } })).toBe(1);
  });
});
