import { spawn, type ChildProcess } from "node:child_process";

export interface Spawned {
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): { stdout: string; stderr: string };
}

/** Starts `node <args>` in a child process with extra environment, collecting its output. */
export function spawnNode(args: string[], env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, args, { env: { ...process.env, NODE_ENV: "development", ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d));
  child.stderr!.on("data", (d: Buffer) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npx nudge …` as a user runs it: the package's bin, to completion. */
export async function runNudge(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const run = spawnNode(["bin/nudge.js", ...args], env);
  const code = await run.exited;
  return { code, ...run.output() };
}

/** `npm start`'s command, left running. */
export function startServiceProcess(env: Record<string, string>): Spawned {
  return spawnNode(["--disable-warning=DEP0111", "--import", "tsx", "server/main.ts"], env);
}
