import { resolve } from "node:path";

export type DatabaseKind = "sqlite" | "postgresql";

export interface DatabaseTarget {
  kind: DatabaseKind;
  /** Absolute file path for SQLite, the connection string for PostgreSQL. */
  location: string;
  /** Safe to log: no password. */
  display: string;
}

export const DEFAULT_DATABASE_URL = "file:./data/nudge.db";

/** Reads a DATABASE_URL: `file:<path>` (relative to the working directory) or `postgres(ql)://…`. */
export function parseDatabaseUrl(url: string, cwd = process.cwd()): DatabaseTarget {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return { kind: "postgresql", location: url, display: parsed.toString() };
  }
  if (url.startsWith("file:")) {
    const path = url.slice("file:".length);
    if (!path) throw new Error("DATABASE_URL: file: needs a path, e.g. file:./data/nudge.db");
    const location = path === ":memory:" ? path : resolve(cwd, path);
    return { kind: "sqlite", location, display: `file:${location}` };
  }
  throw new Error(`DATABASE_URL: expected file:<path> or postgresql://…, got "${url.split(":")[0]}:…"`);
}
