import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unzipSync } from "fflate";
import { STAFF_HELP } from "../../bot/staff-commands.ts";
import { STUDENT_MESSAGES } from "../../core/student-messages.ts";

const STUDENT_HELP = STUDENT_MESSAGES.teams_help;
import {
  BOT_COMMANDS,
  buildAppPackage,
  buildManifest,
  checkManifest,
  COMMAND_LIMITS,
  iconProblems,
  MANIFEST_VERSION,
  manifestSettingsFrom,
  ManifestProblemsError,
  PackageSettingsError,
  readIcons,
  schemaProblems,
  teamsRuleProblems,
  type ManifestSettings,
} from "../../manifest/index.ts";
import { bundledSchemaPath } from "../../manifest/check-manifest.ts";
import { decodePng, encodePng, notWhiteOrTransparent } from "../../manifest/icons.ts";
import { renderIcon } from "../../scripts/render-icons.ts";
import { spawnNode } from "../helpers/processes.ts";

const BOT_ID = "6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b";
const APP_ID = "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d";
const settings: ManifestSettings = {
  appId: APP_ID,
  botId: BOT_ID,
  publicBaseUrl: "https://nudge.example.ac.uk/",
  version: "1.4.0",
  developerName: "University of Exampleshire",
};
const host = { publicHost: "nudge.example.ac.uk" };

/** A deep copy to break. */
const manifestCopy = () => JSON.parse(JSON.stringify(buildManifest(settings))) as ReturnType<typeof buildManifest> & Record<string, unknown>;

