/**
 * The application: every use case the edges (the bot, HTTP routes, the CLI, scheduled jobs) may
 * call, bound to one open database. Edges receive an `App` and never see the database: they parse,
 * authenticate, call one use case and render. The composition roots (server/service.ts for the
 * service, server/cli-database.ts for the CLI) open the database and make the App.
 *
 * Each domain module lists its edge-facing use cases in a `useCases` object whose functions take
 * the database first; `bindDatabase` fixes it.
 */
import { useCases as access } from "../access/index.ts";
import { useCases as analytics } from "../analytics/index.ts";
import { useCases as audit } from "../audit/index.ts";
import { useCases as contacts } from "../contacts/index.ts";
import { useCases as conversations } from "../conversations/index.ts";
import { useCases as delivery } from "../delivery/index.ts";
import type { DemoCounts, DemoOptions, EffectOptions, EffectReport } from "../demo/index.ts";
import { useCases as digest } from "../digest/index.ts";
import { useCases as ingest } from "../ingest/index.ts";
import { useCases as interventions } from "../interventions/index.ts";
import { useCases as jobs } from "../jobs/index.ts";
import { useCases as meetings } from "../meetings/index.ts";
import { useCases as operations } from "../prisma/index.ts";
import type { Database } from "../prisma/index.ts";
import { useCases as privacy } from "../privacy/index.ts";
import { useCases as rules } from "../rules/index.ts";
import { useCases as referrals } from "../referrals/index.ts";
import { useCases as safeguarding } from "../safeguarding/index.ts";

// biome-ignore lint/suspicious/noExplicitAny: a use case's own parameters are kept exactly by `Bound`.
type UseCase = (db: Database, ...args: any[]) => unknown;

/** A module's use cases with the database already given. */
export type Bound<T extends Record<string, UseCase>> = { [K in keyof T]: T[K] extends (db: Database, ...args: infer A) => infer R ? (...args: A) => R : never };

export function bindDatabase<T extends Record<string, UseCase>>(db: Database, cases: T): Bound<T> {
  return Object.fromEntries(Object.entries(cases).map(([name, fn]) => [name, (...args: unknown[]) => fn(db, ...args)])) as Bound<T>;
}

export function createApp(db: Database) {
  return {
    /** Which kind of database this is ("sqlite" or "postgresql"), for messages and logs. */
    databaseKind: db.kind,
    access: bindDatabase(db, access),
    analytics: bindDatabase(db, analytics),
    audit: bindDatabase(db, audit),
    contacts: bindDatabase(db, contacts),
    conversations: bindDatabase(db, conversations),
    delivery: bindDatabase(db, delivery),
    // Loaded only when asked for: synthetic data is for demos, tests and benchmarks, never the service.
    demo: {
      seed: async (options: DemoOptions): Promise<DemoCounts> => (await import("../demo/index.ts")).seedDemo(db, options),
      effect: async (options: EffectOptions): Promise<EffectReport> => (await import("../demo/index.ts")).seedEffect(db, options),
    },
    digest: bindDatabase(db, digest),
    ingest: bindDatabase(db, ingest),
    interventions: bindDatabase(db, interventions),
    jobs: bindDatabase(db, jobs),
    meetings: bindDatabase(db, meetings),
    operations: bindDatabase(db, operations),
    privacy: bindDatabase(db, privacy),
    rules: bindDatabase(db, rules),
    referrals: bindDatabase(db, referrals),
    safeguarding: bindDatabase(db, safeguarding),
  };
}

export type App = ReturnType<typeof createApp>;

/** Where the embedded SQLite database lives unless DATABASE_URL says otherwise (the configuration's default). */
export { DEFAULT_DATABASE_URL } from "../prisma/index.ts";
