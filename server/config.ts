/**
 * Configuration: the environment (and an optional .env file) read once, validated, typed.
 * A bad or missing value stops start-up with one message listing every problem by variable name.
 *
 * `SETTINGS` is the single list of variables; the README's configuration table is generated from it
 * (`npm run docs:config`), so the documentation cannot drift from the code.
 */
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { config as loadDotenv } from "dotenv";
import cron from "node-cron";
import { z } from "zod/v4";
import { DEFAULT_DATABASE_URL } from "../app/index.ts";
import { loadVerbMap, type VerbMap } from "../ingest/index.ts";
import type { SafeguardingContact } from "../safeguarding/index.ts";
import { DEFAULT_TEAMS, type CaseDestination, type CaseKind } from "../referrals/index.ts";
import { CHANNELS, type ChannelName, NudgeError, DEFAULT_TIMEZONE } from "../core/index.ts";

export interface Setting {
  name: string;
  default?: string;
  meaning: string;
}

export const SETTINGS: Setting[] = [
  {
    name: "NODE_ENV",
    default: "development",
    meaning:
      "`development`, `test` or `production`. Production refuses to start without Bot Framework credentials and the credentials of every enabled channel.",
  },
  { name: "PORT", default: "3978", meaning: "HTTP port of the service (`0` picks a free one)." },
  { name: "HOST", default: "0.0.0.0", meaning: "Interface to listen on." },
  {
    name: "DATABASE_URL",
    default: DEFAULT_DATABASE_URL,
    meaning:
      "`file:<path>` selects the embedded SQLite database (created and migrated on first start); `postgresql://user:pass@host:5432/db` selects PostgreSQL.",
  },
  { name: "LOG_LEVEL", default: "info", meaning: "`fatal`, `error`, `warn`, `info`, `debug` or `trace`. Personal data never appears at `info` or above." },
  {
    name: "PUBLIC_BASE_URL",
    meaning:
      "The service's public https address (e.g. `https://nudge.example.ac.uk`), used to check Twilio signatures and in the Teams manifest. Required in production when SMS is enabled.",
  },
  { name: "NUDGE_TIMEZONE", default: DEFAULT_TIMEZONE, meaning: "The institution's timezone: schedules and calendar days." },
  { name: "NUDGE_CHANNELS", default: "teams", meaning: "Comma-separated channels to enable: `teams`, `sms`, `email`." },
  {
    name: "MICROSOFT_APP_ID",
    meaning: "Azure Bot registration's app (client) id. Unset outside production: local mode, unauthenticated, for the Bot Framework Emulator and tests.",
  },
  { name: "MICROSOFT_APP_PASSWORD", meaning: "Client secret of the bot's app registration (not needed with `UserAssignedMSI`)." },
  { name: "MICROSOFT_APP_TYPE", default: "SingleTenant", meaning: "`SingleTenant`, `MultiTenant` or `UserAssignedMSI`." },
  { name: "MICROSOFT_APP_TENANT_ID", meaning: "Entra tenant id; required for `SingleTenant` and `UserAssignedMSI`." },
  {
    name: "TEAMS_APP_ID",
    meaning:
      'Id (a GUID) of the Teams app that `npm run package` builds (see "Deploy to Teams"). Unset: the bot\'s `MICROSOFT_APP_ID`. Keep it once the app is uploaded: a new id makes a new app.',
  },
  { name: "TWILIO_ACCOUNT_SID", meaning: "Twilio account SID (`AC…`); required when SMS is enabled in production." },
  { name: "TWILIO_AUTH_TOKEN", meaning: "Twilio auth token: sends SMS and checks `X-Twilio-Signature` on webhooks." },
  { name: "TWILIO_FROM", meaning: "Sender: an E.164 number (`+447700900123`) or a Messaging Service SID (`MG…`)." },
  {
    name: "TWILIO_API_BASE_URL",
    default: "https://api.twilio.com",
    meaning: "Address of Twilio's REST API: change only for an egress proxy or a local stand-in used in testing.",
  },
  { name: "SMTP_HOST", meaning: "SMTP server for email; required when email is enabled in production." },
  { name: "SMTP_PORT", default: "587", meaning: "SMTP server port." },
  { name: "SMTP_SECURE", default: "false", meaning: "`true` for implicit TLS (port 465); otherwise STARTTLS is used when offered." },
  { name: "SMTP_USER", meaning: "SMTP user name, if the server needs authentication." },
  { name: "SMTP_PASSWORD", meaning: "SMTP password." },
  {
    name: "EMAIL_FROM",
    meaning: "From address of student emails, e.g. `Student Success <nudge@example.ac.uk>`; required when email is enabled in production.",
  },
  {
    name: "EMAIL_REPLY_TO",
    meaning: "Reply-To of student emails: a mailbox whose messages reach `POST /api/email/inbound`, so replies are recorded. Unset: the From address.",
  },
  {
    name: "NUDGE_EMAIL_INBOUND_TOKEN",
    meaning: "Bearer token the mail system presents when it posts a received email (raw MIME) to `POST /api/email/inbound`. Unset: the endpoint answers 503.",
  },
  {
    name: "NUDGE_EMAIL_TRUSTED_AUTHSERV_ID",
    meaning:
      "The authserv-id your receiving mail system writes in its `Authentication-Results` header, e.g. `mx.example.ac.uk`. An email that does not answer one of Nudge's own is acted on (opt-out, pause, consent, data requests) only when that header says DMARC passed for its From domain; otherwise a person confirms it first. Unset: only replies to Nudge's own emails are acted on.",
  },
  {
    name: "NUDGE_LINK_SECRET",
    meaning:
      "Secret (32+ characters) signing the one-click unsubscribe links in emails; required in production whenever SMTP_HOST is set (it also signs the acknowledgement links in safeguarding alerts). Changing it invalidates links already sent. Unset outside production: a built-in development value.",
  },
  {
    name: "NUDGE_WEEKLY_CAP",
    default: "3",
    meaning: "Most messages one student receives in any 7 days, over every rule and channel; the rest wait (and expire after `NUDGE_MESSAGE_EXPIRY_DAYS`).",
  },
  {
    name: "NUDGE_QUIET_HOURS",
    default: "21:00-08:00",
    meaning: "Nothing is sent to a student in these hours of their own timezone; messages wait until the end. `off` sends at any hour.",
  },
  {
    name: "NUDGE_MESSAGE_EXPIRY_DAYS",
    default: "7",
    meaning: "A message still unsent this many days after approval (held by the cap, a pause or retries) expires instead of arriving late.",
  },
  { name: "NUDGE_OUTBOX_SCHEDULE", default: "* * * * *", meaning: "How often the outbox sends due messages (cron, 6 fields for seconds)." },
  {
    name: "NUDGE_OUTBOX_MAX_ATTEMPTS",
    default: "5",
    meaning: "Tries per message and channel on temporary provider errors (429, 5xx, timeouts) before falling back to the next channel.",
  },
  {
    name: "NUDGE_APPROVAL_POLICY",
    meaning: "YAML file naming which roles may approve each intervention kind (see docs/tutors.md, approval policy). Unset: the built-in policy.",
  },
  {
    name: "NUDGE_XAPI_USERNAME",
    meaning:
      "User name an LMS's xAPI plugin (e.g. Moodle's logstore_xapi) gives with HTTP Basic authentication to post statements to `/api/xapi/statements`. Unset: the endpoint answers 503.",
  },
  { name: "NUDGE_XAPI_PASSWORD", meaning: "Its password; at least 16 characters in production." },
  {
    name: "NUDGE_XAPI_RETENTION_DAYS",
    default: "30",
    meaning: "Days each xAPI statement's JSON is kept (for re-mapping and audit) before retention removes it; the counts it added stay. `0` keeps none.",
  },
  {
    name: "NUDGE_XAPI_VERB_MAP",
    meaning:
      "YAML or JSON file mapping xAPI verb IRIs and activity types to an engagement kind (vle, library, submission, attendance, ignore), read before the built-in Jisc and Moodle mappings (see docs/operators/loading-data.md). Unset: the built-in mappings only.",
  },
  {
    name: "NUDGE_RETENTION_CONTACT_DAYS",
    default: "0",
    meaning:
      "Days after a student's enrolment end date before the retention job removes their contact details (email, mobile, photo, Teams identity and conversation) and cancels messages not yet sent to them. `0`: the day after the course ends.",
  },
  {
    name: "NUDGE_RETENTION_ANONYMISE_DAYS",
    default: "365",
    meaning:
      "Days after the enrolment end date before the record is anonymised: engagement data deleted, names, student number and message texts removed, aggregate counts kept. At least `NUDGE_RETENTION_CONTACT_DAYS`.",
  },
  {
    name: "NUDGE_RETENTION_SCHEDULE",
    default: "30 2 * * *",
    meaning: "When the retention job runs (cron, in `NUDGE_TIMEZONE`); a run missed while the service was down is caught up at start.",
  },
  {
    name: "NUDGE_DROP_FOLDER",
    meaning:
      "Folder the service ingests feed files from: `<folder>/udd`, `xapi`, `oulad`, `nudge-csv`; files move to `processed/` or `failed/`. Unset: no drop folder.",
  },
  { name: "NUDGE_DROP_FOLDER_SCHEDULE", default: "*/10 * * * *", meaning: "When the drop folder is checked (cron, in `NUDGE_TIMEZONE`)." },
  {
    name: "NUDGE_RULES_SCHEDULE",
    default: "0 6 * * *",
    meaning:
      "When the enabled rules run over the previous day's data (cron, in `NUDGE_TIMEZONE`); a run missed while the service was down is caught up at start.",
  },
  {
    name: "NUDGE_DIGEST_SCHEDULE",
    default: "30 7 * * 1-5",
    meaning: "When personal tutors get their digest card in Teams (cron, in `NUDGE_TIMEZONE`); a tutor with nothing new gets none.",
  },
  {
    name: "NUDGE_MEETING_NOTICES_SCHEDULE",
    default: "*/5 * * * *",
    meaning: "How often booked meetings are checked for the tutor's calendar invitation, reminders and the outcome question (cron).",
  },
  { name: "NUDGE_MEETING_REMINDER_HOURS", default: "24", meaning: "Hours before a booked meeting that the student and the tutor are reminded." },
  {
    name: "GRAPH_TENANT_ID",
    meaning:
      'Entra tenant id of the app registration that reads and writes tutors\' calendars through Microsoft Graph (see "Microsoft Graph (optional)"). Set all three `GRAPH_*` credentials or none; unset: slots come from office hours alone and invitations go as .ics emails.',
  },
  { name: "GRAPH_CLIENT_ID", meaning: "Its application (client) id." },
  { name: "GRAPH_CLIENT_SECRET", meaning: "Its client secret." },
  {
    name: "GRAPH_BASE_URL",
    default: "https://graph.microsoft.com",
    meaning: "Address of Microsoft Graph: change only for a national cloud (e.g. `https://graph.microsoft.us`) or a local stand-in used in testing.",
  },
  {
    name: "GRAPH_LOGIN_BASE_URL",
    default: "https://login.microsoftonline.com",
    meaning: "Address of the Entra sign-in endpoint the Graph token comes from: change only with `GRAPH_BASE_URL`.",
  },
  {
    name: "NUDGE_SUBJECT_ACCESS_DELIVERY",
    default: "staff",
    meaning:
      'How a student\'s request for a copy of their data ("what data do you hold about me?") is answered: `staff` (staff handling requests send it with `nudge requests fulfil`) or `email` (the service emails it to the address on record within the hour).',
  },
  {
    name: "NUDGE_INSTITUTION_NAME",
    default: "your university",
    meaning:
      'The institution\'s name as students see it in the privacy notice (`GET /privacy`, "privacy" in Teams) and the welcome message, e.g. `University of Exampleshire`.',
  },
  {
    name: "NUDGE_SAFEGUARDING_CONTACTS",
    meaning:
      "Who is alerted at once, day or night, when a student writes something that could be a crisis (suicidal thoughts, self-harm, danger, abuse): staff numbers (alerted in Teams and by email; give them the `safeguarding` role) and/or email addresses such as a duty mailbox, comma-separated. Required in production. Unset outside production: the student's personal tutor is alerted instead.",
  },
  {
    name: "NUDGE_SAFEGUARDING_ESCALATION_CONTACTS",
    meaning:
      "Who is alerted when a crisis alert has not been acknowledged within `NUDGE_SAFEGUARDING_ESCALATE_MINUTES` (same form as `NUDGE_SAFEGUARDING_CONTACTS`). Unset: the first contacts are alerted again.",
  },
  {
    name: "NUDGE_SAFEGUARDING_ESCALATE_MINUTES",
    default: "30",
    meaning: "Minutes a crisis alert may wait for an acknowledgement before it goes to the escalation contacts.",
  },
  { name: "NUDGE_SAFEGUARDING_SCHEDULE", default: "* * * * *", meaning: "How often unacknowledged crisis alerts are checked for escalation (cron)." },
  {
    name: "NUDGE_REFERRAL_DESTINATIONS",
    meaning:
      "Who receives a tutor's referral (the Refer button) as a case to acknowledge and close: staff numbers (a Teams card, email when Teams cannot reach them) and/or shared mailbox addresses (an email with a signed acknowledgement link; needs `PUBLIC_BASE_URL`), comma-separated. Unset: referrals are not set up; Refer tells the tutor so and nothing is sent to the student. See docs/student-centre.md.",
  },
  {
    name: "NUDGE_REFERRAL_TEAM",
    default: "the Student Centre's support team",
    meaning: 'The team that takes referrals, as students and staff read it ("your tutor has passed your details to …").',
  },
  {
    name: "NUDGE_ESCALATION_DESTINATIONS",
    meaning:
      "Who receives an approved escalation as a case (same form as `NUDGE_REFERRAL_DESTINATIONS`), e.g. the programme leaders' mailbox. Unset: an escalation reaches the student only.",
  },
  { name: "NUDGE_ESCALATION_TEAM", default: "the student's programme team", meaning: "The team that takes escalations, as staff read it." },
  {
    name: "NUDGE_REFERRAL_REMIND_HOURS",
    default: "48",
    meaning: "Hours a referral or escalation case may stay unacknowledged before its team is reminded, once (`0`: never).",
  },
  {
    name: "NUDGE_REFERRAL_REMIND_SCHEDULE",
    default: "15 * * * *",
    meaning: "How often unacknowledged referral and escalation cases are checked for a reminder (cron).",
  },
  {
    name: "NUDGE_CRISIS_LINES",
    default: "Samaritans: call 116 123 (free, day or night); Shout: text SHOUT to 85258; NHS 111 (option 2 for mental health); in an emergency call 999",
    meaning: "The national lines a student in crisis is given, separated by `;` (UK defaults).",
  },
  {
    name: "NUDGE_WELLBEING_CONTACT",
    meaning:
      "The university's wellbeing service as students should reach it, e.g. `Student Wellbeing: 01234 567890 (9am to 5pm), wellbeing@example.ac.uk`; given to students in crisis or distress. Unset: \"the university's wellbeing service\" without details.",
  },
  {
    name: "NUDGE_SECURITY_CONTACT",
    meaning: "The university's 24-hour security line, e.g. `Campus security (24 hours): 01234 567999`; given to students in crisis. Unset: not mentioned.",
  },
  {
    name: "NUDGE_WORKING_HOURS",
    default: "09:00-17:00",
    meaning:
      "Staff working hours on weekdays, in `NUDGE_TIMEZONE`: a student's help request, distress or other message reaches their tutor within the outbox cycle in these hours, or at their start. Crisis alerts ignore them.",
  },
  {
    name: "NUDGE_PRIVACY_CONTACT",
    default: "your university's Data Protection Officer",
    meaning:
      "Where students send privacy questions and requests (correction, erasure, objection), named in the privacy notice, e.g. `Data Protection Officer <dpo@example.ac.uk>`.",
  },
];

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === "" ? undefined : v));

