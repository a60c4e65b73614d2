/**
 * Data inside Markdown: a value (a name from a feed, a student's words) put into a Markdown body
 * must stay text, never become a link or emphasis. Escaping is the CommonMark backslash escape;
 * `:` is included so that GFM does not autolink a bare URL.
 */

const MARKDOWN_SIGNIFICANT = /[\\`*_{}[\]()#+\-.!|<>~:]/g;

/** Backslash-escapes every character Markdown (or GFM's autolinks) could read as markup. */
export function escapeMarkdown(text: string): string {
  return text.replace(MARKDOWN_SIGNIFICANT, "\\$&");
}

/** The plain-text reading of Markdown escapes: what a reader of the text part should see. */
export function unescapeMarkdown(text: string): string {
  return text.replace(/\\([\\`*_{}[\]()#+\-.!|<>~:])/g, "$1");
}
