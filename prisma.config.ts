// Prisma CLI configuration: the WASM schema engine through a driver adapter, so `prisma generate`,
// `migrate diff` and `db execute` work without downloading native engines. Run the CLI through
// `node scripts/prisma.mjs` (see there why).
import { defineConfig } from "prisma/config";

const url = process.env.DATABASE_URL ?? "file:./data/nudge.db";
const isPostgres = /^postgres(ql)?:\/\//.test(url);

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: isPostgres ? "prisma/postgresql/schema.prisma" : "prisma/schema.prisma",
  async adapter() {
    if (isPostgres) {
      const { PrismaPg } = await import("@prisma/adapter-pg");
      return new PrismaPg({ connectionString: url });
    }
    const { PrismaBetterSQLite3 } = await import("@prisma/adapter-better-sqlite3");
    return new PrismaBetterSQLite3({ url: url.replace(/^file:/, "") });
  },
});
