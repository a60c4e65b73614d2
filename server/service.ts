/**
 * Start-up and shutdown of the whole service: database (created and migrated on first start),
 * bot, HTTP server, scheduled jobs.
 */
import type restify from "restify";
import { createApp, type App } from "../app/index.ts";
import { createTeamsBot } from "../bot/index.ts";
import { intentModel } from "../conversations/index.ts";
import { loadApprovalPolicy } from "../interventions/index.ts";
import { openDatabase, type Database } from "../prisma/index.ts";
import { serviceJobs } from "./service-jobs.ts";
import { startScheduler } from "../scheduler/index.ts";
import type { Config } from "./config.ts";
import { closeChannelSenders, closeStaffSenders, createChannelSenders, createStaffSenders } from "./channel-senders.ts";
import { tutorCalendarOf } from "../integrations/index.ts";
import { createHttpServer } from "./http.ts";
import { studioAuthenticatorFor } from "./studio-auth.ts";
import { conversationSettings, referralSettings } from "./privacy-routes.ts";
import type { Logger } from "../core/index.ts";

export interface RunningService {
  /** The open database, for tests that look behind the service. */
  db: Database;
  app: App;
  server: restify.Server;
  /** The bound port (useful with PORT=0 in tests). */
  port: number;
  stop(): Promise<void>;
}

export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  if (config.isProduction && config.bot.localMode) {
    // parseConfig already refuses this; checked again here because it is the one fatal mistake.
    throw new Error("refusing to start the bot unauthenticated in production (set MICROSOFT_APP_ID)");
  }
  const db = await openDatabase(config.databaseUrl, { migrate: true });
  logger.info({ database: db.target.display, kind: db.kind }, "database ready");
  const app = createApp(db);
  // Trained once here (a tenth of a second) rather than on the first student's message.
  await intentModel();
  if (config.bot.localMode) logger.warn("bot in local mode: no MICROSOFT_APP_ID, requests are not authenticated (development only)");

  let ready = false;
  const conversations = conversationSettings(config);
  const privacy = conversations.privacy;
  if (config.safeguarding.contacts.length === 0)
    logger.warn("no NUDGE_SAFEGUARDING_CONTACTS: crisis alerts go to the student's personal tutor (development only)");
  // One client for the bot and the jobs: they share its Graph token.
  const calendar = tutorCalendarOf(config.graph);
  if (calendar) logger.info("tutors' calendars through Microsoft Graph: free/busy for invitations, Teams meetings for bookings");
  const referrals = referralSettings(config);
  for (const kind of ["referral", "escalation"] as const)
    if (!referrals.destinations[kind]) logger.warn({ kind }, `no NUDGE_${kind.toUpperCase()}_DESTINATIONS: ${kind}s are not handed to any team`);
  const policy = loadApprovalPolicy(config.approvalPolicyFile);
  const bot = createTeamsBot(config.bot, logger, app, {
    conversations,
    policy,
    calendar,
    referrals,
    delivery: config.delivery,
    channels: config.channels,
  });
  const xapi = {
    credentials: config.xapi.credentials,
    timezone: config.timezone,
    keepRawStatements: config.xapi.retentionDays > 0,
    verbMap: config.xapi.verbMap,
  };
  const channels = {
    publicBaseUrl: config.publicBaseUrl,
    twilio: config.twilio,
    linkSecret: config.linkSecret,
    emailInboundToken: config.emailInboundToken,
    emailTrustedAuthservId: config.emailTrustedAuthservId,
  };
  const digestLinks = { linkSecret: config.linkSecret, timezone: config.timezone, actions: { policy, calendar, referrals, delivery: config.delivery } };
  const studio = { auth: studioAuthenticatorFor(config), timezone: config.timezone };
  if (studio.auth.localSignIn) logger.warn("rules studio in local mode: anyone can sign in as any member of staff (development only)");
  const server = createHttpServer({ app, bot, logger, isReady: () => ready, xapi, channels, privacy, conversations, digestLinks, studio });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  // Every module's jobs are listed in server/service-jobs.ts, which `nudge jobs` shares.
  const senders = createChannelSenders(config, logger, bot.messenger);
  const staffSenders = createStaffSenders(config, senders, bot.messenger);
  const scheduler = startScheduler(serviceJobs(app, config, { senders: () => senders, staffSenders: () => staffSenders, calendar }), {
    store: app.jobs.store(),
    timezone: config.timezone,
    logger,
  });
  ready = true;
  logger.info({ port, env: config.env, channels: config.channels }, "nudge listening");

  let stopping: Promise<void> | undefined;
  return {
    db,
    app,
    server,
    port,
    stop() {
      stopping ??= (async () => {
        ready = false;
        await scheduler.stop();
        await closeChannelSenders(senders);
        await closeStaffSenders(staffSenders);
        // Stop accepting connections, let requests in flight finish, then release the database.
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await db.close();
        logger.info("nudge stopped");
      })();
      return stopping;
    },
  };
}
