// Copies the write-ahead log back into the database file (a passive checkpoint: it waits for no
// one and no one waits for it) on a connection of its own, off the event loop; see the
// checkpoint note in sql-driver.ts. Plain JavaScript: it needs nothing but the driver.
import Database from "better-sqlite3";
import { parentPort, workerData } from "node:worker_threads";

const db = new Database(workerData.path, { fileMustExist: true, timeout: 1_000 });
try {
  parentPort.postMessage(db.pragma("wal_checkpoint(PASSIVE)"));
} finally {
  db.close();
}
