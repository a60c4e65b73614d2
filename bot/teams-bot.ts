/**
 * The Teams SDK stays behind this one small interface, so a later move to the Teams SDK v2 stays
 * inside `bot/` (Teams AI Library v1 and the Bot Framework SDK get security fixes only).
 */
import { Application, TeamsAdapter } from "@microsoft/teams-ai";
import { type Activity, MemoryStorage, type Request, type Response, type TurnContext } from "botbuilder";
// The library's own parsing of activity timestamps; not re-exported from its index.
import { validateAndFixActivity } from "botbuilder/lib/activityValidator.js";
import { AuthenticationConstants, type AuthenticateRequestResult } from "botframework-connector";
import type { Logger } from "pino";
import type { TeamsMessenger } from "../channels/index.ts";
import type { App } from "../app/index.ts";
import { DEFAULT_POLICY, type ApprovalPolicy, type DeliveryRules } from "../interventions/index.ts";
import type { TutorCalendar } from "../meetings/index.ts";
import type { ReferralSettings } from "../referrals/index.ts";
import { defaultConversationSettings, type ConversationSettings } from "../conversations/index.ts";
import { ALL_VERBS, handleCardAction } from "./card-actions.ts";
import type { RememberOutcome } from "../contacts/index.ts";
import { isRecord, say, type ChannelName } from "../core/index.ts";
import { conversationSeen } from "./conversation-seen.ts";
import { answerStudentMessage, welcomeNewStudent } from "./student-replies.ts";
import { createTeamsMessenger } from "./teams-messenger.ts";
import { answerStaffMessage } from "./tutor-handler.ts";

export interface BotCredentials {
  /** No app id: local mode, unauthenticated (the caller refuses this in production). */
  appId?: string;
  appPassword?: string;
  appType: "SingleTenant" | "MultiTenant" | "UserAssignedMSI";
  tenantId?: string;
  /**
   * Where the Bot Connector's signing keys are published, for tests that play that endpoint on
   * loopback (inbound validation only: the other public-cloud endpoints are then unset).
   */
  openIdMetadataUrl?: string;
}

/** What the HTTP edge needs from the bot (hand it a Bot Framework request), and proactive sends. */
export interface TeamsBot {
  process(req: Request, res: Response): Promise<void>;
  readonly adapter: TeamsAdapter;
  readonly messenger: TeamsMessenger;
}

export interface BotOptions {
  /** How students' messages are answered and who is alerted; also what the privacy notice and the welcome are generated from. */
  conversations?: ConversationSettings;
  /** Who may decide on what (the tutor's digest buttons). */
  policy?: ApprovalPolicy;
  /** Tutors' calendars (Microsoft Graph) for "Invite to talk"; unset: office hours alone. */
  calendar?: TutorCalendar;
  /** Where referrals and escalations go; unset: not set up (Refer says so). */
  referrals?: ReferralSettings;
  /** The outbox's rules, for the times an invitation offers; unset: the defaults. */
  delivery?: DeliveryRules;
  /** The channels switched on (NUDGE_CHANNELS), for nudges an admin releases; unset: Teams. */
  channels?: readonly ChannelName[];
}

export function createTeamsBot(credentials: BotCredentials, logger: Logger, nudge: App, options: BotOptions = {}): TeamsBot {
  const conversations = options.conversations ?? defaultConversationSettings();
  const policy = options.policy ?? DEFAULT_POLICY;
  const adapter = createAdapter(credentials, logger);

  const app = new Application({
    adapter,
    botAppId: credentials.appId ?? "",
    storage: new MemoryStorage(),
    startTypingTimer: false,
  });

  // One handler per audience; people nobody knows are told so politely and shown nothing.
  app.activity("message", async (context) => {
    const person = await nudge.access.whoIs(context.activity.from?.aadObjectId);
    if (person.kind === "staff") return answerStaffMessage(nudge, context, person, conversations.safeguarding.timezone);
    if (person.kind === "student") return answerStudentMessage(nudge, context, person.studentId, conversations);
    await context.sendActivity(say("unknown_person"));
  });

  app.adaptiveCards.actionExecute<Record<string, unknown>>(ALL_VERBS, async (context, _state, data) => {
    const verb = String((context.activity.value as { action?: { verb?: unknown } } | undefined)?.action?.verb ?? "");
    return handleCardAction(nudge, context, verb, data, {
      policy,
      calendar: options.calendar,
      conversations,
      referrals: options.referrals,
      delivery: options.delivery,
      channels: options.channels,
    });
  });

  return {
    adapter,
    messenger: createTeamsMessenger(adapter, credentials.appId ?? ""),
    async process(req, res) {
      // The library answers 500 with its own message for most bad tokens, and lets a malformed
      // body reject; here the caller learns only 400 (not an activity) or 401 (not authenticated).
      const activity = activityOf(req.body);
      if (!activity) return answer(res, 400, { error: "not a Bot Framework activity" });
      let authenticated: AuthenticateRequestResult;
      try {
        authenticated = await adapter.authenticate(activity, authorizationOf(req));
      } catch (error) {
        logger.warn({ reason: briefly(error), activityType: activity.type }, "bot request refused: not authenticated");
        return answer(res, 401, { error: "unauthorized" });
      }
      try {
        const invoke = await adapter.runTurn(authenticated, activity, async (context) => {
          // First contact: the student is told what Nudge is before anything else (POLICY P6).
          if ((await remember(nudge, context, logger)) === "created") await welcome(nudge, context, conversations, logger);
          await app.run(context);
        });
        answer(res, invoke?.status ?? 200, invoke?.body);
      } catch (error) {
        logger.error({ err: error, activityType: activity.type }, "bot turn failed");
        answer(res, 500, { error: "internal error" });
      }
    },
  };
}

