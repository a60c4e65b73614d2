/**
 * The Teams SDK stays behind this one small interface, so a later move to the Teams SDK v2 stays
 * inside `bot/` (Teams AI Library v1 and the Bot Framework SDK get security fixes only).
 */
import { Application, TeamsAdapter } from "@microsoft/teams-ai";
import { MemoryStorage, type Request, type Response, type TurnContext } from "botbuilder";
import type { Logger } from "pino";

export interface BotCredentials {
  /** No app id: local mode, unauthenticated (the caller refuses this in production). */
  appId?: string;
  appPassword?: string;
  appType: "SingleTenant" | "MultiTenant" | "UserAssignedMSI";
  tenantId?: string;
}

/** What the HTTP edge needs from the bot: hand it a Bot Framework request. */
export interface TeamsBot {
  process(req: Request, res: Response): Promise<void>;
  readonly adapter: TeamsAdapter;
}

export function createTeamsBot(credentials: BotCredentials, logger: Logger): TeamsBot {
  const adapter = new TeamsAdapter({
    MicrosoftAppId: credentials.appId ?? "",
    MicrosoftAppPassword: credentials.appPassword ?? "",
    // Local mode: the SDK accepts empty credentials only as MultiTenant.
    MicrosoftAppType: credentials.appId ? credentials.appType : "MultiTenant",
    MicrosoftAppTenantId: credentials.tenantId ?? "",
  });
  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    logger.error({ err: error, activityType: context.activity.type }, "bot turn failed");
    await context.sendActivity("Sorry, something went wrong on our side. Please try again in a moment.");
  };

  const app = new Application({
    adapter,
    botAppId: credentials.appId ?? "",
    storage: new MemoryStorage(),
    startTypingTimer: false,
  });

  // Audience handlers (students, tutors, student centre, admins) arrive with their issues; until
  // then the bot answers honestly rather than staying silent.
  app.activity("message", async (context) => {
    await context.sendActivity(
      "Hello, this is Nudge. The service is running, but conversations in Teams are not switched on yet.",
    );
  });

  return {
    adapter,
    async process(req, res) {
      await adapter.process(req, res, (context) => app.run(context).then(() => undefined));
    },
  };
}
