import pg from "pg";

/** Admin connection used to create and drop one throwaway database per test file. */
export const TEST_POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
/** Every test database starts with this, so CI can drop leftovers after a crash. */
export const TEST_DATABASE_PREFIX = "nudge_test_";

export async function probePostgres(): Promise<{ available: true } | { available: false; reason: string }> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return { available: true };
  } catch (error) {
    return { available: false, reason: `${new URL(TEST_POSTGRES_ADMIN_URL).host} unreachable (${(error as Error).message})` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