describe("the Teams app manifest", () => {
  it("uses the newest manifest schema the package bundles (not devPreview)", () => {
    const bundled = readdirVersions();
    expect(Math.max(...bundled)).toBe(Number(MANIFEST_VERSION.split(".")[1]));
    expect(existsSync(bundledSchemaPath())).toBe(true);
  });

  it("built from sample settings passes the bundled schema and Teams' rules", async () => {
    const manifest = buildManifest(settings);
    expect(await schemaProblems(manifest)).toEqual([]);
    expect(teamsRuleProblems(manifest, host)).toEqual([]);
    expect(await checkManifest(manifest, readIcons(), host)).toEqual([]);
  });

  it("carries the settings: app and bot ids, version, host, privacy page; a personal bot, and the studio tab with its SSO", () => {
    const manifest = buildManifest(settings);
    expect(manifest.manifestVersion).toBe(MANIFEST_VERSION);
    expect(manifest.$schema).toContain(`/v${MANIFEST_VERSION}/MicrosoftTeams.schema.json`);
    expect(manifest).toMatchObject({
      id: APP_ID,
      version: "1.4.0",
      developer: { name: "University of Exampleshire", privacyUrl: "https://nudge.example.ac.uk/privacy" },
      name: { short: "Nudge", full: "Nudge: student engagement support" },
      icons: { color: "color.png", outline: "outline.png" },
      permissions: ["identity", "messageTeamMembers"],
      validDomains: ["nudge.example.ac.uk"],
    });
    expect(manifest.bots).toEqual([expect.objectContaining({ botId: BOT_ID, scopes: ["personal"], supportsFiles: false, isNotificationOnly: false })]);
    expect(manifest.bots![0]!.commandLists).toEqual([{ scopes: ["personal"], commands: expect.any(Array) }]);
    expect(manifest.staticTabs).toEqual([
      {
        entityId: "rules-studio",
        name: "Rules studio",
        contentUrl: "https://nudge.example.ac.uk/studio",
        websiteUrl: "https://nudge.example.ac.uk/studio",
        scopes: ["personal"],
      },
    ]);
    // The studio's single sign-on: the bot's app registration, as the service checks the token's audience.
    expect(manifest.webApplicationInfo).toEqual({ id: BOT_ID, resource: `api://nudge.example.ac.uk/${BOT_ID}` });
    // A base address with a path keeps it.
    expect(buildManifest({ ...settings, publicBaseUrl: "https://apps.example.ac.uk/nudge" }).developer.privacyUrl).toBe(
      "https://apps.example.ac.uk/nudge/privacy",
    );
  });

  it("offers commands the bot answers, within Teams' menu limits", () => {
    expect(BOT_COMMANDS.length).toBeLessThanOrEqual(COMMAND_LIMITS.commands);
    for (const command of BOT_COMMANDS) {
      expect(command.title.length, command.title).toBeLessThanOrEqual(COMMAND_LIMITS.title);
      expect(command.description.length, command.title).toBeLessThanOrEqual(COMMAND_LIMITS.description);
      // Each is in the help of those it is for, as they would type it ("help" is what shows a student theirs).
      if (command.audience !== "students") expect(STAFF_HELP, command.title).toContain(`"${command.title}`);
      if (command.audience !== "staff" && command.title !== "help") expect(STUDENT_HELP, command.title).toContain(`"${command.title}`);
    }
  });

  it("reports a schema error with its path: a bot without botId, an unknown property", async () => {
    const manifest = manifestCopy();
    delete (manifest.bots![0] as unknown as Record<string, unknown>).botId;
    manifest.colour = "#000000";
    const problems = await schemaProblems(manifest);
    expect(problems).toContainEqual({ path: "/bots/0", message: "must have required property 'botId'" });
    expect(problems).toContainEqual({ path: "/", message: 'must NOT have additional properties ("colour")' });
  });

  it("reports what the schema lets through: a 40-character command title, too many commands, wrong domains", async () => {
    const manifest = manifestCopy();
    const commands = manifest.bots![0]!.commandLists![0]!.commands;
    commands[3]!.title = "show me everything about my tutees today"; // 40 characters
    expect(await schemaProblems(manifest)).toEqual([]); // the 1.30 schema allows 128
    expect(teamsRuleProblems(manifest, host)).toEqual([
      { path: "/bots/0/commandLists/0/commands/3/title", message: expect.stringContaining("is 40 characters; Teams allows at most 32") },
    ]);

    commands.push({ title: "help", description: "again" });
    manifest.validDomains = ["https://nudge.example.ac.uk/", "token.botframework.com"];
    const paths = teamsRuleProblems(manifest, host).map((p) => p.path);
    expect(paths).toEqual([
      "/bots/0/commandLists/0/commands",
      "/bots/0/commandLists/0/commands/3/title",
      "/bots/0/commandLists/0/commands/10/title",
      "/validDomains/0",
      "/validDomains/1",
      "/validDomains",
    ]);
  });
});

describe("the icons", () => {
  it("are 192x192 (colour) and 32x32 (outline, only white or fully transparent pixels)", () => {
    const icons = readIcons();
    const color = decodePng(icons.color);
    const outline = decodePng(icons.outline);
    expect([color.width, color.height]).toEqual([192, 192]);
    expect([outline.width, outline.height]).toEqual([32, 32]);
    expect(notWhiteOrTransparent(outline)).toEqual([]);
    // The outline draws something, and the colour icon is in colour.
    expect(countWhere(outline.data, (_r, _g, _b, a) => a > 0)).toBeGreaterThan(50);
    expect(countWhere(color.data, (r, g, b, a) => a === 255 && !(r === g && g === b))).toBeGreaterThan(192 * 192 * 0.5);
    expect(iconProblems(icons)).toEqual([]);
  });

  it("are what scripts/render-icons.ts renders from the SVGs (run it after changing one)", () => {
    const icons = readIcons();
    // A little slack for anti-aliasing on other processors (the renderer's SIMD paths differ).
    expect(largestDifference(decodePng(renderIcon("color")).data, decodePng(icons.color).data)).toBeLessThanOrEqual(4);
    expect(largestDifference(decodePng(renderIcon("outline")).data, decodePng(icons.outline).data)).toBeLessThanOrEqual(4);
  });

  it("a coloured pixel in the outline, or a wrong size, is reported by file", () => {
    const icons = readIcons();
    const outline = decodePng(icons.outline);
    outline.data.set([255, 0, 0, 255], (5 * 32 + 7) * 4);
    const color = decodePng(icons.outline); // 32x32 where 192x192 is needed
    const problems = iconProblems({ color: encodePng(color), outline: encodePng(outline) });
    expect(problems).toEqual([
      { path: "color.png", message: "is 32x32; Teams needs the color icon 192x192" },
      {
        path: "outline.png",
        message: expect.stringContaining("1 pixel(s) that are neither white nor fully transparent (the first at 7,5 is rgba(255, 0, 0, 255))"),
      },
    ]);
    expect(iconProblems({ color: Buffer.from("not a png"), outline: icons.outline })[0]).toMatchObject({
      path: "color.png",
      message: expect.stringContaining("is not a PNG"),
    });
  });
});