const booleanText = z
  .enum(["true", "false", "1", "0", "yes", "no"], { message: "must be true or false" })
  .transform((v) => v === "true" || v === "1" || v === "yes");

const portNumber = (min: number) =>
  z.coerce
    .number({ message: "must be a whole number" })
    .int({ message: "must be a whole number" })
    .min(min, { message: `must be between ${min} and 65535` })
    .max(65535, { message: `must be between ${min} and 65535` });

const wholeNumber = (min: number, max: number, unit: string) =>
  z.coerce
    .number({ message: `must be a whole number of ${unit}` })
    .int({ message: `must be a whole number of ${unit}` })
    .min(min, { message: `must be between ${min} and ${max}` })
    .max(max, { message: `must be between ${min} and ${max}` });

const blankAsUnset = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

const QUIET_HOURS = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/;

function minutesOf(text: string): { from: number; to: number } {
  const m = QUIET_HOURS.exec(text)!;
  return { from: Number(m[1]) * 60 + Number(m[2]), to: Number(m[3]) * 60 + Number(m[4]) };
}

const EMAIL_ADDRESS = /^[^\s@<>,;]+@[^\s@<>,;]+\.[^\s@<>,;]+$/;
const STAFF_NUMBER = /^[A-Za-z0-9._-]{1,40}$/;

