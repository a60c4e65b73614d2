/**
 * Whether the university's own mail system vouches for an email's sender: its
 * `Authentication-Results` header (RFC 8601) says DMARC passed for the From address's domain.
 *
 * Only a header added by the receiving system named by `trustedAuthservId` counts: anyone can
 * write an Authentication-Results header into the mail they send, but the receiving system adds
 * its own on top (and should strip forged ones with its id). Hand-written because only this one
 * reading of an already-verified header is needed: the libraries that exist (mailauth) verify
 * DKIM, SPF and DMARC themselves over DNS, which is the mail system's job, not ours.
 */

/** One `method=result` with its properties, as RFC 8601 writes them after the authserv-id. */
interface ResultInfo {
  method: string;
  result: string;
  properties: Map<string, string>;
}

/** The header without comments: `(...)` can nest, and may hold anything. */
function withoutComments(value: string): string {
  let out = "";
  let depth = 0;
  let quoted = false;
  for (const ch of value) {
    if (ch === '"' && depth === 0) quoted = !quoted;
    if (!quoted && ch === "(") depth++;
    else if (!quoted && ch === ")" && depth > 0) depth--;
    else if (depth === 0) out += ch;
  }
  return out;
}

export function parseAuthenticationResults(value: string): { authservId: string; results: ResultInfo[] } | null {
  const parts = withoutComments(value)
    .split(";")
    .map((p) => p.trim());
  const authservId = parts.shift()?.split(/\s+/)[0]?.toLowerCase();
  if (!authservId) return null;
  const results: ResultInfo[] = [];
  for (const part of parts) {
    const match = /^([a-z0-9-]+)\s*=\s*([a-z]+)(.*)$/is.exec(part);
    if (!match) continue;
    const properties = new Map<string, string>();
    for (const prop of match[3]!.matchAll(/([a-z0-9-]+\.[a-z0-9-]+)\s*=\s*("?)([^\s";]+)\2/gi)) properties.set(prop[1]!.toLowerCase(), prop[3]!.toLowerCase());
    results.push({ method: match[1]!.toLowerCase(), result: match[2]!.toLowerCase(), properties });
  }
  return { authservId, results };
}

/**
 * True when the trusted mail system's header says `dmarc=pass` for the From address's domain.
 * `headers` are the Authentication-Results values in order, the most recent (outermost) first.
 */
export function senderAuthenticated(headers: readonly string[], trustedAuthservId: string | undefined, fromAddress: string): boolean {
  if (!trustedAuthservId) return false;
  const domain = fromAddress.split("@").pop()?.toLowerCase();
  if (!domain) return false;
  const trusted = trustedAuthservId.toLowerCase();
  for (const header of headers) {
    const parsed = parseAuthenticationResults(header);
    if (parsed?.authservId !== trusted) continue;
    return parsed.results.some((r) => r.method === "dmarc" && r.result === "pass" && r.properties.get("header.from") === domain);
  }
  return false;
}
