/**
 * Loading a large table without its secondary indexes (and, on PostgreSQL, its foreign keys),
 * then putting them back, all inside the caller's transaction.
 *
 * Why: maintaining an index row by row, at random positions, costs more than the insert itself
 * (Attendance loads about 2.5x faster without its two indexes on SQLite), while building it once
 * afterwards is a sort. On PostgreSQL each foreign key is a trigger query per row, while re-adding
 * the constraint checks every row in one join. The definitions are read from the database
 * catalogue, so they come back exactly as the migrations made them, and a failure anywhere rolls
 * the whole transaction back, indexes included.
 */
import { quoteIdentifier as quote, type SqlExecutor } from "./sql-driver.ts";

export async function withoutSecondaryIndexes<T>(
  tx: SqlExecutor,
  table: string,
  load: () => Promise<T>,
  options: { primaryKeyToo?: boolean } = {},
): Promise<T> {
  const restore: string[] = [];
  if (tx.kind === "sqlite") {
    // Indexes from CREATE INDEX have SQL; those behind PRIMARY KEY/UNIQUE in the table definition do not.
    const indexes = await tx.query<{ name: string; sql: string }>(
      `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL ORDER BY name`,
      [table],
    );
    for (const index of indexes) {
      await tx.execScript(`DROP INDEX ${quote(index.name)}`);
      restore.push(index.sql);
    }
  } else {
    const relation = quote(table);
    const foreignKeys = await tx.query<{ name: string; definition: string }>(
      `SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint
        WHERE conrelid = $1::regclass AND contype = 'f' ORDER BY conname`,
      [relation],
    );
    // Indexes that back a constraint (the primary key) stay.
    const indexes = await tx.query<{ name: string; definition: string }>(
      `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = $1::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
        ORDER BY i.relname`,
      [relation],
    );
    for (const fk of foreignKeys) await tx.execScript(`ALTER TABLE ${relation} DROP CONSTRAINT ${quote(fk.name)}`);
    for (const index of indexes) await tx.execScript(`DROP INDEX ${quote(index.name)}`);
    // Into an empty table the key can be built once at the end too; a duplicate then fails the
    // ADD CONSTRAINT and with it the whole transaction, as it would have failed the insert.
    if (options.primaryKeyToo) {
      const keys = await tx.query<{ name: string; definition: string }>(
        `SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'p'`,
        [relation],
      );
      for (const key of keys) {
        await tx.execScript(`ALTER TABLE ${relation} DROP CONSTRAINT ${quote(key.name)}`);
        restore.push(`ALTER TABLE ${relation} ADD CONSTRAINT ${quote(key.name)} ${key.definition}`);
      }
    }
    restore.push(...indexes.map((index) => index.definition));
    restore.push(...foreignKeys.map((fk) => `ALTER TABLE ${relation} ADD CONSTRAINT ${quote(fk.name)} ${fk.definition}`));
  }
  const result = await load();
  for (const statement of restore) await tx.execScript(statement);
  return result;
}
