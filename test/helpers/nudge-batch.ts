/**
 * Many `nudge` commands in one child process, for tests with dozens of them (each process costs
 * a second of start-up). Each command goes through the CLI's own `runCli`, the function
 * `bin/nudge.js` runs: the same parsing, database opening and closing, access checks, output and
 * exit code, one command after the other; only the process is shared.
 *
 *   runNudgeBatch([["audit", "--as", "A0001"], ["rules", "list"]], { DATABASE_URL })  → Run[]
 *
 * Run as a script (by `runNudgeBatch`): `node --import tsx test/helpers/nudge-batch.ts IN OUT`,
 * IN a JSON array of argument lists, OUT where the results go (stdout is the commands' own).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnNode, type Run } from "./processes.ts";

const SCRIPT = fileURLToPath(import.meta.url);

/** Runs the commands in order in one child process; one result per command, like `runNudge`'s. */
export async function runNudgeBatch(commands: readonly string[][], env: Record<string, string> = {}): Promise<Run[]> {
  if (commands.length === 0) return [];
  const dir = mkdtempSync(join(tmpdir(), "nudge-batch-"));
  try {
    const input = join(dir, "commands.json");
    const output = join(dir, "results.json");
    writeFileSync(input, JSON.stringify(commands));
    const child = spawnNode(["--disable-warning=DEP0111", "--import", "tsx", SCRIPT, input, output], env);
    const code = await child.exited;
    if (code !== 0) throw new Error(`nudge batch failed (exit ${code}): ${child.output().stderr}`);
    return JSON.parse(readFileSync(output, "utf8")) as Run[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What a piece of work writes to stdout and stderr, kept instead of printed. */
async function captured(work: () => Promise<void>): Promise<{ stdout: string; stderr: string }> {
  const out = { stdout: "", stderr: "" };
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  const keep = (stream: "stdout" | "stderr") =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      out[stream] += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
      const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = keep("stdout");
  process.stderr.write = keep("stderr");
  try {
    await work();
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
  }
  return out;
}

async function main(input: string, output: string): Promise<void> {
  const commands = JSON.parse(readFileSync(input, "utf8")) as string[][];
  // Importing the CLI runs it once with process.argv: make that a harmless --help, and drop it.
  process.argv = [process.argv[0]!, "nudge", "--help"];
  let runCli: (argv: string[]) => Promise<void> = async () => {};
  await captured(async () => {
    ({ runCli } = await import("../../server/cli.ts"));
  });
  const results: Run[] = [];
  for (const argv of commands) {
    process.exitCode = 0;
    const { stdout, stderr } = await captured(() => runCli(argv));
    results.push({ code: Number(process.exitCode ?? 0), stdout, stderr });
  }
  process.exitCode = 0;
  writeFileSync(output, JSON.stringify(results));
}

if (process.argv[1] === SCRIPT) await main(process.argv[2]!, process.argv[3]!);