const contactList = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const contacts: SafeguardingContact[] = [];
    for (const item of (v ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)) {
      if (EMAIL_ADDRESS.test(item)) contacts.push({ kind: "email", address: item.toLowerCase() });
      else if (STAFF_NUMBER.test(item)) contacts.push({ kind: "staff", staffNumber: item });
      else ctx.addIssue({ code: "custom", message: `"${item}" is neither a staff number nor an email address` });
    }
    return contacts;
  });

/** A team's name goes into sentences to students and staff: one short line. */
const teamName = z
  .string()
  .trim()
  .refine((v) => v.length >= 3 && v.length <= 80 && !/[\r\n{}]/.test(v), { message: "must be a team's name of 3 to 80 characters on one line" });

function isTimezone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "test", "production"], { message: "must be development, test or production" }).default("development"),
    PORT: portNumber(0).default(3978),
    HOST: z.string().trim().min(1, { message: "must not be empty" }).default("0.0.0.0"),
    DATABASE_URL: z
      .string()
      .trim()
      .default(DEFAULT_DATABASE_URL)
      .refine((v) => /^file:.+/.test(v) || /^postgres(ql)?:\/\/.+/.test(v), {
        message: "must be file:<path> (SQLite) or postgresql://… (PostgreSQL)",
      }),
    LOG_LEVEL: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], { message: "must be one of fatal, error, warn, info, debug, trace, silent" })
      .default("info"),
    PUBLIC_BASE_URL: optionalText.refine((v) => v === undefined || /^https?:\/\/[^\s/]+/.test(v), { message: "must be an http(s) URL" }),
    NUDGE_TIMEZONE: z.string().trim().default(DEFAULT_TIMEZONE).refine(isTimezone, { message: "must be an IANA timezone such as Europe/London" }),
    NUDGE_CHANNELS: z
      .string()
      .default("teams")
      .transform((v, ctx) => {
        const names = v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        const unknown = names.filter((n) => !(CHANNELS as readonly string[]).includes(n));
        if (unknown.length) ctx.addIssue({ code: "custom", message: `unknown channel(s) ${unknown.join(", ")}; use ${CHANNELS.join(", ")}` });
        return [...new Set(names)] as ChannelName[];
      }),
    MICROSOFT_APP_ID: optionalText.refine((v) => v === undefined || /^[0-9a-f-]{36}$/i.test(v), {
      message: "must be a GUID (the app registration's client id)",
    }),
    MICROSOFT_APP_PASSWORD: optionalText,
    MICROSOFT_APP_TYPE: z
      .enum(["SingleTenant", "MultiTenant", "UserAssignedMSI"], { message: "must be SingleTenant, MultiTenant or UserAssignedMSI" })
      .default("SingleTenant"),
    MICROSOFT_APP_TENANT_ID: optionalText.refine((v) => v === undefined || /^[0-9a-f-]{36}$/i.test(v), { message: "must be a GUID (the Entra tenant id)" }),
    TEAMS_APP_ID: optionalText.refine((v) => v === undefined || /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(v), {
      message: "must be a GUID (the Teams app's id)",
    }),
    TWILIO_ACCOUNT_SID: optionalText.refine((v) => v === undefined || /^AC[0-9a-fA-F]{32}$/.test(v), {
      message: "must look like AC followed by 32 hex digits",
    }),
    TWILIO_AUTH_TOKEN: optionalText,
    TWILIO_FROM: optionalText.refine((v) => v === undefined || /^\+[1-9]\d{6,14}$/.test(v) || /^MG[0-9a-fA-F]{32}$/.test(v), {
      message: "must be an E.164 number (+447700900123) or a Messaging Service SID (MG…)",
    }),
    SMTP_HOST: optionalText,
    SMTP_PORT: portNumber(1).default(587),
    SMTP_SECURE: booleanText.default(false),
    SMTP_USER: optionalText,
    SMTP_PASSWORD: optionalText,
    EMAIL_FROM: optionalText.refine((v) => v === undefined || /<?[^\s@<>]+@[^\s@<>]+>?$/.test(v), { message: "must contain an email address" }),
    NUDGE_XAPI_USERNAME: optionalText.refine((v) => v === undefined || !v.includes(":"), {
      message: "must not contain ':' (HTTP Basic separates user and password with it)",
    }),
    NUDGE_XAPI_PASSWORD: optionalText,
    NUDGE_XAPI_VERB_MAP: optionalText,
    NUDGE_DROP_FOLDER: optionalText,
    NUDGE_DROP_FOLDER_SCHEDULE: z
      .string()
      .trim()
      .default("*/10 * * * *")
      .refine((v) => cron.validate(v), { message: "must be a cron expression such as */10 * * * *" }),
    NUDGE_RULES_SCHEDULE: z
      .string()
      .trim()
      .default("0 6 * * *")
      .refine((v) => cron.validate(v), { message: "must be a cron expression such as 0 6 * * *" }),
    NUDGE_INSTITUTION_NAME: z
      .string()
      .trim()
      .min(1, { message: "must not be empty" })
      .max(200, { message: "must be at most 200 characters" })
      .default("your university"),
    NUDGE_PRIVACY_CONTACT: z
      .string()
      .trim()
      .min(1, { message: "must not be empty" })
      .max(300, { message: "must be at most 300 characters" })
      .default("your university's Data Protection Officer"),
    TWILIO_API_BASE_URL: z
      .string()
      .trim()
      .default("https://api.twilio.com")
      .refine((v) => /^https?:\/\/[^\s/]+/.test(v), { message: "must be an http(s) URL" }),
    EMAIL_REPLY_TO: optionalText.refine((v) => v === undefined || /<?[^\s@<>]+@[^\s@<>]+>?$/.test(v), { message: "must contain an email address" }),
    NUDGE_EMAIL_INBOUND_TOKEN: optionalText,
    NUDGE_EMAIL_TRUSTED_AUTHSERV_ID: optionalText,
    NUDGE_LINK_SECRET: optionalText,
    NUDGE_WEEKLY_CAP: wholeNumber(1, 50, "messages").default(3),
    NUDGE_QUIET_HOURS: z
      .string()
      .trim()
      .default("21:00-08:00")
      .refine((v) => v === "off" || QUIET_HOURS.test(v), { message: "must be HH:MM-HH:MM (e.g. 21:00-08:00) or off" }),
    NUDGE_MESSAGE_EXPIRY_DAYS: wholeNumber(1, 60, "days").default(7),
    NUDGE_OUTBOX_SCHEDULE: z
      .string()
      .trim()
      .default("* * * * *")
      .refine((v) => cron.validate(v), { message: "must be a cron expression such as * * * * *" }),
    NUDGE_OUTBOX_MAX_ATTEMPTS: wholeNumber(1, 20, "tries").default(5),
    NUDGE_APPROVAL_POLICY: optionalText,
    NUDGE_XAPI_RETENTION_DAYS: z.coerce
      .number({ message: "must be a whole number of days" })
      .int({ message: "must be a whole number of days" })
      .min(0, { message: "must be 0 or more" })
      .default(30),
    // Empty means unset here: a blank line in .env must not become 0 days (removal at once).
    NUDGE_RETENTION_CONTACT_DAYS: z.preprocess(blankAsUnset, wholeNumber(0, 3650, "days").default(0)),
    NUDGE_RETENTION_ANONYMISE_DAYS: z.preprocess(blankAsUnset, wholeNumber(0, 36500, "days").default(365)),
    NUDGE_RETENTION_SCHEDULE: z
      .string()
      .trim()
      .default("30 2 * * *")
      .refine((v) => cron.validate(v), { message: "must be a cron expression such as 30 2 * * *" }),
    NUDGE_DIGEST_SCHEDULE: z
      .string()
      .trim()
      .default("30 7 * * 1-5")
      .refine((v) => cron.validate(v), { message: "must be a cron expression such as 30 7 * * 1-5" }),
    NUDGE_MEETING_NOTICES_SCHEDULE: z
      .string()
      .trim()
      .default("*/5 * * * *")
      .refine((v) => cron.validate(v), { message: "must be a cron expression such as */5 * * * *" }),
    NUDGE_MEETING_REMINDER_HOURS: wholeNumber(1, 168, "hours").default(24),
    GRAPH_TENANT_ID: optionalText.refine((v) => v === undefined || /^[0-9a-f-]{36}$/i.test(v), { message: "must be a GUID (the Entra tenant id)" }),
    GRAPH_CLIENT_ID: optionalText.refine((v) => v === undefined || /^[0-9a-f-]{36}$/i.test(v), {
      message: "must be a GUID (the app registration's client id)",
    }),
    GRAPH_CLIENT_SECRET: optionalText,
    GRAPH_BASE_URL: z
      .string()
      .trim()
      .default("https://graph.microsoft.com")
      .refine((v) => /^https?:\/\/[^\s/]+/.test(v), { message: "must be an http(s) URL" }),
    GRAPH_LOGIN_BASE_URL: z
      .string()
      .trim()
      .default("https://login.microsoftonline.com")
      .refine((v) => /^https?:\/\/[^\s/]+/.test(v), { message: "must be an http(s) URL" }),
    NUDGE_SUBJECT_ACCESS_DELIVERY: z.enum(["staff", "email"], { message: "must be staff or email" }).default("staff"),
    NUDGE_SAFEGUARDING_CONTACTS: contactList,
    NUDGE_SAFEGUARDING_ESCALATION_CONTACTS: contactList,
    NUDGE_SAFEGUARDING_ESCALATE_MINUTES: wholeNumber(1, 1440, "minutes").default(30),
    NUDGE_REFERRAL_DESTINATIONS: contactList,
    NUDGE_REFERRAL_TEAM: teamName.default(DEFAULT_TEAMS.referral),
    NUDGE_ESCALATION_DESTINATIONS: contactList,
    NUDGE_ESCALATION_TEAM: teamName.default(DEFAULT_TEAMS.escalation),
    NUDGE_REFERRAL_REMIND_HOURS: wholeNumber(0, 720, "hours").default(48),
    NUDGE_REFERRAL_REMIND_SCHEDULE: z
      .string()
      .trim()
      .default("15 * * * *")
      .refine((v) => cron.validate(v), { message: "must be a cron expression such as 15 * * * *" }),
    NUDGE_SAFEGUARDING_SCHEDULE: z
      .string()
      .trim()
      .default("* * * * *")
      .refine((v) => cron.validate(v), { message: "must be a cron expression such as * * * * *" }),
    NUDGE_CRISIS_LINES: z
      .string()
      .default("Samaritans: call 116 123 (free, day or night); Shout: text SHOUT to 85258; NHS 111 (option 2 for mental health); in an emergency call 999")
      .transform((v) =>
        v
          .split(";")
          .map((line) => line.trim())
          .filter(Boolean),
      )
      .refine((lines) => lines.length > 0 && lines.every((l) => l.length <= 200), {
        message: "must list at least one line, each at most 200 characters, separated by ;",
      }),
    NUDGE_WELLBEING_CONTACT: optionalText.refine((v) => v === undefined || v.length <= 300, { message: "must be at most 300 characters" }),
    NUDGE_SECURITY_CONTACT: optionalText.refine((v) => v === undefined || v.length <= 300, { message: "must be at most 300 characters" }),
    NUDGE_WORKING_HOURS: z
      .string()
      .trim()
      .default("09:00-17:00")
      .refine((v) => QUIET_HOURS.test(v) && minutesOf(v).from < minutesOf(v).to, { message: "must be HH:MM-HH:MM within one day, e.g. 09:00-17:00" }),
  })
  .superRefine((env, ctx) => {
    const need = (variable: string, why: string) => ctx.addIssue({ code: "custom", path: [variable], message: `required ${why}` });
    const present = (v: unknown) => v !== undefined;
    if (env.NODE_ENV === "production") {
      // A crisis must reach a person at once: production never runs without someone to alert.
      if (env.NUDGE_SAFEGUARDING_CONTACTS.length === 0)
        need("NUDGE_SAFEGUARDING_CONTACTS", "when NODE_ENV=production (crisis alerts must reach a named person or mailbox)");
      // Production never runs the unauthenticated local mode: the bot needs its credentials.
      if (!present(env.MICROSOFT_APP_ID)) need("MICROSOFT_APP_ID", "when NODE_ENV=production (the unauthenticated local mode is refused)");
      if (env.MICROSOFT_APP_TYPE !== "UserAssignedMSI" && !present(env.MICROSOFT_APP_PASSWORD)) {
        need("MICROSOFT_APP_PASSWORD", `when NODE_ENV=production and MICROSOFT_APP_TYPE=${env.MICROSOFT_APP_TYPE}`);
      }
      if (env.MICROSOFT_APP_TYPE !== "MultiTenant" && !present(env.MICROSOFT_APP_TENANT_ID)) {
        need("MICROSOFT_APP_TENANT_ID", `when NODE_ENV=production and MICROSOFT_APP_TYPE=${env.MICROSOFT_APP_TYPE}`);
      }
      if (env.NUDGE_CHANNELS.includes("sms")) {
        for (const v of ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM", "PUBLIC_BASE_URL"] as const) {
          if (!present(env[v])) need(v, "when the sms channel is enabled in production");
        }
      }
      // It signs the unsubscribe links in students' emails and the acknowledgement links in staff alerts.
      if ((present(env.SMTP_HOST) || env.NUDGE_CHANNELS.includes("email")) && !present(env.NUDGE_LINK_SECRET)) {
        need("NUDGE_LINK_SECRET", "when email is sent in production (it signs the links in emails)");
      }
      if (env.NUDGE_CHANNELS.includes("email")) {
        for (const v of ["SMTP_HOST", "EMAIL_FROM", "PUBLIC_BASE_URL"] as const)
          if (!present(env[v])) need(v, "when the email channel is enabled in production");
        if (present(env.SMTP_USER) && !present(env.SMTP_PASSWORD)) need("SMTP_PASSWORD", "when SMTP_USER is set");
      }
      if (present(env.PUBLIC_BASE_URL) && !env.PUBLIC_BASE_URL!.startsWith("https://")) {
        ctx.addIssue({ code: "custom", path: ["PUBLIC_BASE_URL"], message: "must be https:// in production" });
      }
    }
    // A shared mailbox acknowledges a case through the signed link in its email: without an address, it could not.
    for (const v of ["NUDGE_REFERRAL_DESTINATIONS", "NUDGE_ESCALATION_DESTINATIONS"] as const)
      if (env[v].some((c) => c.kind === "email") && !present(env.PUBLIC_BASE_URL))
        need("PUBLIC_BASE_URL", `when ${v} names a mailbox (its emails carry the acknowledgement link)`);
    if (present(env.NUDGE_LINK_SECRET) && env.NUDGE_LINK_SECRET!.length < 32) {
      ctx.addIssue({ code: "custom", path: ["NUDGE_LINK_SECRET"], message: "must be at least 32 characters" });
    }
    if (present(env.MICROSOFT_APP_PASSWORD) && !present(env.MICROSOFT_APP_ID)) need("MICROSOFT_APP_ID", "when MICROSOFT_APP_PASSWORD is set");
    // The xAPI endpoint is optional (statements may come as files instead): off until both are set.
    if (present(env.NUDGE_XAPI_USERNAME) && !present(env.NUDGE_XAPI_PASSWORD)) need("NUDGE_XAPI_PASSWORD", "when NUDGE_XAPI_USERNAME is set");
    if (present(env.NUDGE_XAPI_PASSWORD) && !present(env.NUDGE_XAPI_USERNAME)) need("NUDGE_XAPI_USERNAME", "when NUDGE_XAPI_PASSWORD is set");
    // Graph is optional, but half a set of credentials is a mistake, not a choice.
    const graph = ["GRAPH_TENANT_ID", "GRAPH_CLIENT_ID", "GRAPH_CLIENT_SECRET"] as const;
    const graphGiven = graph.filter((v) => present(env[v]));
    if (graphGiven.length > 0 && graphGiven.length < graph.length) {
      for (const v of graph)
        if (!present(env[v])) need(v, `when ${graphGiven.join(" and ")} ${graphGiven.length === 1 ? "is" : "are"} set (Microsoft Graph needs all three)`);
    }
    if (env.NUDGE_RETENTION_ANONYMISE_DAYS < env.NUDGE_RETENTION_CONTACT_DAYS) {
      ctx.addIssue({
        code: "custom",
        path: ["NUDGE_RETENTION_ANONYMISE_DAYS"],
        message: "must be at least NUDGE_RETENTION_CONTACT_DAYS (contact details go first)",
      });
    }
    if (env.NODE_ENV === "production" && present(env.NUDGE_XAPI_PASSWORD) && env.NUDGE_XAPI_PASSWORD!.length < 16) {
      ctx.addIssue({ code: "custom", path: ["NUDGE_XAPI_PASSWORD"], message: "must be at least 16 characters in production (it is sent with every request)" });
    }
  });