describe("the settings the package is built from", () => {
  const env = { MICROSOFT_APP_ID: BOT_ID, PUBLIC_BASE_URL: "https://nudge.example.ac.uk" };

  it("are the bot's id, the public address and the institution; the app id defaults to the bot's", () => {
    expect(manifestSettingsFrom(env, "0.1.0")).toEqual({
      appId: BOT_ID,
      botId: BOT_ID,
      publicBaseUrl: "https://nudge.example.ac.uk",
      version: "0.1.0",
      developerName: "your university",
    });
    expect(manifestSettingsFrom({ ...env, TEAMS_APP_ID: APP_ID, NUDGE_INSTITUTION_NAME: "Exampleshire" }, "0.1.0")).toMatchObject({
      appId: APP_ID,
      developerName: "Exampleshire",
    });
  });

  it("missing or unsuitable settings are named", () => {
    const problems = (source: Record<string, string>) => {
      try {
        manifestSettingsFrom(source, "0.1.0");
        return [];
      } catch (error) {
        expect(error).toBeInstanceOf(PackageSettingsError);
        return (error as PackageSettingsError).problems.map((p) => p.variable);
      }
    };
    expect(problems({})).toEqual(["MICROSOFT_APP_ID", "PUBLIC_BASE_URL"]);
    expect(problems({ ...env, PUBLIC_BASE_URL: "http://nudge.example.ac.uk" })).toEqual(["PUBLIC_BASE_URL"]);
    expect(problems({ ...env, MICROSOFT_APP_ID: "not-a-guid" })).toEqual(["MICROSOFT_APP_ID"]);
    expect(problems({ ...env, TEAMS_APP_ID: "nope" })).toEqual(["TEAMS_APP_ID"]);
    expect(problems({ ...env, NUDGE_INSTITUTION_NAME: "The University of the Western Exampleshire Isles" })).toEqual(["NUDGE_INSTITUTION_NAME"]);
    // Production's other requirements (the bot's secret, channel credentials) are not the package's.
    expect(problems({ ...env, NODE_ENV: "production", NUDGE_CHANNELS: "teams,sms" })).toEqual([]);
  });

  it("a manifest the rules refuse is not packaged", async () => {
    await expect(buildAppPackage({ ...settings, version: "1.4" })).rejects.toThrow(ManifestProblemsError);
    await expect(buildAppPackage({ ...settings, version: "1.4" })).rejects.toThrow("/version: must be a version like 1.2.3");
  });
});

