import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../prisma/index.ts";
import { runsOf } from "../../jobs/run-records.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";
import { spawnNode, type Spawned } from "../helpers/processes.ts";

const SCRIPT = join(import.meta.dirname, "scheduler-process.ts");
const SLOTS = ["2026-12-07T09:00:01.000Z", "2026-12-07T09:00:02.000Z", "2026-12-07T09:00:03.000Z", "2026-12-07T09:00:04.000Z"];

/** Resolves once the process has written `text` on stdout. */
function whenSaid(instance: Spawned, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (instance.output().stdout.includes(text)) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    void instance.exited.then(() => {
      clearInterval(timer);
      reject(new Error(`scheduler process exited early: ${instance.output().stderr}`));
    });
  });
}

describe.each(databaseKindsUnderTest())("two scheduler processes on one %s database", (kind) => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const testDb of databases) await testDb.drop();
  });

  it("run an every-second job once per slot between them, each slot reaching both at once", async () => {
    const testDb = await createTestDatabase(kind);
    databases.push(testDb);
    const db = await openDatabase(testDb.url, { migrate: true });
    const ticksFile = join(mkdtempSync(join(tmpdir(), "nudge-ticks-")), "ticks.txt");
    const env = { DATABASE_URL: testDb.url, TICKS_FILE: ticksFile };
    const instances = [spawnNode(["--import", "tsx", SCRIPT], env), spawnNode(["--import", "tsx", SCRIPT], env)];
    try {
      await Promise.all(instances.map((i) => whenSaid(i, "ready ")));
      // The test is the clock: each slot is fired at both processes together, as two machines' timers would.
      for (const slot of SLOTS) {
        for (const instance of instances) instance.child.stdin!.write(`fire ${slot}\n`);
        await Promise.all(instances.map((i) => whenSaid(i, `fired ${slot}`)));
      }
      // Both were up the whole time: neither has exited before we ask them to stop.
      expect(instances.map((i) => i.child.exitCode)).toEqual([null, null]);
    } finally {
      for (const instance of instances) instance.child.kill("SIGTERM");
    }
    expect(await Promise.all(instances.map((i) => i.exited))).toEqual([0, 0]);
    // Their logs (JSON lines, warnings and up) hold no error; a slot skipped under load is a warning.
    const logged = instances.flatMap((i) =>
      i
        .output()
        .stderr.split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { level: number; msg: string }),
    );
    expect(logged.filter((entry) => entry.level >= 50)).toEqual([]);

    const ticks = readFileSync(ticksFile, "utf8")
      .trim()
      .split("\n")
      .map((line) => line.split(" ") as [string, string]);
    const slots = ticks.map(([slot]) => slot);
    expect([...slots].sort()).toEqual(SLOTS);
    const pids = new Set(instances.map((i) => String(i.child.pid)));
    expect(ticks.every(([, pid]) => pids.has(pid))).toBe(true);

    // The run records agree: one succeeded run per slot, by the process that wrote the tick.
    const runs = await runsOf(db.prisma, "tick");
    await db.close();
    expect(runs.map((r) => [r.scheduledFor.toISOString(), String(r.figures.pid)]).sort()).toEqual([...ticks].sort());
    expect(runs.every((r) => r.status === "succeeded")).toBe(true);
  });
});