type Env = z.output<typeof schema>;

export interface Config {
  env: Env["NODE_ENV"];
  isProduction: boolean;
  port: number;
  host: string;
  databaseUrl: string;
  logLevel: Env["LOG_LEVEL"];
  publicBaseUrl?: string;
  timezone: string;
  channels: ChannelName[];
  bot: {
    /** No app id: local mode (never in production). */
    localMode: boolean;
    appId?: string;
    appPassword?: string;
    appType: Env["MICROSOFT_APP_TYPE"];
    tenantId?: string;
    /** The Teams app's id in the manifest (`npm run package`): TEAMS_APP_ID, else the bot's app id. */
    teamsAppId?: string;
  };
  twilio?: { accountSid: string; authToken: string; from: string; apiBaseUrl: string };
  smtp?: { host: string; port: number; secure: boolean; user?: string; password?: string; from: string; replyTo?: string };
  /** Bearer token of `POST /api/email/inbound`; unset: the endpoint answers 503. */
  emailInboundToken?: string;
  /** Whose Authentication-Results vouch for an inbound email's sender (NUDGE_EMAIL_TRUSTED_AUTHSERV_ID). */
  emailTrustedAuthservId?: string;
  /** Signs unsubscribe links; a fixed development value outside production when unset. */
  linkSecret: string;
  delivery: {
    weeklyCap: number;
    /** Minutes after local midnight; undefined: no quiet hours. */
    quietHours?: { from: number; to: number };
    expiryDays: number;
    maxAttempts: number;
    outboxSchedule: string;
  };
  /** Approval policy file; unset: the built-in policy. */
  approvalPolicyFile?: string;
  /** Where feed files are dropped for the scheduled ingest; unset: none. */
  dropFolder?: { path: string; schedule: string };
  /** When the rules run (cron). */
  rulesSchedule: string;
  /** Tutors' digests and meeting notices (invitation to the tutor, reminders, the outcome question). */
  tutors: { digestSchedule: string; meetingNoticesSchedule: string; reminderHours: number };
  /** Who sends a student the copy of their data they asked for: staff, or the service by email. */
  subjectAccessDelivery: "staff" | "email";
  /** Crisis alerts and distress notices (invariant 7), and what students in need are told. */
  safeguarding: SafeguardingConfig;
  /** Where referrals and escalations go as cases; a kind left out is not set up. */
  referrals: { destinations: Partial<Record<CaseKind, CaseDestination>>; remindHours: number; remindSchedule: string };
  /** Staff working hours on weekdays (minutes after local midnight), in the institution's timezone. */
  workingHours: { from: number; to: number };
  /** What the privacy notice names: the institution, and where privacy questions and requests go. */
  privacy: { institutionName: string; contact: string };
  xapi: {
    /** Unset: the xAPI endpoint answers 503. */
    credentials?: { username: string; password: string };
    /** Days statement JSON is kept; 0 keeps none. */
    retentionDays: number;
    /** NUDGE_XAPI_VERB_MAP, read and checked at start-up. */
    verbMap?: VerbMap;
  };
  /** Tutors' calendars through Microsoft Graph (app-only); unset: office hours and .ics emails. */
  graph?: { tenantId: string; clientId: string; clientSecret: string; baseUrl: string; loginBaseUrl: string };
  /** Retention of students' data after enrolment ends (POLICY P9). */
  retention: {
    /** Days after the enrolment end date before contact details go (0: the day after). */
    contactDays: number;
    /** Days after the enrolment end date before the record is anonymised. */
    anonymiseDays: number;
    /** When the retention job runs (cron). */
    schedule: string;
  };
}