/**
 * The activity in a request body, or null when the body is not one the Bot Connector would send:
 * a type, the conversation and service to answer in, and people and text of the right shapes.
 * Anything less could not even be answered with an apology.
 */
function activityOf(body: unknown): Activity | null {
  if (!isRecord(body) || typeof body.type !== "string" || typeof body.serviceUrl !== "string") return null;
  if (!isRecord(body.conversation) || typeof body.conversation.id !== "string") return null;
  for (const person of [body.from, body.recipient]) if (person !== undefined && !(isRecord(person) && typeof person.id === "string")) return null;
  if (body.text !== undefined && body.text !== null && typeof body.text !== "string") return null;
  return validateAndFixActivity(body as unknown as Activity);
}

function authorizationOf(req: Request): string {
  const header = req.headers.authorization ?? req.headers.Authorization;
  return typeof header === "string" ? header : "";
}

function answer(res: Response, status: number, body?: unknown): void {
  res.status(status);
  if (body !== undefined) res.send(body);
  res.end();
}

/** Why a token was refused, short: token libraries' errors can carry whole keys in their text. */
function briefly(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.split("\n")[0]!.slice(0, 160);
}

/** A welcome that cannot be sent must not cost the turn (the student's message is still answered). */
async function welcome(nudge: App, context: TurnContext, conversations: ConversationSettings, logger: Logger): Promise<void> {
  try {
    await welcomeNewStudent(nudge, context, conversations);
  } catch (error) {
    logger.error({ err: error, activityType: context.activity.type }, "could not send the welcome");
  }
}

/** Every activity may tell us about a 1:1 conversation; failing to store it must not cost the reply. */
async function remember(nudge: App, context: TurnContext, logger: Logger): Promise<RememberOutcome | "ignored" | "failed"> {
  try {
    const seen = conversationSeen(context.activity);
    if (!seen) return "ignored";
    const outcome = await nudge.contacts.rememberConversation(seen);
    logger.debug({ activityType: context.activity.type, outcome }, "teams conversation");
    return outcome;
  } catch (error) {
    logger.error({ err: error, activityType: context.activity.type }, "could not store the teams conversation");
    return "failed";
  }
}

/**
 * The Teams adapter with its two steps apart, so the HTTP edge can tell a caller it could not
 * authenticate (401) from a turn that failed on our side (500).
 */
class TwoStepTeamsAdapter extends TeamsAdapter {
  authenticate(activity: Activity, authorization: string): Promise<AuthenticateRequestResult> {
    return this.botFrameworkAuthentication.authenticateRequest(activity, authorization);
  }

  runTurn(authenticated: AuthenticateRequestResult, activity: Activity, logic: (context: TurnContext) => Promise<void>) {
    return this.processActivity(authenticated, activity, logic);
  }
}

function createAdapter(credentials: BotCredentials, logger: Logger): TwoStepTeamsAdapter {
  const adapter = new TwoStepTeamsAdapter({
    MicrosoftAppId: credentials.appId ?? "",
    MicrosoftAppPassword: credentials.appPassword ?? "",
    // Local mode: the SDK accepts empty credentials only as MultiTenant.
    MicrosoftAppType: credentials.appId ? credentials.appType : "MultiTenant",
    MicrosoftAppTenantId: credentials.tenantId ?? "",
    ...(credentials.openIdMetadataUrl
      ? { ToBotFromChannelOpenIdMetadataUrl: credentials.openIdMetadataUrl, ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer }
      : {}),
  });
  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    logger.error({ err: error, activityType: context.activity.type }, "bot turn failed");
    await context.sendActivity("Sorry, something went wrong on our side. Please try again in a moment.");
  };
  return adapter;
}

/**
 * Proactive sends only, for a process that answers no Teams requests (`nudge outbox dispatch`,
 * `nudge jobs run`): the adapter without the handlers.
 */
export function createProactiveMessenger(credentials: BotCredentials, logger: Logger): TeamsMessenger {
  return createTeamsMessenger(createAdapter(credentials, logger), credentials.appId ?? "");
}
