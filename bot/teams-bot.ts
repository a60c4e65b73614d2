/**
 * The Teams SDK stays behind this one small interface, so a later move to the Teams SDK v2 stays
 * inside `bot/` (Teams AI Library v1 and the Bot Framework SDK get security fixes only).
 */
import { Application, TeamsAdapter } from "@microsoft/teams-ai";
import { MemoryStorage, type Request, type Response, type TurnContext } from "botbuilder";
import type { Logger } from "pino";
import type { TeamsMessenger } from "../channels/teams-sender.ts";
import type { Database } from "../prisma/index.ts";
import { rememberConversation } from "./conversation-store.ts";
import { answerStudentMessage } from "./student-replies.ts";
import { createTeamsMessenger } from "./teams-messenger.ts";

export interface BotCredentials {
  /** No app id: local mode, unauthenticated (the caller refuses this in production). */
  appId?: string;
  appPassword?: string;
  appType: "SingleTenant" | "MultiTenant" | "UserAssignedMSI";
  tenantId?: string;
}

/** What the HTTP edge needs from the bot (hand it a Bot Framework request), and proactive sends. */
export interface TeamsBot {
  process(req: Request, res: Response): Promise<void>;
  readonly adapter: TeamsAdapter;
  readonly messenger: TeamsMessenger;
}

export function createTeamsBot(credentials: BotCredentials, logger: Logger, db: Database): TeamsBot {
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

  // Students' replies are answered; the other audiences (tutors, student centre, admins) arrive
  // with their issues, and until then the bot answers honestly rather than staying silent.
  app.activity("message", async (context) => {
    if (await answerStudentMessage(db, context)) return;
    await context.sendActivity(
      "Hello, this is Nudge. The service is running, but conversations in Teams are not switched on yet.",
    );
  });

  return {
    adapter,
    messenger: createTeamsMessenger(adapter, credentials.appId ?? ""),
    async process(req, res) {
      await adapter.process(req, res, async (context) => {
        await remember(db, context, logger);
        await app.run(context);
      });
    },
  };
}

/** Every activity may tell us about a 1:1 conversation; failing to store it must not cost the reply. */
async function remember(db: Database, context: TurnContext, logger: Logger): Promise<void> {
  try {
    const outcome = await rememberConversation(db, context.activity);
    if (outcome !== "ignored") logger.debug({ activityType: context.activity.type, outcome }, "teams conversation");
  } catch (error) {
    logger.error({ err: error, activityType: context.activity.type }, "could not store the teams conversation");
  }
}