/** The safeguarding settings as configured; the service adds the timezone, working hours and link settings. */
export interface SafeguardingConfig {
  contacts: SafeguardingContact[];
  escalationContacts: SafeguardingContact[];
  escalateMinutes: number;
  schedule: string;
  crisisLines: string[];
  wellbeingContact?: string;
  securityContact?: string;
}

export class ConfigError extends NudgeError {
  static override kind = "failure" as const;
  static override code = "config_invalid";
  constructor(readonly problems: Array<{ variable: string; message: string }>) {
    super(
      `Configuration error (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  ${p.variable}: ${p.message}`).join("\n") +
        "\nSee docs/operators/configuration.md.",
    );
  }
}

/** Validates an environment; throws ConfigError naming every bad variable. Pure: no files read. */
export function parseConfig(source: Record<string, string | undefined>): Config {
  const known = Object.fromEntries(SETTINGS.map((s) => [s.name, source[s.name]]));
  const result = schema.safeParse(known);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? "environment");
      const given = source[variable];
      const shown = given === undefined || /PASSWORD|TOKEN|SECRET/.test(variable) ? "" : ` (got "${given}")`;
      return { variable, message: `${issue.message}${shown}` };
    });
    throw new ConfigError(problems);
  }
  const env = result.data;
  return {
    env: env.NODE_ENV,
    isProduction: env.NODE_ENV === "production",
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    logLevel: env.LOG_LEVEL,
    publicBaseUrl: env.PUBLIC_BASE_URL,
    timezone: env.NUDGE_TIMEZONE,
    channels: env.NUDGE_CHANNELS,
    bot: {
      localMode: env.MICROSOFT_APP_ID === undefined,
      appId: env.MICROSOFT_APP_ID,
      appPassword: env.MICROSOFT_APP_PASSWORD,
      appType: env.MICROSOFT_APP_TYPE,
      tenantId: env.MICROSOFT_APP_TENANT_ID,
      teamsAppId: env.TEAMS_APP_ID ?? env.MICROSOFT_APP_ID,
    },
    twilio:
      env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN && env.TWILIO_FROM
        ? {
            accountSid: env.TWILIO_ACCOUNT_SID,
            authToken: env.TWILIO_AUTH_TOKEN,
            from: env.TWILIO_FROM,
            apiBaseUrl: env.TWILIO_API_BASE_URL.replace(/\/+$/, ""),
          }
        : undefined,
    smtp:
      env.SMTP_HOST && env.EMAIL_FROM
        ? {
            host: env.SMTP_HOST,
            port: env.SMTP_PORT,
            secure: env.SMTP_SECURE,
            user: env.SMTP_USER,
            password: env.SMTP_PASSWORD,
            from: env.EMAIL_FROM,
            replyTo: env.EMAIL_REPLY_TO,
          }
        : undefined,
    emailInboundToken: env.NUDGE_EMAIL_INBOUND_TOKEN,
    emailTrustedAuthservId: env.NUDGE_EMAIL_TRUSTED_AUTHSERV_ID,
    // Outside production an unset secret gets a fixed value so links survive restarts in development.
    // Production without email sends no links, so none may be valid: a secret nobody knows, never a built-in one.
    linkSecret: env.NUDGE_LINK_SECRET ?? (env.NODE_ENV === "production" ? randomBytes(32).toString("hex") : "development-only-link-secret-not-for-production"),
    delivery: {
      weeklyCap: env.NUDGE_WEEKLY_CAP,
      quietHours: quietHours(env.NUDGE_QUIET_HOURS),
      expiryDays: env.NUDGE_MESSAGE_EXPIRY_DAYS,
      maxAttempts: env.NUDGE_OUTBOX_MAX_ATTEMPTS,
      outboxSchedule: env.NUDGE_OUTBOX_SCHEDULE,
    },
    approvalPolicyFile: env.NUDGE_APPROVAL_POLICY ? resolve(env.NUDGE_APPROVAL_POLICY) : undefined,
    dropFolder: env.NUDGE_DROP_FOLDER ? { path: resolve(env.NUDGE_DROP_FOLDER), schedule: env.NUDGE_DROP_FOLDER_SCHEDULE } : undefined,
    rulesSchedule: env.NUDGE_RULES_SCHEDULE,
    tutors: {
      digestSchedule: env.NUDGE_DIGEST_SCHEDULE,
      meetingNoticesSchedule: env.NUDGE_MEETING_NOTICES_SCHEDULE,
      reminderHours: env.NUDGE_MEETING_REMINDER_HOURS,
    },
    subjectAccessDelivery: env.NUDGE_SUBJECT_ACCESS_DELIVERY,
    privacy: { institutionName: env.NUDGE_INSTITUTION_NAME, contact: env.NUDGE_PRIVACY_CONTACT },
    safeguarding: {
      contacts: env.NUDGE_SAFEGUARDING_CONTACTS,
      escalationContacts: env.NUDGE_SAFEGUARDING_ESCALATION_CONTACTS,
      escalateMinutes: env.NUDGE_SAFEGUARDING_ESCALATE_MINUTES,
      schedule: env.NUDGE_SAFEGUARDING_SCHEDULE,
      crisisLines: env.NUDGE_CRISIS_LINES,
      wellbeingContact: env.NUDGE_WELLBEING_CONTACT,
      securityContact: env.NUDGE_SECURITY_CONTACT,
    },
    referrals: {
      destinations: {
        ...(env.NUDGE_REFERRAL_DESTINATIONS.length ? { referral: { team: env.NUDGE_REFERRAL_TEAM, contacts: env.NUDGE_REFERRAL_DESTINATIONS } } : {}),
        ...(env.NUDGE_ESCALATION_DESTINATIONS.length ? { escalation: { team: env.NUDGE_ESCALATION_TEAM, contacts: env.NUDGE_ESCALATION_DESTINATIONS } } : {}),
      },
      remindHours: env.NUDGE_REFERRAL_REMIND_HOURS,
      remindSchedule: env.NUDGE_REFERRAL_REMIND_SCHEDULE,
    },
    workingHours: minutesOf(env.NUDGE_WORKING_HOURS),
    xapi: {
      credentials: env.NUDGE_XAPI_USERNAME && env.NUDGE_XAPI_PASSWORD ? { username: env.NUDGE_XAPI_USERNAME, password: env.NUDGE_XAPI_PASSWORD } : undefined,
      retentionDays: env.NUDGE_XAPI_RETENTION_DAYS,
      verbMap: env.NUDGE_XAPI_VERB_MAP ? loadVerbMap(resolve(env.NUDGE_XAPI_VERB_MAP)) : undefined,
    },
    retention: { contactDays: env.NUDGE_RETENTION_CONTACT_DAYS, anonymiseDays: env.NUDGE_RETENTION_ANONYMISE_DAYS, schedule: env.NUDGE_RETENTION_SCHEDULE },
    graph:
      env.GRAPH_TENANT_ID && env.GRAPH_CLIENT_ID && env.GRAPH_CLIENT_SECRET
        ? {
            tenantId: env.GRAPH_TENANT_ID,
            clientId: env.GRAPH_CLIENT_ID,
            clientSecret: env.GRAPH_CLIENT_SECRET,
            baseUrl: env.GRAPH_BASE_URL.replace(/\/+$/, ""),
            loginBaseUrl: env.GRAPH_LOGIN_BASE_URL.replace(/\/+$/, ""),
          }
        : undefined,
  };
}

function quietHours(text: string): { from: number; to: number } | undefined {
  const m = QUIET_HOURS.exec(text);
  if (!m) return undefined;
  return { from: Number(m[1]) * 60 + Number(m[2]), to: Number(m[3]) * 60 + Number(m[4]) };
}

/** Reads `.env` (if present; real environment variables win) and validates. */
export function loadConfig(envFile = ".env"): Config {
  loadDotenv({ path: envFile, quiet: true });
  return parseConfig(process.env);
}
