/**
 * restify wiring: routes only. Handlers delegate to the bot and to domain modules.
 */
import { DEFAULT_TIMEZONE } from "../core/index.ts";
import { randomBytes } from "node:crypto";
import restify from "restify";
import type { TeamsBot } from "../bot/index.ts";
import type { App } from "../app/index.ts";
import type { Logger } from "../core/index.ts";
import { registerXapiRoutes, type XapiEndpointSettings } from "./xapi-endpoint.ts";
import { registerSmsRoutes } from "./sms-webhooks.ts";
import { registerEmailRoutes } from "./email-routes.ts";
import { defaultConversationSettings, type ConversationSettings } from "../conversations/index.ts";
import { DEFAULT_NOTICE_SETTINGS, type PrivacyNoticeSettings } from "../privacy/index.ts";
import { registerPrivacyRoutes } from "./privacy-routes.ts";
import { registerReferralRoutes } from "./referral-routes.ts";
import { registerSafeguardingRoutes } from "./safeguarding-routes.ts";
import { registerDigestRoutes, type DigestRouteDeps } from "./digest-routes.ts";
import { registerStudioRoutes, type StudioRouteDeps } from "./studio-routes.ts";

export interface HttpDeps {
  app: App;
  bot: TeamsBot;
  logger: Logger;
  /** False while starting and once shutdown begins: load balancers stop sending traffic. */
  isReady: () => boolean;
  /** The xAPI push endpoint; without credentials it answers 503. */
  xapi?: XapiEndpointSettings;
  /** Webhooks of the SMS and email channels; without their settings they answer 503. */
  channels?: ChannelWebhookSettings;
  /** What the privacy notice at GET /privacy is generated from; unset: the defaults. */
  privacy?: PrivacyNoticeSettings;
  /** How students' messages are answered and who is alerted; unset: the defaults (tests of other routes). */
  conversations?: ConversationSettings;
  /** The digest page behind the digest email's link; unset (tests of other routes): no page. */
  digestLinks?: Omit<DigestRouteDeps, "app" | "logger">;
  /** The rules studio (page and API); unset (tests of other routes): not served. */
  studio?: Omit<StudioRouteDeps, "app" | "logger">;
}

export interface ChannelWebhookSettings {
  publicBaseUrl?: string;
  twilio?: { authToken: string };
  linkSecret: string;
  emailInboundToken?: string;
  emailTrustedAuthservId?: string;
}

export function createHttpServer({ app, bot, logger, isReady, xapi, channels, privacy, conversations, digestLinks, studio }: HttpDeps): restify.Server {
  const settings = conversations ?? defaultConversationSettings();
  // restify's own warnings go to our log, with its redaction, not to a logger of its own. restify 11
  // takes a pino logger; its published types still describe bunyan's.
  const server = restify.createServer({ name: "nudge", handleUncaughtExceptions: false, log: logger as unknown as restify.ServerOptions["log"] });
  server.use(restify.plugins.bodyParser({ mapParams: false, maxBodySize: 1024 * 1024 }));

  server.on("after", (req: restify.Request, res: restify.Response, route: restify.Route | undefined) => {
    // Route path, never the raw URL: query strings may carry identifiers.
    logger.info({ method: req.method, route: route?.path ?? "unmatched", status: res.statusCode, ms: Date.now() - req.time() }, "request");
  });

  // Unauthenticated: aggregate counts and a fixed reason only; the database's own error (paths,
  // hosts, user names) goes to the log.
  server.get("/healthz", async (_req, res) => {
    const health = await app.operations.checkHealth();
    if (health.database.error) logger.warn({ reason: health.database.error }, "health check: database unavailable");
    res.send(health.status === "ok" ? 200 : 503, withoutDetail(health));
  });

  server.get("/readyz", async (_req, res) => {
    if (!isReady()) {
      res.send(503, { ready: false, reason: "starting or shutting down" });
      return;
    }
    const health = await app.operations.checkHealth();
    if (health.status === "ok") {
      res.send(200, { ready: true });
      return;
    }
    if (health.database.error) logger.warn({ reason: health.database.error }, "readiness check: database unavailable");
    res.send(503, { ready: false, reason: health.database.error ? "database unavailable" : "database not migrated" });
  });

  server.post("/api/messages", async (req, res) => {
    await bot.process(req, res);
  });

  registerPrivacyRoutes(server, privacy ?? DEFAULT_NOTICE_SETTINGS);

  registerXapiRoutes(server, { app, logger, settings: xapi ?? { timezone: DEFAULT_TIMEZONE, keepRawStatements: true } });

  // Replies are answered in the same exchange by SMS (TwiML) and through the outbox by email.
  registerSmsRoutes(server, {
    app,
    logger,
    twilio: channels?.twilio,
    publicBaseUrl: channels?.publicBaseUrl,
    onStudentMessage: (message) => app.conversations.receiveStudentMessage(message, { answerInline: true, settings }),
  });
  registerEmailRoutes(server, {
    app,
    logger,
    // Without settings (tests of other routes), a random secret: no link can be valid.
    linkSecret: channels?.linkSecret ?? randomBytes(32).toString("hex"),
    inboundToken: channels?.emailInboundToken,
    trustedAuthservId: channels?.emailTrustedAuthservId,
    onReply: async (message) => {
      await app.conversations.receiveStudentMessage(message, { answerInline: false, settings });
    },
    onBounce: (ids) => app.delivery.recordBounces(ids),
  });

  registerSafeguardingRoutes(server, { app, logger, linkSecret: settings.safeguarding.linkSecret, timezone: settings.safeguarding.timezone });
  if (digestLinks) registerDigestRoutes(server, { app, logger, ...digestLinks });
  registerReferralRoutes(server, { app, logger, linkSecret: settings.safeguarding.linkSecret, timezone: settings.safeguarding.timezone });
  if (studio) registerStudioRoutes(server, { app, logger, ...studio });

  return server;
}

type Health = Awaited<ReturnType<App["operations"]["checkHealth"]>>;

/** Health as the world may see it: the database error replaced by a fixed word. */
function withoutDetail(health: Health): Health {
  if (!health.database.error) return health;
  return { ...health, database: { ...health.database, error: "database unavailable" } };
}
