/**
 * The service's few plain pages (unsubscribe, safeguarding acknowledgement): one accessible
 * layout, no scripts, not frameable, never cached, no referrer (their addresses carry tokens).
 */
import escapeHtml from "escape-html";
import type restify from "restify";
import type { Logger } from "../core/index.ts";

const PAGE_HEADERS = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-store",
  // The token is in the address: it must not leak to other sites.
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
  // No scripts at all, and no framing: the button must not be clickable from another site's page.
  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

export function page(res: restify.Response, status: number, title: string, body: string): void {
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
</head>
<body style="font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#1f1f1f;max-width:600px;margin:0 auto;padding:24px 16px">
<main>
<h1 style="font-size:24px">${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
  res.sendRaw(status, html, PAGE_HEADERS);
}

export type PageHandler = (req: restify.Request, res: restify.Response) => Promise<void>;

/**
 * A page route whose failure is logged with the route and shown as a kind 500 page saying what to
 * do instead (`advice`, HTML), never an error text.
 */
export function guardedPage(logger: Logger, route: string, failure: { log: string; advice: string }, handle: PageHandler): PageHandler {
  return async (req, res) => {
    try {
      await handle(req, res);
    } catch (error) {
      logger.error({ err: error, route }, failure.log);
      if (!res.headersSent) page(res, 500, "Something went wrong", failure.advice);
    }
  };
}
