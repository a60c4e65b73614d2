import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { ConfigError, parseConfig, SETTINGS } from "../../server/config.ts";
import { replaceReadmeTable } from "../../scripts/readme-tables.ts";

const APP_ID = "00000000-0000-4000-8000-000000000001";
const TENANT = "00000000-0000-4000-8000-000000000002";
const production = {
  NODE_ENV: "production",
  MICROSOFT_APP_ID: APP_ID,
  MICROSOFT_APP_PASSWORD: "secret",
  MICROSOFT_APP_TENANT_ID: TENANT,
  NUDGE_SAFEGUARDING_CONTACTS: "W0001,duty@wellbeing.example.ac.uk",
};

function problemsOf(env: Record<string, string>): Record<string, string> {
  try {
    parseConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return Object.fromEntries((error as ConfigError).problems.map((p) => [p.variable, p.message]));
  }
  throw new Error("expected a ConfigError");
}

describe("configuration", () => {
  it("has working defaults for a fresh clone: SQLite, port 3978, local bot mode", () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      env: "development",
      port: 3978,
      databaseUrl: "file:./data/nudge.db",
      timezone: "Europe/London",
      channels: ["teams"],
      bot: { localMode: true },
    });
    expect(config.twilio).toBeUndefined();
  });

  it.each([
    ["PORT", "abc", /whole number/],
    ["PORT", "70000", /between 0 and 65535/],
    ["NODE_ENV", "staging", /development, test or production/],
    ["DATABASE_URL", "mysql://x", /file:<path>.*postgresql/],
    ["LOG_LEVEL", "loud", /one of/],
    ["NUDGE_TIMEZONE", "Mars/Olympus", /IANA timezone/],
    ["NUDGE_CHANNELS", "teams,pigeon", /unknown channel.*pigeon/],
    ["MICROSOFT_APP_ID", "not-a-guid", /GUID/],
    ["MICROSOFT_APP_TYPE", "Anything", /SingleTenant, MultiTenant or UserAssignedMSI/],
    ["TWILIO_ACCOUNT_SID", "XY123", /AC followed by 32 hex/],
    ["TWILIO_FROM", "07700 900123", /E\.164/],
    ["SMTP_PORT", "-1", /between 1 and 65535/],
    ["SMTP_SECURE", "maybe", /true or false/],
    ["EMAIL_FROM", "nobody", /email address/],
    ["PUBLIC_BASE_URL", "ftp://x", /http\(s\) URL/],
    ["NUDGE_XAPI_RETENTION_DAYS", "a month", /whole number of days/],
    ["NUDGE_XAPI_RETENTION_DAYS", "-1", /0 or more/],
  ])("names %s when it is %j", (variable, value, message) => {
    const problems = problemsOf({ [variable]: value });
    expect(Object.keys(problems)).toEqual([variable]);
    expect(problems[variable]).toMatch(message);
  });

  it("lists every problem at once, each by variable name, in one message", () => {
    try {
      parseConfig({ PORT: "x", LOG_LEVEL: "loud", NUDGE_CHANNELS: "fax" });
      expect.unreachable();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toMatch(/3 problems/);
      for (const variable of ["PORT", "LOG_LEVEL", "NUDGE_CHANNELS"]) expect(message).toContain(`  ${variable}: `);
    }
  });

  it("never echoes secrets back in error messages", () => {
    const problems = problemsOf({ MICROSOFT_APP_PASSWORD: "hunter2" });
    expect(problems.MICROSOFT_APP_ID).toMatch(/required when MICROSOFT_APP_PASSWORD is set/);
    expect(JSON.stringify(problems)).not.toContain("hunter2");
  });

  describe("the xAPI endpoint", () => {
    it("is off until both credentials are set, and keeps statement JSON 30 days by default", () => {
      expect(parseConfig({}).xapi).toEqual({ credentials: undefined, retentionDays: 30 });
      const config = parseConfig({ NUDGE_XAPI_USERNAME: "moodle", NUDGE_XAPI_PASSWORD: "pw", NUDGE_XAPI_RETENTION_DAYS: "0" });
      expect(config.xapi).toEqual({ credentials: { username: "moodle", password: "pw" }, retentionDays: 0 });
    });

    it("needs the user name and the password together", () => {
      expect(problemsOf({ NUDGE_XAPI_USERNAME: "moodle" })).toEqual({ NUDGE_XAPI_PASSWORD: "required when NUDGE_XAPI_USERNAME is set" });
      expect(problemsOf({ NUDGE_XAPI_PASSWORD: "pw" })).toEqual({ NUDGE_XAPI_USERNAME: "required when NUDGE_XAPI_PASSWORD is set" });
      expect(problemsOf({ NUDGE_XAPI_USERNAME: "moodle:lms", NUDGE_XAPI_PASSWORD: "pw" })).toEqual({
        NUDGE_XAPI_USERNAME: expect.stringMatching(/must not contain ':'/),
      });
    });

    it("needs a password of at least 16 characters in production, without echoing it", () => {
      const problems = problemsOf({ ...production, NUDGE_XAPI_USERNAME: "moodle", NUDGE_XAPI_PASSWORD: "short-secret" });
      expect(problems).toEqual({ NUDGE_XAPI_PASSWORD: expect.stringMatching(/at least 16 characters in production/) });
      expect(JSON.stringify(problems)).not.toContain("short-secret");
      expect(() => parseConfig({ ...production, NUDGE_XAPI_USERNAME: "moodle", NUDGE_XAPI_PASSWORD: "a-long-enough-secret" })).not.toThrow();
      expect(() => parseConfig({ NUDGE_XAPI_USERNAME: "moodle", NUDGE_XAPI_PASSWORD: "short-secret" })).not.toThrow();
    });

    it("does not stop production starting when it is not configured", () => {
      expect(parseConfig(production).xapi.credentials).toBeUndefined();
    });
  });

  describe("production", () => {
    it("refuses to start without Bot Framework credentials (no unauthenticated local mode)", () => {
      const problems = problemsOf({ NODE_ENV: "production" });
      expect(problems.MICROSOFT_APP_ID).toMatch(/unauthenticated local mode is refused/);
      expect(problems.MICROSOFT_APP_PASSWORD).toMatch(/required/);
      expect(problems.MICROSOFT_APP_TENANT_ID).toMatch(/required/);
    });

    it("refuses to start without someone to alert about a student in crisis", () => {
      const { NUDGE_SAFEGUARDING_CONTACTS: _contacts, ...withoutContacts } = production;
      expect(problemsOf(withoutContacts)).toEqual({ NUDGE_SAFEGUARDING_CONTACTS: expect.stringMatching(/^required when NODE_ENV=production/) });
      expect(problemsOf({ ...production, NUDGE_SAFEGUARDING_CONTACTS: "W0001, not an address!" })).toEqual({
        NUDGE_SAFEGUARDING_CONTACTS: expect.stringMatching(/"not an address!" is neither a staff number nor an email address/),
      });
      expect(parseConfig(production).safeguarding.contacts).toEqual([
        { kind: "staff", staffNumber: "W0001" },
        { kind: "email", address: "duty@wellbeing.example.ac.uk" },
      ]);
    });

    it("accepts complete bot credentials and leaves local mode off", () => {
      const config = parseConfig(production);
      expect(config.isProduction).toBe(true);
      expect(config.bot).toMatchObject({ localMode: false, appId: APP_ID, appType: "SingleTenant", tenantId: TENANT });
    });

    it("needs no password with a managed identity, and no tenant for MultiTenant", () => {
      const contacts = { NUDGE_SAFEGUARDING_CONTACTS: "W0001" };
      expect(() =>
        parseConfig({ NODE_ENV: "production", MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_TYPE: "UserAssignedMSI", MICROSOFT_APP_TENANT_ID: TENANT, ...contacts }),
      ).not.toThrow();
      expect(() =>
        parseConfig({ NODE_ENV: "production", MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_TYPE: "MultiTenant", MICROSOFT_APP_PASSWORD: "s", ...contacts }),
      ).not.toThrow();
    });

    it("requires Twilio credentials and a public https URL when SMS is enabled", () => {
      const problems = problemsOf({ ...production, NUDGE_CHANNELS: "teams,sms" });
      expect(Object.keys(problems).sort()).toEqual(["PUBLIC_BASE_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"]);
      expect(problems.TWILIO_AUTH_TOKEN).toMatch(/sms channel is enabled in production/);
      const http = problemsOf({
        ...production,
        NUDGE_CHANNELS: "sms",
        TWILIO_ACCOUNT_SID: `AC${"a".repeat(32)}`,
        TWILIO_AUTH_TOKEN: "t",
        TWILIO_FROM: "+447700900123",
        PUBLIC_BASE_URL: "http://nudge.example.ac.uk",
      });
      expect(http).toEqual({ PUBLIC_BASE_URL: expect.stringMatching(/https:\/\/ in production/) });
    });

    it("requires SMTP host, sender, link secret and public address when email is enabled", () => {
      const problems = problemsOf({ ...production, NUDGE_CHANNELS: "email", SMTP_USER: "u" });
      expect(Object.keys(problems).sort()).toEqual(["EMAIL_FROM", "NUDGE_LINK_SECRET", "PUBLIC_BASE_URL", "SMTP_HOST", "SMTP_PASSWORD"]);
    });

    it("never signs links with a built-in secret in production: required when emails go out, unknowable when none do", () => {
      // Staff alerts by email carry acknowledgement links even when students are not emailed.
      expect(problemsOf({ ...production, NUDGE_CHANNELS: "teams", SMTP_HOST: "smtp.example.ac.uk", EMAIL_FROM: "nudge@example.ac.uk" })).toMatchObject({
        NUDGE_LINK_SECRET: expect.stringMatching(/when email is sent in production/),
      });
      const withoutEmail = [parseConfig({ ...production, NUDGE_CHANNELS: "teams" }), parseConfig({ ...production, NUDGE_CHANNELS: "teams" })];
      const development = parseConfig({});
      expect(withoutEmail[0]!.linkSecret).not.toBe(development.linkSecret);
      expect(withoutEmail[0]!.linkSecret).not.toBe(withoutEmail[1]!.linkSecret);
      expect(withoutEmail[0]!.linkSecret).toMatch(/^[0-9a-f]{64}$/);
    });

    it("refuses a short link secret, bad quiet hours and an out-of-range cap, naming each", () => {
      const problems = problemsOf({ NUDGE_LINK_SECRET: "short", NUDGE_QUIET_HOURS: "9pm-8am", NUDGE_WEEKLY_CAP: "0" });
      expect(Object.keys(problems).sort()).toEqual(["NUDGE_LINK_SECRET", "NUDGE_QUIET_HOURS", "NUDGE_WEEKLY_CAP"]);
      expect(problems.NUDGE_QUIET_HOURS).toMatch(/HH:MM-HH:MM/);
    });

    it("reads delivery settings: quiet hours in minutes, or none when off", () => {
      expect(parseConfig({}).delivery).toMatchObject({ weeklyCap: 3, quietHours: { from: 21 * 60, to: 8 * 60 }, expiryDays: 7, maxAttempts: 5 });
      expect(parseConfig({ NUDGE_QUIET_HOURS: "off" }).delivery.quietHours).toBeUndefined();
    });

    it("builds channel settings once their credentials are complete", () => {
      const config = parseConfig({
        ...production,
        NUDGE_CHANNELS: "teams,sms,email",
        TWILIO_ACCOUNT_SID: `AC${"b".repeat(32)}`,
        TWILIO_AUTH_TOKEN: "token",
        TWILIO_FROM: `MG${"c".repeat(32)}`,
        PUBLIC_BASE_URL: "https://nudge.example.ac.uk",
        SMTP_HOST: "smtp.example.ac.uk",
        SMTP_SECURE: "true",
        EMAIL_FROM: "Student Success <nudge@example.ac.uk>",
        NUDGE_LINK_SECRET: "s".repeat(32),
      });
      expect(config.channels).toEqual(["teams", "sms", "email"]);
      expect(config.twilio?.from).toMatch(/^MG/);
      expect(config.twilio?.apiBaseUrl).toBe("https://api.twilio.com");
      expect(config.smtp).toMatchObject({ host: "smtp.example.ac.uk", port: 587, secure: true });
    });
  });

  describe("Microsoft Graph for tutors' calendars", () => {
    const graph = { GRAPH_TENANT_ID: TENANT, GRAPH_CLIENT_ID: APP_ID, GRAPH_CLIENT_SECRET: "graph-secret" };

    it("is off without credentials, and on with all three, at Graph's public addresses by default", () => {
      expect(parseConfig({}).graph).toBeUndefined();
      expect(parseConfig(graph).graph).toEqual({
        tenantId: TENANT,
        clientId: APP_ID,
        clientSecret: "graph-secret",
        baseUrl: "https://graph.microsoft.com",
        loginBaseUrl: "https://login.microsoftonline.com",
      });
      expect(parseConfig({ ...graph, GRAPH_BASE_URL: "http://127.0.0.1:4010/", GRAPH_LOGIN_BASE_URL: "http://127.0.0.1:4011" }).graph).toMatchObject({
        baseUrl: "http://127.0.0.1:4010",
        loginBaseUrl: "http://127.0.0.1:4011",
      });
    });

    it("refuses part of the credentials, naming the missing ones, and never shows the secret", () => {
      expect(problemsOf({ GRAPH_TENANT_ID: TENANT })).toEqual({
        GRAPH_CLIENT_ID: "required when GRAPH_TENANT_ID is set (Microsoft Graph needs all three)",
        GRAPH_CLIENT_SECRET: "required when GRAPH_TENANT_ID is set (Microsoft Graph needs all three)",
      });
      expect(problemsOf({ GRAPH_CLIENT_ID: APP_ID, GRAPH_CLIENT_SECRET: "graph-secret" })).toEqual({
        GRAPH_TENANT_ID: "required when GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET are set (Microsoft Graph needs all three)",
      });
      const problems = problemsOf({ ...graph, GRAPH_CLIENT_ID: "nudge-app", GRAPH_BASE_URL: "graph.microsoft.com" });
      expect(problems).toEqual({ GRAPH_CLIENT_ID: expect.stringMatching(/must be a GUID/), GRAPH_BASE_URL: expect.stringMatching(/must be an http\(s\) URL/) });
      expect(JSON.stringify(problemsOf({ GRAPH_CLIENT_SECRET: "graph-secret" }))).not.toContain("graph-secret");
    });
  });

  it("documents every variable it reads in docs/operators/configuration.md, with the defaults the code uses", () => {
    const readme = readFileSync(new URL("../../docs/operators/configuration.md", import.meta.url), "utf8");
    expect(replaceReadmeTable(readme, "config")).toBe(readme); // run `npm run docs:config` after changing settings
    const defaults = parseConfig({});
    expect(SETTINGS.find((s) => s.name === "PORT")?.default).toBe(String(defaults.port));
    expect(SETTINGS.find((s) => s.name === "DATABASE_URL")?.default).toBe(defaults.databaseUrl);
    expect(new Set(SETTINGS.map((s) => s.name)).size).toBe(SETTINGS.length);
  });
});
