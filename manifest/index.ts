/** The Teams app package: the manifest built from the configuration, its checks, and the zip. */
export { buildManifest, BOT_COMMANDS, MANIFEST_VERSION, SCHEMA_URL, type BotCommand, type ManifestSettings, type TeamsManifest } from "./build-manifest.ts";
export { checkManifest, schemaProblems, teamsRuleProblems, COMMAND_LIMITS, type Problem } from "./check-manifest.ts";
export { iconProblems, readIcons, type Icons } from "./icons.ts";
export { buildAppPackage, manifestSettingsFrom, DEFAULT_OUT, ManifestProblemsError, PackageSettingsError } from "./package.ts";
