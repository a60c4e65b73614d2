/**
 * Time from `npm start`'s command to the first `GET /healthz` answering 200, on a fresh SQLite file
 * (creation and migration included), measured in a child process.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export async function measureFirstHealthyStart(): Promise<{ firstHealthyMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), "nudge-bench-start-"));
  const port = 39000 + Math.floor(Math.random() * 1000);
  const started = performance.now();
  const child = spawn(process.execPath, ["--disable-warning=DEP0111", "--import", "tsx", "server/main.ts"], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", DATABASE_URL: `file:${join(dir, "nudge.db")}`, LOG_LEVEL: "warn" },
    stdio: "ignore",
  });
  try {
    for (let attempt = 0; attempt < 600; attempt++) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return { firstHealthyMs: Math.round(performance.now() - started) };
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error("service did not become healthy within 15 s");
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("close", r));
    rmSync(dir, { recursive: true, force: true });
  }
}
