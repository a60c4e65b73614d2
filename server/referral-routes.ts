/**
 * The link in a referral or escalation case email (for a shared mailbox above all): GET shows the
 * case and where it stands, with the buttons; only a POST acknowledges or closes (mail scanners
 * open links). The token names the case and the address the email went to; a forged, altered or
 * foreign token and an unknown case get the same page.
 */
import escapeHtml from "escape-html";
import type restify from "restify";
import type { App } from "../app/index.ts";
import { isNudgeError, staffSentenceFor, type Logger } from "../core/index.ts";
import { CASE_LINK_PATH, CASE_OUTCOMES, type LinkedCase } from "../referrals/index.ts";
import { guardedPage, page, type PageHandler } from "./html-page.ts";

export interface ReferralRouteDeps {
  app: App;
  logger: Logger;
  linkSecret: string;
  /** The institution's timezone, for the times on the page. */
  timezone: string;
}

const notValid = (res: restify.Response) =>
  page(
    res,
    404,
    "This link is not valid",
    "<p>This link is not valid: it may have been cut short when it was copied. Use the link in the referral email again, or act on the case in Teams.</p>",
  );

const outcomeForm = (caseId: number) => `<form method="post">
<input type="hidden" name="action" value="close">
<p><label for="outcome-${caseId}">Outcome</label><br>
<select id="outcome-${caseId}" name="outcome" required>
<option value="">Choose an outcome</option>
${CASE_OUTCOMES.map((o) => `<option value="${o.value}">${escapeHtml(o.title)}</option>`).join("\n")}
</select></p>
<p><label for="note-${caseId}">What was done (optional, kept with the case)</label><br>
<textarea id="note-${caseId}" name="note" rows="4" cols="50" maxlength="500"></textarea></p>
<button type="submit" style="font-size:16px;padding:10px 20px">Close the case</button>
</form>`;

function casePage(res: restify.Response, linked: LinkedCase, heading: string, lead = ""): void {
  const what = `${linked.kind === "referral" ? "Referral" : "Escalation"} of ${escapeHtml(linked.studentName)} (${escapeHtml(linked.studentNumber)}) from ${escapeHtml(linked.referrer)} to ${escapeHtml(linked.team)}.`;
  const state = [linked.acknowledged, linked.closed].filter(Boolean).map((line) => `<p><strong>${escapeHtml(line!)}</strong></p>`);
  const actions =
    linked.state === "closed"
      ? ""
      : `${
          linked.state === "open"
            ? `<p>Acknowledge it when you take it on, so the tutor knows it is in hand.</p>
<form method="post"><input type="hidden" name="action" value="acknowledge"><button type="submit" style="font-size:16px;padding:10px 20px">Acknowledge</button></form>`
            : ""
        }
<h2 style="font-size:20px">Record the outcome and close</h2>
${outcomeForm(linked.caseId)}`;
  page(res, 200, heading, `${lead}<p>${what}</p>${state.join("\n")}${actions}`);
}

export function registerReferralRoutes(server: restify.Server, deps: ReferralRouteDeps): void {
  const linkedCase = async (req: restify.Request, res: restify.Response): Promise<LinkedCase | null> => {
    const linked = await deps.app.referrals.caseOfLink(deps.linkSecret, req.params?.token as string | undefined, deps.timezone);
    if (!linked) notValid(res);
    return linked;
  };
  const guarded = (handle: PageHandler) =>
    guardedPage(
      deps.logger,
      CASE_LINK_PATH,
      { log: "referral case link failed", advice: "<p>Nothing could be recorded. Please try again, or act on the case in Teams.</p>" },
      handle,
    );

  server.get(
    `${CASE_LINK_PATH}/:token`,
    guarded(async (req, res) => {
      const linked = await linkedCase(req, res);
      if (linked) casePage(res, linked, linked.state === "closed" ? "This case is closed" : "A referral for your team");
    }),
  );
  server.post(
    `${CASE_LINK_PATH}/:token`,
    guarded(async (req, res) => {
      const linked = await linkedCase(req, res);
      if (!linked) return;
      const body = (req.body ?? {}) as Record<string, unknown>;
      const text = (name: string) => (typeof body[name] === "string" ? (body[name] as string) : undefined);
      const response =
        text("action") === "close" ? { kind: "close" as const, outcome: text("outcome") ?? "", note: text("note") } : { kind: "acknowledge" as const };
      try {
        const result = await deps.app.referrals.respondByLink(linked, response);
        deps.logger.info({ caseId: linked.caseId, action: response.kind, already: result.already }, "referral case updated by link");
      } catch (error) {
        const sentence = isNudgeError(error) ? staffSentenceFor(error) : null;
        if (sentence === null) throw error;
        return page(
          res,
          error instanceof Error && isNudgeError(error) && error.kind === "refused" ? 403 : 400,
          "Not recorded",
          `<p>${escapeHtml(sentence)}</p>`,
        );
      }
      const now = await deps.app.referrals.caseOfLink(deps.linkSecret, req.params?.token as string | undefined, deps.timezone);
      casePage(
        res,
        now ?? linked,
        response.kind === "close" ? "Closed" : "Acknowledged",
        "<p>Thank you: that has been recorded, and the tutor can see it.</p>",
      );
    }),
  );
}
