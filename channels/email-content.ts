/**
 * The two parts of a student email from one rendered template: the plain text as written, and
 * HTML rendered from it as Markdown (paragraphs, emphasis, links). Both end with the same footer:
 * that the student can reply, and the unsubscribe link.
 *
 * Template values are data, never markup: raw HTML anywhere in the text comes out as visible,
 * escaped text, and links go only to http(s) and mailto addresses.
 */
import { unescapeMarkdown } from "../core/index.ts";
import escapeHtml from "escape-html";
import { Marked, type Tokens } from "marked";

export interface EmailContentInput {
  subject: string;
  /** The rendered template text (plain text, may use Markdown). */
  text: string;
  unsubscribeUrl: string;
}

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

export const REPLY_LINE = "You can reply to this email if you have a question or would like to talk.";
export const UNSUBSCRIBE_LABEL = "Unsubscribe from these emails";

const SAFE_HREF = /^(https?:|mailto:)/i;

/*
 * Raw HTML is escaped where marked hands it over (the `html` renderer gets every raw tag and
 * block), not by escaping the source before parsing: that would turn `&` in a URL into `&amp;amp;`
 * and break links such as `?id=1&page=2`.
 */
const markdown = new Marked({
  gfm: true,
  // A line break in a template is meant as one ("Best wishes,\nYour tutor").
  breaks: true,
  async: false,
  renderer: {
    html(token: Tokens.HTML | Tokens.Tag): string {
      const text = escapeHtml(token.text);
      return "block" in token && token.block ? `<p>${text.trim().replace(/\n/g, "<br>\n")}</p>\n` : text;
    },
    link(token: Tokens.Link): string {
      const text = this.parser.parseInline(token.tokens);
      if (!SAFE_HREF.test(token.href.trim())) return text;
      const title = token.title ? ` title="${escapeHtml(token.title)}"` : "";
      return `<a href="${escapeHtml(token.href.trim())}"${title} style="color:#0b57d0">${text}</a>`;
    },
    // No remote images: they would load from elsewhere when the email is opened (tracking).
    image(token: Tokens.Image): string {
      const label = escapeHtml(token.text || token.href);
      return SAFE_HREF.test(token.href.trim()) ? `<a href="${escapeHtml(token.href.trim())}" style="color:#0b57d0">${label}</a>` : label;
    },
  },
});

/** One line, no control characters: a subject is a header. */
function cleanSubject(subject: string): string {
  return subject
    .replace(/[\u0000-\u001f\u007f]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

export function renderEmailContent(input: EmailContentInput): EmailContent {
  const subject = cleanSubject(input.subject);
  const body = input.text.replace(/\r\n?/g, "\n").trim();
  // The body is Markdown (values escaped by the template renderer): the text part reads it plainly.
  const text = `${unescapeMarkdown(body)}\n\n-- \n${REPLY_LINE}\n${UNSUBSCRIBE_LABEL}: ${input.unsubscribeUrl}\n`;
  const content = markdown.parse(body) as string;
  return { subject, text, html: layout(subject, content, input.unsubscribeUrl) };
}

function layout(subject: string, content: string, unsubscribeUrl: string): string {
  const url = escapeHtml(unsubscribeUrl);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(subject)}</title>
</head>
<body style="margin:0;padding:0;background:#ffffff;color:#1f1f1f">
<div role="article" aria-label="${escapeHtml(subject)}" lang="en" style="max-width:600px;margin:0 auto;padding:24px 16px;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5">
${content}
<hr style="border:none;border-top:1px solid #d0d0d0;margin:32px 0 16px">
<footer style="font-size:14px;color:#444444">
<p>${escapeHtml(REPLY_LINE)}</p>
<p><a href="${url}" style="color:#0b57d0">${escapeHtml(UNSUBSCRIBE_LABEL)}</a></p>
</footer>
</div>
</body>
</html>
`;
}
