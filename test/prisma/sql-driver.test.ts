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

  it("make writers outside a transaction that yields wait for its end, never join it, while reads go ahead", async () => {
    const order: string[] = [];
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    let finish!: () => void;
    const finishing = new Promise<void>((resolve) => (finish = resolve));
    const held = db.sql.transaction(async (tx) => {
      await tx.query(`INSERT INTO "Student" ("studentNumber", "updatedAt") VALUES ($1, $2)`, ["Q1", new Date()]);
      entered();
      // Waits on something outside: other callbacks run meanwhile.
      await finishing;
      order.push("transaction ends");
      throw new Error("rolled back");
    });
    await inside;
    const driverWrite = db.sql
      .query(`INSERT INTO "Student" ("studentNumber", "updatedAt") VALUES ($1, $2)`, ["Q2", new Date()])
      .then(() => order.push("driver write"));
    const prismaWrite = db.prisma.student.create({ data: { studentNumber: "Q3" } }).then(() => order.push("Prisma write"));
    // Reads are answered at once, and see only what was committed.
    const counted = await db.prisma.student.count({ where: { studentNumber: "Q1" } });
    const [health] = await db.sql.queryCommitted<{ n: number | string }>(`SELECT COUNT(*) AS "n" FROM "Student" WHERE "studentNumber" = 'Q1'`);
    order.push("reads answered");
    expect(counted).toBe(0);
    expect(Number(health!.n)).toBe(0);
    finish();
    await expect(held).rejects.toThrow("rolled back");
    await Promise.all([driverWrite, prismaWrite]);

    expect(order.indexOf("reads answered")).toBeLessThan(order.indexOf("transaction ends"));
    // SQLite has one writer: the writes from outside waited for the transaction's end instead of
    // joining it (and being undone with it) or stalling the process in SQLite's busy handler.
    if (kind === "sqlite") expect(order.slice(order.indexOf("transaction ends") + 1).sort()).toEqual(["Prisma write", "driver write"]);
    const rows = await db.sql.query<{ studentNumber: string }>(`SELECT "studentNumber" FROM "Student" WHERE "studentNumber" LIKE 'Q%' ORDER BY 1`);
    expect(rows.map((r) => r.studentNumber)).toEqual(["Q2", "Q3"]);
  });

  it("let timers run while a transaction bulk-writes many rows", async () => {
    let timerRan = false;
    let ranBeforeTheLastRow = false;
    setTimeout(() => (timerRan = true), 0);
    function* rows() {
      for (let i = 0; i < 200_000; i++) {
        if (i === 199_999) ranBeforeTheLastRow = timerRan;
        yield [`T${i}`];
      }
    }
    await db.sql.transaction(async (tx) => {
      await tx.execScript(`CREATE TEMP TABLE IF NOT EXISTS bulk_tick (v text)`);
      await tx.bulkInsert("bulk_tick", ["v"], rows());
    });
    expect(ranBeforeTheLastRow).toBe(true);
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
