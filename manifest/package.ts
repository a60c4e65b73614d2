/**
 * `npm run package`: the Teams app package to upload, `dist/nudge-teams-app.zip` (manifest.json,
 * color.png and outline.png at the root), built from the same settings the service reads (the
 * environment and `.env`), checked against the bundled manifest schema and Teams' own rules.
 *
 *   npm run package [-- --out <file.zip>] [--dotenv <path>] [--app-version <x.y.z>]
 *
 * Exit codes: 0 written, 1 configuration incomplete or the package would be refused, 2 bad usage.
 */
import { NudgeError } from "../core/index.ts";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { config as loadDotenv } from "dotenv";
import { zipSync } from "fflate";
import { ConfigError, parseConfig } from "../server/index.ts";
import { buildManifest, ICON_FILES, MANIFEST_VERSION, publicHostOf, type ManifestSettings, type TeamsManifest } from "./build-manifest.ts";
import { checkManifest, type Problem } from "./check-manifest.ts";
import { readIcons, type Icons } from "./icons.ts";

export const DEFAULT_OUT = "dist/nudge-teams-app.zip";

/** Teams limits the developer name ("Created by") to 32 characters. */
const DEVELOPER_NAME_MAX = 32;

export class PackageSettingsError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "package_settings_invalid";
  constructor(readonly problems: Array<{ variable: string; message: string }>) {
    super(problems.map((p) => `${p.variable} ${p.message}`).join("\n"));
  }
}

/**
 * The manifest's settings from an environment, validated by the service's own parser. Only what
 * the package needs is required: the bot's app id and the public https address. (Production's
 * other requirements, such as the bot's secret, are the running service's concern, so an operator
 * can build the package on a machine that does not hold them.)
 */
export function manifestSettingsFrom(source: Record<string, string | undefined>, version: string): ManifestSettings {
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig({ ...source, NODE_ENV: "development" });
  } catch (error) {
    if (error instanceof ConfigError) throw new PackageSettingsError(error.problems.map((p) => ({ variable: p.variable, message: p.message })));
    throw error;
  }
  const problems: Array<{ variable: string; message: string }> = [];
  if (!config.bot.appId) problems.push({ variable: "MICROSOFT_APP_ID", message: "is not set: the manifest needs the Azure Bot's app id (bots[0].botId)" });
  if (!config.publicBaseUrl) {
    problems.push({
      variable: "PUBLIC_BASE_URL",
      message: "is not set: the manifest needs the service's public https address (validDomains, the privacy page)",
    });
  } else if (!config.publicBaseUrl.startsWith("https://")) {
    problems.push({ variable: "PUBLIC_BASE_URL", message: `must be an https:// address for Teams (got "${config.publicBaseUrl}")` });
  }
  const developerName = config.privacy.institutionName;
  if (developerName.length > DEVELOPER_NAME_MAX) {
    problems.push({
      variable: "NUDGE_INSTITUTION_NAME",
      message: `is ${developerName.length} characters; the manifest's developer name ("Created by" in Teams) allows ${DEVELOPER_NAME_MAX}`,
    });
  }
  if (problems.length > 0) throw new PackageSettingsError(problems);
  return { appId: config.bot.teamsAppId!, botId: config.bot.appId!, publicBaseUrl: config.publicBaseUrl!, version, developerName };
}

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

export class ManifestProblemsError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "manifest_invalid";
  constructor(readonly problems: Problem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join("\n"));
  }
}

/** A fixed time for the zip entries, so the same inputs give the same bytes. */
const ENTRY_TIME = new Date("2026-01-01T00:00:00Z");

/** The zip Teams takes: the manifest and both icons at the root. Throws ManifestProblemsError. */
export async function buildAppPackage(settings: ManifestSettings, icons: Icons = readIcons()): Promise<{ manifest: TeamsManifest; zip: Uint8Array }> {
  const manifest = buildManifest(settings);
  const problems = await checkManifest(manifest, icons, { publicHost: publicHostOf(settings.publicBaseUrl) });
  if (problems.length > 0) throw new ManifestProblemsError(problems);
  const zip = zipSync(
    {
      "manifest.json": new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`),
      [ICON_FILES.color]: new Uint8Array(icons.color),
      [ICON_FILES.outline]: new Uint8Array(icons.outline),
    },
    { mtime: ENTRY_TIME },
  );
  return { manifest, zip };
}

const USAGE = `Usage: npm run package -- [--out <file.zip>] [--dotenv <path>] [--app-version <x.y.z>]

Builds the Teams app package from MICROSOFT_APP_ID, PUBLIC_BASE_URL (https), TEAMS_APP_ID and
NUDGE_INSTITUTION_NAME (environment, then the .env file), checks it, and writes the zip.
  --out <file.zip>         where to write it (default ${DEFAULT_OUT})
  --dotenv <path>          settings file to read as well as the environment (default .env)
  --app-version <x.y.z>    the app's version (default package.json's); Teams needs a higher one
                           to update an app it already has`;

async function main(argv: string[]): Promise<number> {
  let values: { out?: string; dotenv?: string; "app-version"?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { out: { type: "string" }, dotenv: { type: "string" }, "app-version": { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  loadDotenv({ path: values.dotenv ?? ".env", quiet: true });

  let settings: ManifestSettings;
  try {
    settings = manifestSettingsFrom(process.env, values["app-version"] ?? packageVersion());
  } catch (error) {
    if (!(error instanceof PackageSettingsError)) throw error;
    console.error(
      `Cannot build the Teams app package:\n${error.problems.map((p) => `  ${p.variable} ${p.message}`).join("\n")}\nSet the settings in the environment or .env (see "Deploy to Teams" in README.md).`,
    );
    return 1;
  }

  let built: Awaited<ReturnType<typeof buildAppPackage>>;
  try {
    built = await buildAppPackage(settings);
  } catch (error) {
    if (!(error instanceof ManifestProblemsError)) throw error;
    console.error(
      `The Teams app package would be refused (manifest schema v${MANIFEST_VERSION} and Teams rules):\n${error.problems.map((p) => `  ${p.path}: ${p.message}`).join("\n")}`,
    );
    return 1;
  }

  if (!process.env.NUDGE_INSTITUTION_NAME?.trim()) {
    console.warn(`Note: NUDGE_INSTITUTION_NAME is not set, so Teams will show "Created by ${settings.developerName}".`);
  }
  const out = resolve(values.out ?? DEFAULT_OUT);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, built.zip);
  const shown = relative(process.cwd(), out).startsWith("..") ? out : relative(process.cwd(), out);
  console.log(
    [
      `Wrote ${shown} (Teams manifest v${MANIFEST_VERSION}, app ${settings.version}, id ${settings.appId}, bot ${settings.botId}, host ${publicHostOf(settings.publicBaseUrl)}).`,
      "Next:",
      "  1. Upload it: Teams admin centre > Teams apps > Manage apps > Upload new app (or, to try it first,",
      "     Teams Developer Portal > Apps > Import app).",
      "  2. Install it for students and staff with an app setup policy (Teams apps > Setup policies > Installed apps).",
      '  3. Check: GET /healthz on the service, then say "help" to Nudge in Teams.',
      "See docs/operators/teams-app.md.",
    ].join("\n"),
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
