#!/usr/bin/env node
// `npx nudge …`: the CLI is TypeScript run through tsx, like the service (no build step to forget).
import { register } from "tsx/esm/api";

process.removeAllListeners("warning"); // restify's known DEP0111 notice is noise on a CLI.
register();
await import("../server/cli.ts");
