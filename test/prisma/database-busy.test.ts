/**
 * Telling "the database is busy, try again" from a bug, with the errors the drivers really raise.
 */
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { isDatabaseBusy, isUniqueViolation } from "../../prisma/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";

describe("a busy database", () => {
  const database = useMigratedDatabase("sqlite");

  it("is recognised from SQLite's own error when another connection holds the write lock", () => {
    const path = database.url.replace(/^file:/, "");
    const holder = new BetterSqlite3(path);
    const waiter = new BetterSqlite3(path, { timeout: 0 });
    holder.exec("BEGIN IMMEDIATE");
    let raised: unknown;
    try {
      waiter.exec(`INSERT INTO "Programme" ("code", "title") VALUES ('X', 'Y')`);
    } catch (error) {
      raised = error;
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
      waiter.close();
    }
    expect(raised).toBeInstanceOf(Error);
    expect(isDatabaseBusy(raised)).toBe(true);
  });

  it("is not confused with other database errors", async () => {
    await database.db.prisma.programme.create({ data: { code: "DUP", title: "One" } });
    const duplicate = await database.db.prisma.programme.create({ data: { code: "DUP", title: "Two" } }).catch((error: unknown) => error);
    expect(isUniqueViolation(duplicate)).toBe(true);
    expect(isDatabaseBusy(duplicate)).toBe(false);
    expect(isDatabaseBusy(new Error("no such table: Nope"))).toBe(false);
    expect(isDatabaseBusy(null)).toBe(false);
  });
});
