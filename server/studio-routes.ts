/**
 * The rules studio: the page at /studio (built by Vite at install into studio/dist) and its JSON
 * API under /studio/api. Every API request carries a bearer token (server/studio-auth.ts); the
 * caller is mapped to a member of staff and asked of the access gate, which audits a refusal:
 * `rules.edit` to read a rule, check, dry-run, publish, roll back, enable or disable it (admins),
 * `runs.read` for the list with run history and flags a day (operators too). Changes are the
 * rules' own use cases, so they are saved and audited exactly as `nudge rules import`, `rollback`,
 * `enable` and `disable` save and audit them.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import type restify from "restify";
import type { CapabilityName, StaffIdentity } from "../access/index.ts";
import type { App } from "../app/index.ts";
import { httpStatusFor, isNudgeError, NudgeError, type Logger } from "../core/index.ts";
import { TokenRefused, type StudioAuthenticator } from "./studio-auth.ts";

export interface StudioRouteDeps {
  app: App;
  logger: Logger;
  auth: StudioAuthenticator;
  /** The institution's timezone: which day a dry run evaluates, the days of the list's chart. */
  timezone: string;
  /** Where the built page is (default studio/dist beside the code). */
  distDir?: string;
}

export const STUDIO_PATH = "/studio";

/**
 * Scripts and styles from this service only (Fluent UI writes its styles at run time, hence inline
 * styles), calls to this service only, and framing by Teams (web, desktop and the Microsoft 365
 * hosts a personal tab runs in) and nothing else.
 */
export const STUDIO_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
  "frame-ancestors 'self' https://teams.microsoft.com https://*.teams.microsoft.com https://*.teams.microsoft.us https://*.cloud.microsoft https://*.office.com https://*.microsoft365.com",
].join("; ");

const STATIC_HEADERS = { "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Content-Security-Policy": STUDIO_CSP };
const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
};

const defaultDist = () => join(import.meta.dirname, "..", "studio", "dist");

