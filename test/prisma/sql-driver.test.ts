import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../prisma/index.ts";
import { createTestDatabase, useMigratedDatabase, type TestDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";

describe.each(databaseKindsUnderTest())("bulk writes on %s", (kind) => {
  let testDb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
    db = await openDatabase(testDb.url, { migrate: true });
  });
  afterAll(async () => {
    await db.close();
    await testDb.drop();
  });

  it("store values exactly as Prisma Client reads them back: dates, booleans, JSON, NULL and empty text", async () => {
    const when = new Date("2026-11-03T08:15:30.123Z");
    const columns = [
      "id",
      "studentNumber",
      "givenName",
      "familyName",
      "channelOrder",
      "teamsOptOutAt",
      "timezone",
      "enrolmentStatus",
      "createdAt",
      "updatedAt",
    ];
    const written = await db.sql.transaction((tx) =>
      tx.bulkInsert("Student", columns, [
        [1, "S1", "Zoë", "", ["sms", "email"], when, "Europe/London", "active", when, when],
        [2, "S2", null, 'O"Brien, Jr', null, null, "Asia/Shanghai", "withdrawn", when, when],
      ]),
    );
    expect(written).toBe(2);
    await db.sql.resetIdSequences(["Student"]);
    const [first, second] = await db.prisma.student.findMany({ orderBy: { id: "asc" } });
    expect(first).toMatchObject({ givenName: "Zoë", familyName: "", channelOrder: ["sms", "email"], teamsOptOutAt: when, createdAt: when });
    expect(second).toMatchObject({ givenName: null, familyName: 'O"Brien, Jr', channelOrder: null, enrolmentStatus: "withdrawn" });
    // The id sequence continues after explicit ids.
    expect((await db.prisma.student.create({ data: { studentNumber: "S3" } })).id).toBe(3);
  });

  it("keep concurrent transactions apart: one failing does not undo or absorb the other", async () => {
    const insert = (tx: Parameters<Parameters<Database["sql"]["transaction"]>[0]>[0], number: string) =>
      tx.query(`INSERT INTO "Student" ("studentNumber", "updatedAt") VALUES ($1, $2)`, [number, new Date()]);
    const slow = db.sql.transaction(async (tx) => {
      await insert(tx, "C1");
      await new Promise((resolve) => setTimeout(resolve, 50));
      await insert(tx, "C2");
    });
    const failing = db.sql.transaction(async (tx) => {
      await insert(tx, "C3");
      throw new Error("changed my mind");
    });
    await expect(failing).rejects.toThrow("changed my mind");
    await slow;
    const rows = await db.sql.query<{ studentNumber: string }>(`SELECT "studentNumber" FROM "Student" WHERE "studentNumber" LIKE 'C%' ORDER BY 1`);
    expect(rows.map((r) => r.studentNumber)).toEqual(["C1", "C2"]);
  });

  it("write nothing when the transaction fails part-way", async () => {
    const before = await db.prisma.student.count();
    const rows = function* () {
      yield [100, "S100", new Date(), new Date()];
      yield [101, "S1", new Date(), new Date()]; // duplicate student number
    };
    await expect(db.sql.transaction((tx) => tx.bulkInsert("Student", ["id", "studentNumber", "createdAt", "updatedAt"], rows()))).rejects.toThrow();
    expect(await db.prisma.student.count()).toBe(before);
  });

  it("bind $n parameters the same way on both databases, repeats included", async () => {
    const rows = await db.sql.query<{ a: number | string; b: string }>(`SELECT CAST($1 AS INTEGER) + CAST($1 AS INTEGER) AS a, CAST($2 AS TEXT) AS b`, [
      20,
      "x",
    ]);
    expect(Number(rows[0]!.a)).toBe(40);
    expect(rows[0]!.b).toBe("x");
  });
});

describe.each(databaseKindsUnderTest())("long reads on %s", (kind) => {
  const database = useMigratedDatabase(kind);

  it("return what a plain query returns, parameters included, and see committed writes", async () => {
    await database.db.prisma.student.createMany({ data: [{ studentNumber: "R1" }, { studentNumber: "R2" }] });
    const sql = `SELECT "studentNumber" FROM "Student" WHERE "studentNumber" <> $1 ORDER BY "studentNumber"`;
    expect(await database.db.sql.queryReadOnly(sql, ["R1"])).toEqual(await database.db.sql.query(sql, ["R1"]));
    expect(await database.db.sql.queryReadOnly(sql, ["R1"])).toEqual([{ studentNumber: "R2" }]);
  });

  it("leave the event loop free while they run (the service keeps answering during a rules run)", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    // A read of a few million generated rows: long enough to tick many times if the thread is free.
    const [row] = await database.db.sql.queryReadOnly<{ n: number | string }>(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) SELECT COUNT(*) AS n FROM n`,
    );
    clearInterval(timer);
    expect(Number(row!.n)).toBe(3_000_000);
    expect(ticks).toBeGreaterThanOrEqual(3);
  });
});
