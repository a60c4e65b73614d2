/**
 * The effectiveness report rendered in a real browser, as a reader sees it:
 * `node --import tsx scripts/render-report-preview.ts <report.html> <out.png>` (the HTML from
 * `nudge report effectiveness`). Full page, at SCALE (default 1; the PNG in docs/ is 0.75 to stay
 * under 300 KB), in Debian's chromium (or CHROMIUM_PATH), as the
 * card previews are; the PNG in docs/ is made this way from a demo cohort seeded with a known effect.
 */
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const [input, output] = process.argv.slice(2);
if (!input || !output) throw new Error("usage: render-report-preview.ts <report.html> <out.png>");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 960, height: 900 }, deviceScaleFactor: Number(process.env.SCALE ?? 1) });
  // The report needs nothing from elsewhere: block the network so a stray external asset would show as missing.
  await page.route("**/*", (route) => (route.request().url().startsWith("data:") ? route.continue() : route.abort()));
  await page.setContent(readFileSync(input, "utf8"), { waitUntil: "load" });
  await page.screenshot({ path: output, fullPage: true });
} finally {
  await browser.close();
}
