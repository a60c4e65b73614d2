/**
 * Asks a service's /readyz every 10 ms from its own process (so the service's event loop being
 * busy cannot also delay the asking) until stdin closes, then prints the latencies' summary.
 * Usage: node --import tsx bench/readyz-prober.ts <base-url>
 */
const [base] = process.argv.slice(2);
if (!base) throw new Error("usage: readyz-prober.ts <base-url>");

const latencies: number[] = [];
let failures = 0;
let stopping = false;
process.stdin.on("end", () => (stopping = true));
process.stdin.resume();

while (!stopping) {
  const started = performance.now();
  try {
    const response = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(30_000) });
    await response.arrayBuffer();
    if (response.status !== 200) failures++;
  } catch {
    failures++;
  }
  latencies.push(performance.now() - started);
  await new Promise((resolve) => setTimeout(resolve, 10));
}
latencies.sort((a, b) => a - b);
const at = (q: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0) * 10) / 10;
console.log(JSON.stringify({ probes: latencies.length, failures, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1) }));
