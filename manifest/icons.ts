/**
 * The app's two icons (committed PNGs, rendered from the SVGs beside them by
 * `scripts/render-icons.ts`) and the Teams rules for them that the manifest schema cannot check:
 * colour 192x192, outline 32x32 with only white and fully transparent pixels.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { PNG } from "pngjs";
import { ICON_FILES } from "./build-manifest.ts";
import type { Problem } from "./problem.ts";

export type IconName = keyof typeof ICON_FILES;
export type Icons = Record<IconName, Buffer>;

export const ICON_SIZES: Record<IconName, number> = { color: 192, outline: 32 };

/** The folder the icons (and their SVG sources) are in: this one. */
export const ICON_DIR = fileURLToPath(new URL(".", import.meta.url));

export function readIcons(dir = ICON_DIR): Icons {
  return { color: readFileSync(join(dir, ICON_FILES.color)), outline: readFileSync(join(dir, ICON_FILES.outline)) };
}

export interface Pixels {
  width: number;
  height: number;
  /** RGBA, 4 bytes a pixel, not premultiplied. */
  data: Buffer;
}

export function decodePng(png: Buffer): Pixels {
  const { width, height, data } = PNG.sync.read(png);
  return { width, height, data };
}

export function encodePng(pixels: Pixels): Buffer {
  const png = new PNG({ width: pixels.width, height: pixels.height });
  pixels.data.copy(png.data);
  return PNG.sync.write(png, { colorType: 6 });
}

/** Pixels of an outline icon that are neither white nor fully transparent. */
export function notWhiteOrTransparent(pixels: Pixels): Array<{ x: number; y: number; rgba: [number, number, number, number] }> {
  const found: Array<{ x: number; y: number; rgba: [number, number, number, number] }> = [];
  for (let i = 0; i < pixels.data.length; i += 4) {
    const [r, g, b, a] = [pixels.data[i]!, pixels.data[i + 1]!, pixels.data[i + 2]!, pixels.data[i + 3]!];
    if (a !== 0 && (r !== 255 || g !== 255 || b !== 255)) found.push({ x: (i / 4) % pixels.width, y: Math.floor(i / 4 / pixels.width), rgba: [r, g, b, a] });
  }
  return found;
}

export function iconProblems(icons: Icons): Problem[] {
  const problems: Problem[] = [];
  for (const name of Object.keys(ICON_FILES) as IconName[]) {
    const path = ICON_FILES[name];
    let pixels: Pixels;
    try {
      pixels = decodePng(icons[name]);
    } catch (error) {
      problems.push({ path, message: `is not a PNG file (${(error as Error).message})` });
      continue;
    }
    const size = ICON_SIZES[name];
    if (pixels.width !== size || pixels.height !== size) {
      problems.push({ path, message: `is ${pixels.width}x${pixels.height}; Teams needs the ${name} icon ${size}x${size}` });
    }
    if (name === "outline") {
      const wrong = notWhiteOrTransparent(pixels);
      if (wrong.length > 0) {
        const { x, y, rgba } = wrong[0]!;
        problems.push({
          path,
          message: `has ${wrong.length} pixel(s) that are neither white nor fully transparent (the first at ${x},${y} is rgba(${rgba.join(", ")})); Teams needs a white outline on a transparent background`,
        });
      }
    }
  }
  return problems;
}
