/**
 * The Teams app manifest, built from the configuration: a personal-scope bot for students and
 * staff, its command menu, and the addresses of the service. Pure: no files read.
 *
 * The bot does not use Teams single sign-on (people are recognised by the Entra object id Teams
 * sends with every activity). The rules studio, a personal tab, does: `webApplicationInfo` names
 * the bot's app registration, whose token the tab asks Teams for and the service checks
 * (server/studio-auth.ts). Microsoft Graph, when used, has its own app registration with
 * application permissions, which the manifest does not declare.
 */
import type { TeamsManifestV1D30 } from "@microsoft/app-manifest";

/** The newest Teams manifest schema `@microsoft/app-manifest` bundles (a GA version, not devPreview). */
export const MANIFEST_VERSION = "1.30";
export const SCHEMA_URL = `https://developer.microsoft.com/json-schemas/teams/v${MANIFEST_VERSION}/MicrosoftTeams.schema.json`;

export type TeamsManifest = TeamsManifestV1D30.TeamsManifestV1D30;

/** The file names of the icons, as the manifest names them and at the root of the app package. */
export const ICON_FILES = { color: "color.png", outline: "outline.png" } as const;

/** Teams' colour behind the icons; the colour icon's background is the same. */
export const ACCENT_COLOR = "#0F766E";

export interface ManifestSettings {
  /** The Teams app's id (TEAMS_APP_ID, else the bot's app id). */
  appId: string;
  /** The Azure Bot's app (client) id: MICROSOFT_APP_ID. */
  botId: string;
  /** The service's public https address, PUBLIC_BASE_URL (a path after the host is kept). */
  publicBaseUrl: string;
  /** The app's version: x.y.z, package.json's unless given. */
  version: string;
  /** Shown as "Created by": NUDGE_INSTITUTION_NAME. */
  developerName: string;
}

export interface BotCommand {
  /** What Teams puts in the compose box; the bot understands it as typed. */
  title: string;
  description: string;
  /** Whose messages the bot answers with this; the menu shows everyone every command. */
  audience: "everyone" | "staff" | "students";
}

/**
 * The command menu (one list for the personal scope: Teams shows it to students and staff alike).
 * Each title is something the bot answers (bot/staff-commands.ts STAFF_HELP, bot/student-replies.ts
 * STUDENT_HELP); a student who picks a staff command is told politely that it is for staff.
 */
export const BOT_COMMANDS: BotCommand[] = [
  { title: "help", description: "What you can ask Nudge", audience: "everyone" },
  { title: "my tutees", description: "Staff: your personal tutees, and who needs a look", audience: "staff" },
  { title: "student", description: "Staff: add a name or student number to see that student's evidence and history", audience: "staff" },
  { title: "digest now", description: "Staff: your digest card now, with what is waiting for you", audience: "staff" },
  { title: "I need help", description: "Students: your personal tutor is asked to arrange a chat", audience: "students" },
  { title: "why did I get this?", description: "Students: what a message was based on", audience: "students" },
  { title: "what data do you hold about me?", description: "Students: ask for a copy of your data", audience: "students" },
  { title: "pause for 2 weeks", description: "Students: no messages for a while (say how long, up to 60 days)", audience: "students" },
  { title: "privacy", description: "Students: what Nudge does with your data, who can see it, and your rights", audience: "students" },
  { title: "stop", description: "Students: no more messages from Nudge in Teams", audience: "students" },
];

export const APP_NAME = { short: "Nudge", full: "Nudge: student engagement support" } as const;

export const APP_DESCRIPTION = {
  short: "Supportive messages for students, and a daily digest for their personal tutors",
  full: [
    "Nudge is your university's student engagement service. When engagement data (VLE activity, attendance,",
    "library use, assessment submissions) suggests that a student may be finding things hard, Nudge sends them a",
    "short, supportive message here in Teams, and their personal tutor can invite them to talk.",
    "Students reply in their own words: ask for help, ask why they got a message, ask for a copy of the data",
    "held about them, read the privacy notice, pause messages or stop them.",
    "Personal tutors get a digest card on weekday mornings when something is new: the tutees who need a look,",
    "the evidence behind each suggestion, and buttons to approve, edit, invite to talk, refer or dismiss.",
    "Nothing significant reaches a student without a person's approval, and every action is recorded.",
    'Say "help" to see what you can ask.',
  ].join(" "),
} as const;

/** The service's address without a trailing slash, e.g. `https://nudge.example.ac.uk`. */
export function baseUrlOf(publicBaseUrl: string): string {
  return publicBaseUrl.replace(/\/+$/, "");
}

/** The host Teams may open pages from (validDomains): the public address's host name. */
export function publicHostOf(publicBaseUrl: string): string {
  return new URL(publicBaseUrl).hostname;
}

/** The studio tab's single sign-on resource: `api://<public host>/<client id>` (Teams asks for a token for it). */
export function ssoResourceOf(publicBaseUrl: string, clientId: string): string {
  return `api://${publicHostOf(publicBaseUrl)}/${clientId}`;
}

/** The rules studio, a personal tab for the admins who write rules (the page refuses everyone else). */
export const STUDIO_TAB = { entityId: "rules-studio", name: "Rules studio", path: "/studio" } as const;

export function buildManifest(settings: ManifestSettings): TeamsManifest {
  // The privacy notice (GET /privacy) names the institution and its privacy contact; the service
  // has no separate support or terms page, so the developer's three links all lead there.
  const privacyUrl = `${baseUrlOf(settings.publicBaseUrl)}/privacy`;
  return {
    $schema: SCHEMA_URL,
    manifestVersion: MANIFEST_VERSION,
    version: settings.version,
    id: settings.appId,
    developer: { name: settings.developerName, websiteUrl: privacyUrl, privacyUrl, termsOfUseUrl: privacyUrl },
    name: { ...APP_NAME },
    description: { ...APP_DESCRIPTION },
    icons: { ...ICON_FILES },
    accentColor: ACCENT_COLOR,
    bots: [
      {
        botId: settings.botId,
        scopes: ["personal"],
        supportsFiles: false,
        isNotificationOnly: false,
        commandLists: [{ scopes: ["personal"], commands: BOT_COMMANDS.map(({ title, description }) => ({ title, description })) }],
      },
    ],
    staticTabs: [
      {
        entityId: STUDIO_TAB.entityId,
        name: STUDIO_TAB.name,
        contentUrl: `${baseUrlOf(settings.publicBaseUrl)}${STUDIO_TAB.path}`,
        websiteUrl: `${baseUrlOf(settings.publicBaseUrl)}${STUDIO_TAB.path}`,
        scopes: ["personal"],
      },
    ],
    webApplicationInfo: { id: settings.botId, resource: ssoResourceOf(settings.publicBaseUrl, settings.botId) },
    permissions: ["identity", "messageTeamMembers"],
    validDomains: [publicHostOf(settings.publicBaseUrl)],
  };
}
