/**
 * Checks an app manifest before it is packaged: against the Teams manifest JSON schema that
 * `@microsoft/app-manifest` bundles (loaded from the package's own files, never downloaded), and
 * against the Teams rules the schema does not express. Every problem names where it is: a JSON
 * pointer into the manifest (`/bots/0/commandLists/0/commands/3/title`) or an icon's file name.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { AppManifestUtils } from "@microsoft/app-manifest";
import { MANIFEST_VERSION } from "./build-manifest.ts";
import { iconProblems, type Icons } from "./icons.ts";

export type { Problem } from "./problem.ts";
import type { Problem } from "./problem.ts";

/**
 * Teams' limits for a bot's command menu: at most 10 commands a list, titles up to 32 characters,
 * descriptions up to 128. The 1.22+ schemas allow more (128 / 4000 / 12, for Copilot prompts);
 * the menu in a chat still shows only these, so Nudge keeps to them.
 */
export const COMMAND_LIMITS = { commands: 10, title: 32, description: 128 } as const;

/** Where `@microsoft/app-manifest` keeps the schema of a manifest version. */
export function bundledSchemaPath(version = MANIFEST_VERSION): string {
  const entry = createRequire(import.meta.url).resolve("@microsoft/app-manifest");
  return join(dirname(entry), "json-schemas", "teams", `v${version}`, "MicrosoftTeams.schema.json");
}

const schemas = new Map<string, object>();

function bundledSchema(version: string): object {
  let schema = schemas.get(version);
  if (!schema) {
    const path = bundledSchemaPath(version);
    if (!existsSync(path)) throw new Error(`@microsoft/app-manifest has no bundled schema for manifest version ${version} (${path}): run npm ci`);
    schema = JSON.parse(readFileSync(path, "utf8")) as object;
    schemas.set(version, schema);
  }
  return schema;
}

/** The bundled schema's verdict on a manifest, for the version it declares (`manifestVersion`). */
export async function schemaProblems(manifest: object): Promise<Problem[]> {
  const version = (manifest as { manifestVersion?: unknown }).manifestVersion;
  if (typeof version !== "string") return [{ path: "/manifestVersion", message: "must be a manifest schema version such as 1.30" }];
  // Given the schema, the package validates with it (ajv) and never fetches one.
  const messages = await AppManifestUtils.validateAgainstSchema(manifest as never, bundledSchema(version) as never);
  return messages.map(parseSchemaMessage);
}

/** The package reports `<instancePath> <message>. Details: <params as JSON>`. */
function parseSchemaMessage(text: string): Problem {
  const match = /^(\S*) ([\s\S]*?)\. Details: ([\s\S]*)$/.exec(text);
  if (!match) return { path: "/", message: text };
  const [, path, message, details] = match;
  let extra = "";
  try {
    const params = JSON.parse(details!) as { additionalProperty?: string; allowedValues?: unknown[] };
    if (params.additionalProperty) extra = ` ("${params.additionalProperty}")`;
    else if (params.allowedValues) extra = ` (${params.allowedValues.map((v) => JSON.stringify(v)).join(", ")})`;
  } catch {
    // No details: the message says it all.
  }
  return { path: path || "/", message: `${message}${extra}` };
}

export interface RuleContext {
  /** The service's public host, which must be among validDomains. */
  publicHost: string;
}

interface LooseManifest {
  version?: unknown;
  developer?: Record<string, unknown>;
  bots?: Array<{ commandLists?: Array<{ commands?: Array<{ title?: unknown; description?: unknown }> }> }>;
  validDomains?: unknown[];
}

/** Teams rules the schema does not check (Teams refuses the upload, or shows something broken). */
export function teamsRuleProblems(manifest: object, context: RuleContext): Problem[] {
  const m = manifest as LooseManifest;
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });

  if (typeof m.version !== "string" || !/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/.test(m.version)) {
    add("/version", "must be a version like 1.2.3 (Teams needs major.minor.patch, and a higher one for each update)");
  }
  for (const key of ["websiteUrl", "privacyUrl", "termsOfUseUrl"]) {
    const url = m.developer?.[key];
    if (typeof url === "string" && !url.startsWith("https://")) add(`/developer/${key}`, "must be an https:// address");
  }

  (m.bots ?? []).forEach((bot, b) => {
    (bot.commandLists ?? []).forEach((list, l) => {
      const commands = list.commands ?? [];
      const at = `/bots/${b}/commandLists/${l}/commands`;
      if (commands.length > COMMAND_LIMITS.commands) add(at, `has ${commands.length} commands; Teams shows at most ${COMMAND_LIMITS.commands} in a list`);
      const seen = new Set<string>();
      commands.forEach((command, c) => {
        if (typeof command.title === "string") {
          if (command.title.length > COMMAND_LIMITS.title)
            add(`${at}/${c}/title`, `is ${command.title.length} characters; Teams allows at most ${COMMAND_LIMITS.title} ("${command.title}")`);
          const key = command.title.trim().toLowerCase();
          if (seen.has(key)) add(`${at}/${c}/title`, `repeats the command "${command.title}"`);
          seen.add(key);
        }
        if (typeof command.description === "string" && command.description.length > COMMAND_LIMITS.description) {
          add(`${at}/${c}/description`, `is ${command.description.length} characters; Teams allows at most ${COMMAND_LIMITS.description}`);
        }
      });
    });
  });

  const domains = (m.validDomains ?? []).filter((d): d is string => typeof d === "string");
  domains.forEach((domain, i) => {
    const at = `/validDomains/${i}`;
    if (/[/:]/.test(domain)) add(at, `must be a host name alone, without scheme, port or path ("${domain}")`);
    else if (!/^(\*\.)?([a-z0-9-]+\.)+[a-z0-9-]+$/i.test(domain) || /^\*\.[^.]+$/.test(domain)) add(at, `is not a host name Teams accepts ("${domain}")`);
    if (/(^|\.)botframework\.com$/i.test(domain)) add(at, `must not be a Bot Framework domain ("${domain}"): Teams adds what the bot needs itself`);
  });
  if (!domains.some((d) => d.toLowerCase() === context.publicHost.toLowerCase())) {
    add("/validDomains", `must contain the service's host (${context.publicHost})`);
  }
  return problems;
}

/** Everything wrong with a manifest and its icons; empty when it can be uploaded. */
export async function checkManifest(manifest: object, icons: Icons, context: RuleContext): Promise<Problem[]> {
  return [...(await schemaProblems(manifest)), ...teamsRuleProblems(manifest, context), ...iconProblems(icons)];
}
