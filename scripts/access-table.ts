// Rewrites the access table in README.md from privacy/permissions.ts.
import { readFileSync, writeFileSync } from "node:fs";
import { replaceAccessTable } from "../privacy/index.ts";

const path = new URL("../README.md", import.meta.url);
writeFileSync(path, replaceAccessTable(readFileSync(path, "utf8")));
console.log("README.md access table updated");
