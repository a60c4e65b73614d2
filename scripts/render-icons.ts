/**
 * Renders the Teams app icons from their SVG sources: `manifest/color.svg` -> `manifest/color.png`
 * (192x192) and `manifest/outline.svg` -> `manifest/outline.png` (32x32). The PNGs are committed;
 * run this after changing an SVG (`node --import tsx scripts/render-icons.ts`). A test checks that
 * the committed PNGs are what this renders.
 *
 * The outline icon is made strictly white: every pixel that is not fully transparent gets white
 * RGB, keeping its alpha (the anti-aliased edge), as Teams wants a white outline on transparency.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Resvg } from "@resvg/resvg-js";
import { ICON_FILES } from "../manifest/build-manifest.ts";
import { decodePng, encodePng, ICON_DIR, ICON_SIZES, type IconName } from "../manifest/icons.ts";

export const ICON_SOURCES: Record<IconName, string> = { color: "color.svg", outline: "outline.svg" };

export function renderIcon(name: IconName, dir = ICON_DIR): Buffer {
  const svg = readFileSync(join(dir, ICON_SOURCES[name]), "utf8");
  const rendered = new Resvg(svg, { fitTo: { mode: "width", value: ICON_SIZES[name] }, font: { loadSystemFonts: false } }).render();
  const pixels = decodePng(rendered.asPng());
  for (let i = 0; i < pixels.data.length; i += 4) {
    const alpha = pixels.data[i + 3]!;
    // Fully transparent pixels carry no colour (stable bytes); the outline's others are white.
    if (alpha === 0) pixels.data.fill(0, i, i + 3);
    else if (name === "outline") pixels.data.fill(255, i, i + 3);
  }
  return encodePng(pixels);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const name of Object.keys(ICON_SOURCES) as IconName[]) {
    const out = join(ICON_DIR, ICON_FILES[name]);
    writeFileSync(out, renderIcon(name));
    console.log(`${ICON_SOURCES[name]} -> ${ICON_FILES[name]} (${ICON_SIZES[name]}x${ICON_SIZES[name]})`);
  }
}
