/**
 * Deterministic synthetic cohort for demos, load tests and backtests: a UK university's
 * programmes, students, staff, timetable and weeks of engagement data, identical for the same
 * options on SQLite and PostgreSQL.
 */
export { seedDemo } from "./seed.ts";
export type { DemoOptions, DemoCounts } from "./types.ts";
export { DemoSeedError } from "./errors.ts";
export { seedEffect, parseEffect, type EffectOptions, type EffectReport } from "./effect.ts";
