/** Runs in the fingerprint worker: rebuild the plan from its input and hash every row. */
import { parentPort, workerData } from "node:worker_threads";
import { fingerprintTables } from "./fingerprint.ts";
import { buildPlan, demoTables, type PlanInput } from "./plan.ts";

parentPort?.postMessage(fingerprintTables(demoTables(buildPlan(workerData as PlanInput))));
