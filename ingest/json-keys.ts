/**
 * Duplicate keys in JSON text. JSON.parse keeps the last of two equal keys without a word, so a
 * statement could say one thing to a reader that keeps the first and another to Nudge. The
 * parsers that report duplicates recurse once per level of nesting (a deep document overflows the
 * stack), so this is a scanner over text JSON.parse has already accepted: one pass, its own stack,
 * linear in the length of the text (each string is skipped with indexOf, each key looked up once).
 * On text that is not JSON it stops or goes on quietly: it is then only asked where a problem lies.
 */

/** Where a key or value sits: object keys and array indexes from the top of the document. */
export type JsonPath = (string | number)[];

const QUOTE = 34;
const BACKSLASH = 92;

/**
 * Calls `onDuplicate` for every key that appears again in the same object, with the path to it,
 * the key last (a live array: copy it to keep it); returning true stops it. Returns the
 * path reached at `end`, for naming where in a document a problem lies.
 */
export function scanJsonKeys(text: string, onDuplicate: (path: readonly (string | number)[]) => boolean, end = text.length): JsonPath {
  const path: JsonPath = [];
  // Keys seen in each open object; null for an open array.
  const keys: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let close = i;
      for (;;) {
        close = text.indexOf('"', close + 1);
        if (close === -1 || close >= end) return path;
        let backslashes = 0;
        while (text.charCodeAt(close - 1 - backslashes) === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
      }
      if (expectKey) {
        const raw = text.slice(i + 1, close);
        // Escapes decoded, so "a" and "\u0061" are the same key, as they are to JSON.parse.
        const key = raw.includes("\\") ? (JSON.parse(text.slice(i, close + 1)) as string) : raw;
        const seen = keys[keys.length - 1];
        expectKey = false;
        // No set: text that is not JSON (a prefix of a damaged line), scanned only to say where.
        if (seen) {
          path[path.length - 1] = key;
          if (!seen.has(key)) seen.add(key);
          else if (onDuplicate(path) === true) return path;
        }
      }
      i = close;
    } else if (c === 123 /* { */) {
      keys.push(new Set());
      path.push("");
      expectKey = true;
    } else if (c === 91 /* [ */) {
      keys.push(null);
      path.push(0);
      expectKey = false;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      keys.pop();
      path.pop();
      expectKey = false;
    } else if (c === 44 /* , */ && path.length > 0) {
      const top = path.length - 1;
      if (keys[top] === null) path[top] = (path[top] as number) + 1;
      else expectKey = true;
    }
  }
  return path;
}

/** The first key that appears twice in one object, with the path to it (the key last), or null. */
export function firstDuplicateKey(text: string): JsonPath | null {
  let found: JsonPath | null = null;
  scanJsonKeys(text, (path) => {
    found = [...path];
    return true;
  });
  return found;
}
