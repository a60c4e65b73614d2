/**
 * The acknowledgement link in a safeguarding alert email: GET shows what the alert is about and a
 * button; only the button's POST acknowledges (mail scanners open links). The token names the
 * concern and the person the email went to; a forged or altered token and an unknown concern get
 * the same page.
 */
import escapeHtml from "escape-html";
import type restify from "restify";
import { AccessRefused } from "../access/index.ts";
import type { App } from "../app/index.ts";
import type { Logger } from "../core/index.ts";
import { ACKNOWLEDGE_PATH, type LinkedConcern } from "../safeguarding/index.ts";
import { guardedPage, page, type PageHandler } from "./html-page.ts";

export interface SafeguardingRouteDeps {
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
    "<p>This acknowledgement link is not valid: it may have been cut short when it was copied. Use the link in the alert email again, or acknowledge the alert in Teams.</p>",
  );

async function concernOf(req: restify.Request, res: restify.Response, deps: SafeguardingRouteDeps): Promise<LinkedConcern | null> {
  const concern = await deps.app.safeguarding.concernOfLink(deps.linkSecret, req.params?.token as string | undefined);
  if (!concern) notValid(res);
  return concern;
}

const FAILURE = {
  log: "safeguarding acknowledgement failed",
  advice: "<p>The acknowledgement could not be recorded. Please try again, or acknowledge the alert in Teams.</p>",
};
const guarded = (deps: SafeguardingRouteDeps, handle: PageHandler) => guardedPage(deps.logger, ACKNOWLEDGE_PATH, FAILURE, handle);

export function registerSafeguardingRoutes(server: restify.Server, deps: SafeguardingRouteDeps): void {
  const time = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: deps.timezone });
  server.get(
    `${ACKNOWLEDGE_PATH}/:token`,
    guarded(deps, async (req, res) => {
      const concern = await concernOf(req, res, deps);
      if (!concern) return;
      const what = `the ${concern.level === "crisis" ? "urgent " : ""}alert about student ${escapeHtml(concern.studentNumber)}, raised ${escapeHtml(time.format(concern.raisedAt))}`;
      if (concern.acknowledged) {
        return page(
          res,
          200,
          "Already acknowledged",
          `<p>${what[0]!.toUpperCase()}${what.slice(1)} was acknowledged by ${escapeHtml(concern.acknowledged.by)} at ${escapeHtml(time.format(concern.acknowledged.at))}.</p>`,
        );
      }
      page(
        res,
        200,
        "Acknowledge a safeguarding alert",
        `<p>Press the button to say you are handling ${what}. Others alerted will see it has been taken on, and it will not be escalated.</p>
<form method="post">
<button type="submit" style="font-size:16px;padding:10px 20px">I'm handling this</button>
</form>`,
      );
    }),
  );
  server.post(
    `${ACKNOWLEDGE_PATH}/:token`,
    guarded(deps, async (req, res) => {
      const concern = await concernOf(req, res, deps);
      if (!concern) return;
      try {
        const result = await deps.app.safeguarding.acknowledgeByLink(concern);
        deps.logger.info({ concernId: concern.concernId, already: result.already }, "safeguarding alert acknowledged by link");
        if (result.already)
          return page(
            res,
            200,
            "Already acknowledged",
            `<p>This alert was already acknowledged by ${escapeHtml(result.acknowledgedBy)} at ${escapeHtml(time.format(result.acknowledgedAt))}.</p>`,
          );
        page(res, 200, "Acknowledged", "<p>Thank you: the alert is marked as being handled by you. It will not be escalated.</p>");
      } catch (error) {
        if (error instanceof AccessRefused)
          return page(res, 403, "Not available", "<p>Your role no longer allows you to act on this alert. The attempt has been recorded.</p>");
        throw error;
      }
    }),
  );
}
