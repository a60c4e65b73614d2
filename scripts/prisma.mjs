#!/usr/bin/env node
// Runs the Prisma CLI offline. Prisma 6.19 checks that engine files exist before it starts, even
// with the WASM schema engine and the Rust-free client configured (prisma.config.ts,
// schema.prisma), and tries to download them when they are missing. Pointing both variables at an
// existing file (this script) satisfies the check; the files are never executed with this setup.
// This is the only place the project sets them.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const self = fileURLToPath(import.meta.url);
const cli = createRequire(import.meta.url).resolve("prisma/build/index.js");
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: self,
  PRISMA_QUERY_ENGINE_LIBRARY: self,
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
  CHECKPOINT_DISABLE: "1",
};
const result = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], { stdio: "inherit", env });
process.exit(result.status ?? 1);