describe("npm run package", () => {
  const script = ["--import", "tsx", "manifest/package.ts"];

  it("writes the zip with manifest.json, color.png and outline.png at its root", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nudge-package-"));
    try {
      const out = join(dir, "sub", "nudge.zip");
      const run = spawnNode([...script, "--out", out, "--dotenv", join(dir, "no.env")], {
        MICROSOFT_APP_ID: BOT_ID,
        TEAMS_APP_ID: APP_ID,
        PUBLIC_BASE_URL: "https://nudge.example.ac.uk",
        NUDGE_INSTITUTION_NAME: "University of Exampleshire",
      });
      const code = await run.exited;
      const { stdout, stderr } = run.output();
      expect(code, stderr).toBe(0);
      expect(stdout).toContain(`Wrote ${out}`);
      expect(stdout).toContain("Manage apps");

      const files = unzipSync(readFileSync(out));
      expect(Object.keys(files).sort()).toEqual(["color.png", "manifest.json", "outline.png"]);
      const manifest = JSON.parse(new TextDecoder().decode(files["manifest.json"])) as ReturnType<typeof buildManifest>;
      expect(manifest).toMatchObject({ id: APP_ID, manifestVersion: MANIFEST_VERSION, validDomains: ["nudge.example.ac.uk"] });
      expect(manifest.version).toBe(JSON.parse(readFileSync("package.json", "utf8")).version);
      expect(manifest.bots![0]!.botId).toBe(BOT_ID);
      expect(await schemaProblems(manifest)).toEqual([]);
      expect(Buffer.from(files["outline.png"]!).equals(readIcons().outline)).toBe(true);
      expect(Buffer.from(files["color.png"]!).equals(readIcons().color)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("without MICROSOFT_APP_ID exits non-zero naming it, and writes nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nudge-package-"));
    try {
      const out = join(dir, "nudge.zip");
      const run = spawnNode([...script, "--out", out, "--dotenv", join(dir, "no.env")], {
        MICROSOFT_APP_ID: "",
        PUBLIC_BASE_URL: "https://nudge.example.ac.uk",
      });
      expect(await run.exited).toBe(1);
      expect(run.output().stderr).toContain("MICROSOFT_APP_ID is not set: the manifest needs the Azure Bot's app id");
      expect(existsSync(out)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads the settings from the .env file it is given (the environment wins)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nudge-package-"));
    try {
      const envFile = join(dir, "settings.env");
      writeFileSync(envFile, `MICROSOFT_APP_ID=${BOT_ID}\nPUBLIC_BASE_URL=http://nudge.example.ac.uk\n`);
      const fromFile = await runWithout(["MICROSOFT_APP_ID", "PUBLIC_BASE_URL", "TEAMS_APP_ID"], [...script, "--out", join(dir, "x.zip"), "--dotenv", envFile]);
      expect(fromFile.code).toBe(1);
      expect(fromFile.stderr).toContain('PUBLIC_BASE_URL must be an https:// address for Teams (got "http://nudge.example.ac.uk")');
      expect(fromFile.stderr).not.toContain("MICROSOFT_APP_ID");

      const overridden = await runWithout(["MICROSOFT_APP_ID", "TEAMS_APP_ID"], [...script, "--out", join(dir, "x.zip"), "--dotenv", envFile], {
        PUBLIC_BASE_URL: "https://nudge.example.ac.uk",
      });
      expect(overridden.code, overridden.stderr).toBe(0);
      expect(existsSync(join(dir, "x.zip"))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** `node <args>` with some variables removed from the environment (spawnNode can only add). */
function runWithout(removed: string[], args: string[], extra: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: Record<string, string | undefined> = { ...process.env, NODE_ENV: "development", ...extra };
  for (const name of removed) delete env[name];
  const child = spawn(process.execPath, args, { env });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d));
  child.stderr.on("data", (d: Buffer) => (stderr += d));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

function readdirVersions(): number[] {
  const dir = join(bundledSchemaPath(), "..", "..");
  return readdirSync(dir)
    .map((name) => /^v1\.(\d+)$/.exec(name)?.[1])
    .filter((minor): minor is string => minor !== undefined)
    .map(Number);
}

function countWhere(data: Buffer, test: (r: number, g: number, b: number, a: number) => boolean): number {
  let count = 0;
  for (let i = 0; i < data.length; i += 4) if (test(data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!)) count++;
  return count;
}

function largestDifference(a: Buffer, b: Buffer): number {
  if (a.length !== b.length) return Infinity;
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i]! - b[i]!));
  return largest;
}
