/**
 * Renders the PostgreSQL schema from the SQLite source of truth. Only the datasource provider and
 * URL and the generated client's folder differ, so the two can never disagree on models.
 */
export const POSTGRES_SCHEMA_HEADER = "// GENERATED from ../schema.prisma by `npm run db:sync`. Do not edit: edit ../schema.prisma.\n";

export function renderPostgresSchema(sqliteSchema: string): string {
  const replacements: Array<[RegExp, string]> = [
    [/provider\s*=\s*"sqlite"/, 'provider = "postgresql"'],
    [/url\s*=\s*"file:[^"]*"/, 'url      = env("DATABASE_URL")'],
    [/output\s*=\s*"\.\.\/generated\/sqlite"/, 'output       = "../../generated/postgresql"'],
  ];
  let out = sqliteSchema;
  for (const [pattern, value] of replacements) {
    if (!pattern.test(out)) throw new Error(`schema.prisma: expected to find ${pattern} in the SQLite schema`);
    out = out.replace(pattern, value);
  }
  return POSTGRES_SCHEMA_HEADER + out;
}
