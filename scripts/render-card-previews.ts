/**
 * Renders every sample card to adaptive-cards/previews/<name>.png with the adaptivecards browser
 * renderer and a Teams-like host config, so a change to a template can be seen without Teams.
 * Uses Debian's chromium (or CHROMIUM_PATH): playwright's own browser download is not available here.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import { sampleCards, type AdaptiveCard } from "../adaptive-cards/index.ts";

const root = join(import.meta.dirname, "..");
const out = join(root, "adaptive-cards", "previews");
const hostConfig = JSON.parse(readFileSync(join(root, "adaptive-cards", "teams-host-config.json"), "utf8"));

/** Previews of a show-card opened, to see its inputs: [preview name, sample, button to click]. */
const OPENED: [string, string, string][] = [
  ["digest-edit-opened", "digest-first-page", "Edit and send"],
  ["digest-dismiss-opened", "digest-first-page", "Dismiss"],
  ["referral-case-close-opened", "referral-case-acknowledged", "Record the outcome and close"],
];

/**
 * Samples with long texts are also drawn at Teams' narrow and wide widths (a phone, and a desktop
 * chat with a wide window), as <name>-narrow.png and <name>-wide.png: layouts must hold at both.
 */
const WIDTHS = { narrow: 320, wide: 600 } as const;
const AT_WIDTHS = (name: string) => name.endsWith("-long-texts") || name === "answer-trend-all-sources";

// The renderer styles layout and text from the host config; buttons and inputs are left to the host.
// These imitate Teams' light theme (Fluent UI buttons, accent #6264A7) in a chat bubble's width.
const PAGE = `<!doctype html><meta charset="utf-8"><style>
  body { margin: 0; padding: 16px; background: #F5F5F5; }
  #bubble { width: 450px; }
  .ac-adaptiveCard { border-radius: 4px; box-shadow: 0 1px 2px rgba(0,0,0,.14); }
  .ac-pushButton { font: 600 14px 'Segoe UI', 'Liberation Sans', Arial, sans-serif; color: #252424; background: #FFF;
    border: 1px solid #E1DFDD; border-radius: 4px; padding: 5px 12px; min-height: 32px; white-space: nowrap;
    overflow: hidden; text-overflow: ellipsis; cursor: pointer; }
  .ac-pushButton.style-positive { background: #6264A7; border-color: #6264A7; color: #FFF; }
  .ac-pushButton.expanded { background: #E8EBFA; border-color: #6264A7; }
  .ac-input { font: 14px 'Segoe UI', 'Liberation Sans', Arial, sans-serif; color: #252424; }
  .ac-textInput, .ac-multichoiceInput { background: #FFF; border: 1px solid #E1DFDD; border-radius: 4px; padding: 6px 8px; box-sizing: border-box; }
  .ac-textInput.ac-multiline { min-height: 96px; resize: none; }
</style><div id="bubble"></div>`;

type InPage = { AdaptiveCards: typeof import("adaptivecards"); document: { getElementById(id: string): { replaceChildren(node: unknown): void } } };

async function render(page: Page, card: AdaptiveCard, file: string, open?: string, width = 450): Promise<void> {
  await page.evaluate(
    ({ card, hostConfig, width }) => {
      // Runs in the page, where the bundle set the global AdaptiveCards (the project has no DOM types).
      const { AdaptiveCards: AC, document } = globalThis as unknown as InPage;
      const adaptiveCard = new AC.AdaptiveCard();
      adaptiveCard.hostConfig = new AC.HostConfig(hostConfig);
      adaptiveCard.parse(card);
      const bubble = document.getElementById("bubble") as unknown as { replaceChildren(node: unknown): void; style: { width: string } };
      bubble.style.width = `${width}px`;
      bubble.replaceChildren(adaptiveCard.render());
    },
    { card, hostConfig, width },
  );
  if (open) await page.locator("#bubble .ac-pushButton", { hasText: open }).first().click();
  await page.locator("#bubble > .ac-adaptiveCard").screenshot({ path: join(out, `${file}.png`) });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: WIDTHS.wide + 32, height: 800 }, deviceScaleFactor: 1.5 });
  await page.setContent(PAGE);
  await page.addScriptTag({ path: join(root, "node_modules", "adaptivecards", "dist", "adaptivecards.min.js") });
  mkdirSync(out, { recursive: true });
  // The worst case is filler text at every limit: it is there to be measured, not looked at.
  const cards = sampleCards().filter((c) => c.name !== "digest-worst-case");
  for (const { name, card } of cards) await render(page, card, name);
  for (const [file, sample, button] of OPENED) await render(page, cards.find((c) => c.name === sample)!.card, file, button);
  const sized = cards.filter((c) => AT_WIDTHS(c.name));
  for (const { name, card } of sized) for (const [label, width] of Object.entries(WIDTHS)) await render(page, card, `${name}-${label}`, undefined, width);
  console.log(`${cards.length + OPENED.length + sized.length * 2} previews in ${out}`);
} finally {
  await browser.close();
}
