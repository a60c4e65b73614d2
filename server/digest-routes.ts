/**
 * The digest page behind the link in a digest email, for tutors who do not use Teams: GET lists
 * every tutee on the digest with what the card would offer; only a button's POST acts (mail
 * scanners open links). A forged, altered or old link, or another tutor's, shows the same page.
 * Each action is the card's own use case, so the approval policy, access checks and audit apply.
 */
import escapeHtml from "escape-html";
import type restify from "restify";
import { AccessRefused } from "../access/index.ts";
import type { App } from "../app/index.ts";
import { staffSentenceFor, type Logger } from "../core/index.ts";
import { DIGEST_LINK_DAYS, DIGEST_LINK_PATH, type DigestActionDeps, type DigestEntry, type LinkedDigest } from "../digest/index.ts";
import { guardedPage, page, type PageHandler } from "./html-page.ts";

export interface DigestRouteDeps {
  app: App;
  logger: Logger;
  linkSecret: string;
  /** The institution's timezone, for the times on the page. */
  timezone: string;
  /** What the card's buttons use: the approval policy, the tutors' calendar. */
  actions: Omit<DigestActionDeps, "refreshUserIds">;
}

type Valid = Extract<LinkedDigest, { state: "valid" }>;

const VERDICTS = [
  ["useful", "Useful: right to flag, nothing more needed now"],
  ["not_useful", "Not useful: not a concern for this student"],
  ["wrong_data", "Wrong data: the figures are not right"],
] as const;

const FAILURE = {
  log: "digest page failed",
  advice: "<p>That could not be done just now. Please reload the page and try again, or use your digest in Teams.</p>",
};
const guarded = (deps: DigestRouteDeps, handle: PageHandler) => guardedPage(deps.logger, DIGEST_LINK_PATH, FAILURE, handle);

async function linkedDigest(req: restify.Request, res: restify.Response, deps: DigestRouteDeps): Promise<Valid | null> {
  const linked = await deps.app.digest.digestOfLink(deps.linkSecret, req.params?.token as string | undefined);
  if (linked.state === "valid") return linked;
  if (linked.state === "expired")
    page(
      res,
      410,
      "This digest link has expired",
      `<p>Digest links work for ${DIGEST_LINK_DAYS} days, so that an old or forwarded email cannot act for long. Your latest digest email has a fresh link, or say "digest now" to Nudge in Teams.</p>`,
    );
  else
    page(
      res,
      404,
      "This link is not valid",
      "<p>This digest link is not valid: it may have been cut short when it was copied. Use the link in your digest email again.</p>",
    );
  return null;
}

function form(action: string, studentId: number, fields: Record<string, number | undefined>, inner: string, label: string): string {
  const hidden = Object.entries({ action, studentId, ...fields })
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(String(value))}">`)
    .join("");
  return `<form method="post" style="margin:8px 0">${hidden}${inner}<button type="submit" style="font-size:15px;padding:6px 14px">${escapeHtml(label)}</button></form>`;
}

function entryHtml(entry: DigestEntry, time: Intl.DateTimeFormat): string {
  const id = entry.studentId;
  const parts = [
    `<h2 style="font-size:19px;margin-bottom:4px">${escapeHtml(entry.name)} <span style="font-weight:normal;color:#555">(${escapeHtml(entry.studentNumber)})</span></h2>`,
  ];
  if (entry.programme) parts.push(`<p style="margin:0;color:#555">${escapeHtml(entry.programme)}</p>`);
  if (entry.concern) {
    parts.push(
      `<p style="border-left:4px solid #c4314b;padding-left:8px"><strong>${entry.concern.level === "crisis" ? "Urgent: " : ""}their message needs a person</strong> (${escapeHtml(time.format(entry.concern.receivedAt))}): “${escapeHtml(entry.concern.text)}”</p>`,
      form("acknowledge", id, { concernId: entry.concern.concernId }, "", "I've seen this and I'm handling it"),
    );
  }
  parts.push(`<p>${escapeHtml(entry.evidence)}</p>`);
  if (entry.history.length) parts.push(`<ul style="color:#444">${entry.history.map((h) => `<li>${escapeHtml(h)}</li>`).join("")}</ul>`);
  if (entry.done) parts.push(`<p><strong>Done:</strong> ${escapeHtml(entry.done)}</p>`);
  else if (entry.actionable) {
    if (entry.proposal) {
      const interventionId = entry.proposal.interventionId;
      const kind = entry.proposal.kind.replace(/_/g, " ");
      parts.push(
        `<p><strong>Waiting for your decision</strong> (${escapeHtml(kind)}): “${escapeHtml(entry.proposal.text)}”</p>`,
        form("approve", id, { interventionId }, "", "Approve and send"),
        form(
          "edit",
          id,
          { interventionId },
          `<label for="edit-${id}" style="display:block">Or send your own version:</label><textarea id="edit-${id}" name="editedText" rows="4" style="width:100%;font-size:15px">${escapeHtml(entry.proposal.text)}</textarea>`,
          "Send my version",
        ),
      );
    } else parts.push(form("invite", id, {}, "", "Invite to talk (offers times from your office hours)"));
    parts.push(
      form(
        "dismiss",
        id,
        {},
        `<label for="verdict-${id}">Dismiss, because: </label><select id="verdict-${id}" name="verdict" required><option value="">choose…</option>${VERDICTS.map(([v, words]) => `<option value="${v}">${escapeHtml(words)}</option>`).join("")}</select> `,
        "Dismiss",
      ),
      form("snooze", id, {}, "", "Snooze for a week"),
    );
  }
  return `<section style="border-top:1px solid #ddd;padding-top:8px;margin-top:16px">${parts.join("\n")}</section>`;
}

