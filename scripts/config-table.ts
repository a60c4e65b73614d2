// Rewrites the configuration table in README.md from server/config.ts.
import { readFileSync, writeFileSync } from "node:fs";
import { replaceConfigTable } from "../server/config-table.ts";

const path = new URL("../README.md", import.meta.url);
writeFileSync(path, replaceConfigTable(readFileSync(path, "utf8")));
console.log("README.md configuration table updated");
