/**
 * How deep a parsed JSON value nests, counted without recursion: JSON.parse accepts any depth,
 * but code that walks a value recursively (validation, canonical forms, stringify) overflows the
 * stack on a few hundred thousand levels, so input is refused long before that.
 */
export const MAX_JSON_DEPTH = 64;

/** True when `value` nests deeper than `limit` arrays or objects. */
export function nestsDeeperThan(value: unknown, limit: number = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== "object") continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
  }
  return false;
}
