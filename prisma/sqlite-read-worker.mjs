// One read-only query on its own SQLite connection, on a worker thread (see queryReadOnly in
// sql-driver.ts): better-sqlite3 is synchronous, so a query that scans millions of rows would
// otherwise hold the service's event loop (HTTP, Teams) for its whole length. Plain JavaScript:
// it needs nothing but the driver.
import Database from "better-sqlite3";
import { parentPort, workerData } from "node:worker_threads";

const db = new Database(workerData.path, { readonly: true, fileMustExist: true, timeout: 15_000 });
try {
  parentPort.postMessage(db.prepare(workerData.sql).all(...workerData.values));
} finally {
  db.close();
}