function numberField(fields: URLSearchParams, name: string): number | undefined {
  const value = fields.get(name);
  return value !== null && /^[1-9][0-9]{0,9}$/.test(value) ? Number(value) : undefined;
}

function textField(fields: URLSearchParams, name: string, max: number): string | undefined {
  const value = fields.get(name);
  return value === null ? undefined : value.slice(0, max);
}

export function registerDigestRoutes(server: restify.Server, deps: DigestRouteDeps): void {
  const time = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: deps.timezone });
  const show = async (res: restify.Response, linked: Valid, notice?: string) => {
    const digest = await deps.app.digest.digestLinkPage(linked);
    const intro = `<p>Hello ${escapeHtml(digest.tutorName)}. These are the tutees on your digest of ${escapeHtml(time.format(digest.sentAt))}, as things stand now. Each button does what the same button on the Teams card does.</p>`;
    const said = notice ? `<p role="status" style="background:#eef6ee;border-left:4px solid #2e7d32;padding:8px">${escapeHtml(notice)}</p>` : "";
    const body = digest.entries.length ? digest.entries.map((e) => entryHtml(e, time)).join("\n") : "<p>Nobody is on this digest now.</p>";
    page(res, 200, "Your tutee digest", `${said}${intro}${body}`);
  };

  server.get(
    `${DIGEST_LINK_PATH}/:token`,
    guarded(deps, async (req, res) => {
      const linked = await linkedDigest(req, res, deps);
      if (linked) await show(res, linked);
    }),
  );

  server.post(
    `${DIGEST_LINK_PATH}/:token`,
    guarded(deps, async (req, res) => {
      const linked = await linkedDigest(req, res, deps);
      if (!linked) return;
      const raw: unknown = req.rawBody ?? req.body;
      const fields = new URLSearchParams(typeof raw === "string" ? raw : Buffer.isBuffer(raw) ? raw.toString("utf8") : "");
      const studentId = numberField(fields, "studentId");
      if (studentId === undefined) return show(res, linked, "That button was not understood. Please try again.");
      const action = fields.get("action") ?? "";
      if (action === "dismiss" && !fields.get("verdict")) return show(res, linked, "Please choose why you're dismissing this, then press Dismiss again.");
      try {
        const refused = await deps.app.digest.actOnDigestLink(
          linked,
          {
            action,
            studentId,
            interventionId: numberField(fields, "interventionId"),
            concernId: numberField(fields, "concernId"),
            editedText: textField(fields, "editedText", 4000),
            verdict: textField(fields, "verdict", 40),
          },
          deps.actions,
        );
        deps.logger.info({ digestId: linked.digestId, action, refused: refused !== null }, "digest action by email link");
        await show(res, linked, refused ?? "Done. The page below shows it.");
      } catch (error) {
        if (error instanceof AccessRefused)
          return page(res, 403, "Not available", "<p>Your role no longer allows you to act for this student. The attempt has been recorded.</p>");
        // The same plain sentence the card would show; anything else is the 500 page (and logged).
        const sentence = staffSentenceFor(error);
        if (sentence === null) throw error;
        deps.logger.info({ err: error, digestId: linked.digestId, action }, "digest action by email link not done");
        await show(res, linked, sentence);
      }
    }),
  );
}