function json(res: restify.Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.sendRaw(status, JSON.stringify(body), { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", ...STATIC_HEADERS, ...headers });
}

/** The query string (the server parses bodies only). */
const query = (req: restify.Request) => new URL(req.url ?? "/", "http://localhost").searchParams;

type Handler = (req: restify.Request, staff: StaffIdentity) => Promise<unknown>;

const stringField = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  if (typeof value !== "string") throw new NudgeError(`${name} is missing`, { kind: "usage" });
  return value;
};

function versionParam(value: unknown, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new NudgeError(`${name} must be a version number`, { kind: "usage" });
  return n;
}

export function registerStudioRoutes(server: restify.Server, deps: StudioRouteDeps): void {
  const { app, logger, auth, timezone } = deps;
  const dist = deps.distDir ?? defaultDist();

  /** The caller as a member of staff the gate allows `capability`; a refusal is audited by `authorise`. */
  async function staffFor(req: restify.Request, capability: CapabilityName): Promise<StaffIdentity> {
    const caller = await auth.authenticate(req.header("authorization"));
    let staffNumber: string;
    if (caller.kind === "local") staffNumber = caller.staffNumber;
    else {
      const person = await app.access.whoIs(caller.objectId);
      if (person.kind !== "staff") throw new NudgeError("You are not known to Nudge as a member of staff.", { kind: "refused" });
      staffNumber = person.staffNumber;
    }
    return app.access.authorise(staffNumber, capability);
  }

  const api = (capability: CapabilityName, route: string, handle: Handler) => async (req: restify.Request, res: restify.Response) => {
    try {
      const staff = await staffFor(req, capability);
      json(res, 200, await handle(req, staff));
    } catch (error) {
      if (error instanceof TokenRefused) {
        json(res, 401, { error: error.message }, { "WWW-Authenticate": 'Bearer error="invalid_token"' });
        return;
      }
      if (isNudgeError(error)) {
        const status = httpStatusFor(error);
        // Refusals name no capability or reason to the caller: the audit log has them.
        json(res, status, { error: status === 403 ? "Sorry, the rules studio is for rule administrators. The attempt has been recorded." : error.message });
        return;
      }
      logger.error({ err: error, route }, "studio request failed");
      json(res, 500, { error: "Something went wrong. Please try again in a moment." });
    }
  };

  server.get(STUDIO_PATH, async (_req, res) => {
    const index = join(dist, "index.html");
    if (!existsSync(index)) {
      res.sendRaw(503, "The rules studio page is not built: run npm install (it builds the page).", { "Content-Type": "text/plain; charset=utf-8" });
      return;
    }
    res.sendRaw(200, readFileSync(index, "utf8"), { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache", ...STATIC_HEADERS });
  });

  server.get(`${STUDIO_PATH}/assets/:file`, async (req, res) => {
    const file = String(req.params?.file ?? "");
    const folder = join(dist, "assets");
    // Only names the build wrote: no path from the request reaches the file system.
    const known = existsSync(folder) ? readdirSync(folder) : [];
    if (!known.includes(file) || !TYPES[extname(file)]) {
      res.sendRaw(404, "not found", { "Content-Type": "text/plain; charset=utf-8" });
      return;
    }
    res.sendRaw(200, readFileSync(join(folder, file)), {
      "Content-Type": TYPES[extname(file)]!,
      // File names carry a content hash.
      "Cache-Control": "public, max-age=31536000, immutable",
      ...STATIC_HEADERS,
    });
  });

  // Local mode only: the members of staff to sign in as, and a development token for one of them.
  if (auth.localSignIn) {
    const signIn = auth.localSignIn;
    server.get(`${STUDIO_PATH}/api/local/staff`, async (_req, res) => {
      const staff = await app.access.staffWithRoles();
      json(res, 200, { staff: staff.map((s) => ({ staffNumber: s.staffNumber, displayName: s.displayName, roles: s.roles.map((r) => r.role) })) });
    });
    server.post(`${STUDIO_PATH}/api/local/sign-in`, async (req, res) => {
      const staffNumber = (req.body as { staffNumber?: unknown } | undefined)?.staffNumber;
      if (typeof staffNumber !== "string" || !(await app.access.staffByNumber(staffNumber))) {
        json(res, 400, { error: "Choose a member of staff." });
        return;
      }
      logger.warn({ staffNumber }, "studio: development sign-in (local mode)");
      json(res, 200, { token: await signIn(staffNumber) });
    });
  }

  server.get(
    `${STUDIO_PATH}/api/me`,
    api("runs.read", "me", async (_req, staff) => {
      const may = await app.access.mayDo(staff.staffId, ["rules.edit", "runs.read"]);
      return { staffNumber: staff.staffNumber, displayName: staff.displayName, canEdit: may["rules.edit"] === true };
    }),
  );

  server.get(
    `${STUDIO_PATH}/api/rules`,
    api("runs.read", "rules", async () => ({ rules: await app.rules.studioRules(timezone) })),
  );

  server.get(
    `${STUDIO_PATH}/api/rules/:id`,
    api("rules.edit", "rule", async (req) => {
      const version = query(req).get("version");
      return app.rules.studioRule(String(req.params.id), version ? versionParam(version, "version") : undefined);
    }),
  );

  server.post(
    `${STUDIO_PATH}/api/validate`,
    api("rules.edit", "validate", async (req) => {
      const checked = await app.rules.checkRuleText(stringField(req.body, "yaml"), req.body?.file ? `${stringField(req.body, "file")}` : undefined);
      return { ok: checked.rule !== undefined, problems: checked.problems };
    }),
  );

  server.post(
    `${STUDIO_PATH}/api/dry-run`,
    api("rules.edit", "dry-run", async (req) =>
      app.rules.dryRunRuleText(stringField(req.body, "yaml"), {
        timezone,
        asOf: typeof req.body?.asOf === "string" && /^\d{4}-\d{2}-\d{2}$/.test(req.body.asOf) ? req.body.asOf : undefined,
      }),
    ),
  );

  server.post(
    `${STUDIO_PATH}/api/rules/:id/versions`,
    api("rules.edit", "publish", async (req, staff) =>
      app.rules.publishRuleText(String(req.params.id), stringField(req.body, "yaml"), staff, stringField(req.body, "note")),
    ),
  );

  server.get(
    `${STUDIO_PATH}/api/rules/:id/diff`,
    api("rules.edit", "diff", async (req) =>
      app.rules.versionDiff(String(req.params.id), versionParam(query(req).get("from"), "from"), versionParam(query(req).get("to"), "to")),
    ),
  );

  server.post(
    `${STUDIO_PATH}/api/rules/:id/rollback`,
    api("rules.edit", "rollback", async (req, staff) => {
      const to = versionParam(req.body?.to, "to");
      return app.rules.rollback(String(req.params.id), to, staff);
    }),
  );

  server.post(
    `${STUDIO_PATH}/api/rules/:id/enabled`,
    api("rules.edit", "enable", async (req, staff) => {
      const enabled = req.body?.enabled;
      if (typeof enabled !== "boolean") throw new NudgeError("enabled must be true or false", { kind: "usage" });
      return { enabled, ...(await app.rules.setEnabled(String(req.params.id), enabled, staff)) };
    }),
  );
}
