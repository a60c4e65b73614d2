/**
 * The xAPI statements resource (xAPI 1.0.3, Communication §2.1) as an LMS plugin such as Moodle's
 * logstore_xapi uses it: POST one statement or a batch (200, the ids in order), PUT one statement
 * by `statementId` (204). Nudge is not a full LRS: it keeps statements as far as engagement needs
 * them and reads none back. The handler checks the request; `pushStatements` (ingest) stores it.
 */
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../core/index.ts";
import type { IncomingMessage } from "node:http";
import type restify from "restify";
import type { PushOutcome, VerbMap } from "../ingest/index.ts";
import type { App } from "../app/index.ts";
import type { Logger } from "../core/index.ts";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { BASIC_CHALLENGE, checkBasicAuth, type BasicCredentials } from "./xapi-credentials.ts";
import { readBodyBytes, readOwnBody } from "./request-body.ts";

export const XAPI_VERSION = "1.0.3";
export const XAPI_STATEMENTS_PATH = "/api/xapi/statements";
/** Above the service's 1 MB: a plugin replaying its backlog sends large batches. */
export const XAPI_MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface XapiEndpointSettings {
  /** Unset: the endpoint answers 503 (not configured). */
  credentials?: BasicCredentials;
  timezone: string;
  keepRawStatements: boolean;
  /** The operator's verb map (NUDGE_XAPI_VERB_MAP). */
  verbMap?: VerbMap;
  maxBodyBytes?: number;
}

interface Deps {
  app: App;
  logger: Logger;
  settings: XapiEndpointSettings;
}

/**
 * Failed sign-ins per address before it must wait, and for how long. An LMS that gets its password
 * right never counts; one guessing gets ten tries per quarter hour.
 */
export const XAPI_FAILED_SIGN_INS = { allowed: 10, windowSeconds: 15 * 60 } as const;

/** A request the endpoint refuses: status, message, and the field or header at fault. */
class Refusal {
  constructor(
    readonly status: number,
    readonly message: string,
    readonly extra: Record<string, unknown> = {},
  ) {}
}

/** xAPI §3.3: 1.0 and 1.0.x are accepted; anything else (or nothing) is a 400. */
export function versionProblem(header: string | undefined): string | null {
  const version = header?.trim();
  if (!version) return `the X-Experience-API-Version header is required (this endpoint speaks xAPI ${XAPI_VERSION})`;
  if (version === "1.0" || /^1\.0\.\d+$/.test(version)) return null;
  return `X-Experience-API-Version ${version} is not supported: this endpoint speaks xAPI 1.0.x (${XAPI_VERSION})`;
}

async function authenticate(req: restify.Request, credentials: BasicCredentials | undefined, failures: RateLimiterMemory): Promise<void> {
  if (!credentials) throw new Refusal(503, "the xAPI endpoint is not configured: set NUDGE_XAPI_USERNAME and NUDGE_XAPI_PASSWORD");
  const address = req.socket.remoteAddress ?? "unknown";
  const record = await failures.get(address);
  if (record && record.consumedPoints >= XAPI_FAILED_SIGN_INS.allowed) throw tooManyFailures(record);
  const result = checkBasicAuth(req.header("authorization"), credentials);
  if (result.ok) return;
  if (result.reason !== "missing") {
    // Counted after the check, so the answer to this attempt is still the plain 401.
    await failures.consume(address).catch((limited: unknown) => {
      if (!(limited instanceof RateLimiterRes)) throw limited;
    });
  }
  throw new Refusal(401, result.reason === "missing" ? "authentication required (HTTP Basic)" : "the credentials were refused");
}

function tooManyFailures(record: RateLimiterRes): Refusal {
  const seconds = Math.max(1, Math.ceil(record.msBeforeNext / 1000));
  return new Refusal(429, `too many failed sign-ins from this address: try again in ${seconds} seconds`, { retryAfterSeconds: seconds });
}

/** xAPI: parameters the resource does not know are a 400; PUT needs `statementId`. */
function statementIdOf(req: restify.Request, method: "POST" | "PUT"): string | undefined {
  const params = new URL(req.url ?? "", "http://localhost").searchParams;
  for (const name of params.keys()) {
    if (!(method === "PUT" && name === "statementId")) throw new Refusal(400, `parameter '${name}' is not supported here`, { field: name });
  }
  if (method === "POST") return undefined;
  const id = params.get("statementId");
  if (!id) throw new Refusal(400, "the statementId parameter is required", { field: "statementId" });
  return id;
}

function checkContent(req: restify.Request, limit: number): void {
  const type = (req.header("content-type") ?? "").toLowerCase();
  if (type.startsWith("multipart/")) throw new Refusal(400, "statements with attachments (multipart) are not supported", { field: "Content-Type" });
  if (!/^application\/json\b/.test(type)) throw new Refusal(400, "Content-Type must be application/json", { field: "Content-Type" });
  const encoding = req.header("content-encoding");
  if (encoding && encoding.toLowerCase() !== "identity") throw new Refusal(415, `Content-Encoding ${encoding} is not supported`);
  if (Number(req.header("content-length") ?? 0) > limit) throw new Refusal(413, `the request is larger than ${limit} bytes: send smaller batches`);
}

async function readBody(req: IncomingMessage, limit: number): Promise<{ json: unknown; raw: Buffer }> {
  const body = await readBodyBytes(req, limit, () => new Refusal(413, `the request is larger than ${limit} bytes: send smaller batches`));
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch (error) {
    throw new Refusal(400, `the body is not valid JSON: ${(error as Error).message}`, { field: "body" });
  }
  // Refused here, with a 400 the LMS will not retry, before anything walks it recursively.
  if (nestsDeeperThan(json, MAX_JSON_DEPTH + 1))
    throw new Refusal(400, `the body nests more than ${MAX_JSON_DEPTH} levels deep; no xAPI statement needs that`, { field: "body" });
  return { json, raw: body };
}

function refusalOf(outcome: Exclude<PushOutcome, { status: "stored" }>): Refusal {
  switch (outcome.status) {
    case "invalid": {
      const where = outcome.index === null ? "" : `statement [${outcome.index}]: `;
      return new Refusal(400, `${where}${outcome.message}`, { field: outcome.field, ...(outcome.index === null ? {} : { statement: outcome.index }) });
    }
    case "conflict":
      return new Refusal(409, `${outcome.message}; an id names one statement for good (xAPI: statements are immutable)`, { ids: outcome.ids });
    case "failed":
      return new Refusal(500, "the statements could not be stored; nothing was kept, send them again");
  }
}

async function storeStatements(req: restify.Request, res: restify.Response, method: "POST" | "PUT", deps: Deps, failures: RateLimiterMemory): Promise<void> {
  await authenticate(req, deps.settings.credentials, failures);
  const version = versionProblem(req.header("x-experience-api-version"));
  if (version) throw new Refusal(400, version, { field: "X-Experience-API-Version" });
  const statementId = statementIdOf(req, method);
  const limit = deps.settings.maxBodyBytes ?? XAPI_MAX_BODY_BYTES;
  checkContent(req, limit);
  const { json, raw } = await readBody(req, limit);

  const outcome = await deps.app.ingest.pushStatements({
    body: json,
    // The bytes too: keys given twice and bytes that are not UTF-8 are lost once parsed.
    raw,
    statementId,
    origin: `${method} ${XAPI_STATEMENTS_PATH} from ${req.socket.remoteAddress ?? "unknown"}`,
    totalBytes: raw.length,
    options: { timezone: deps.settings.timezone, keepRawStatements: deps.settings.keepRawStatements, verbMap: deps.settings.verbMap },
  });
  if (outcome.status !== "stored") {
    if (outcome.status === "failed") deps.logger.error({ error: outcome.message }, "xapi statements not stored");
    throw refusalOf(outcome);
  }
  const report = outcome.report;
  deps.logger.info(
    { statements: outcome.ids.length, loaded: report?.loaded ?? 0, duplicates: report?.duplicates ?? 0, batchId: report?.batchId ?? null },
    "xapi statements",
  );
  if (method === "PUT") res.send(204);
  else res.send(200, outcome.ids);
}

function handler(method: "POST" | "PUT", deps: Deps, failures: RateLimiterMemory) {
  return async (req: restify.Request, res: restify.Response) => {
    // xAPI §3.3: every response carries the version header, errors included.
    res.header("X-Experience-API-Version", XAPI_VERSION);
    try {
      await storeStatements(req, res, method, deps, failures);
    } catch (error) {
      if (!(error instanceof Refusal)) {
        deps.logger.error({ err: error }, "xapi endpoint failed");
        res.send(500, { error: "internal error" });
        return;
      }
      if (error.status === 401) res.header("WWW-Authenticate", BASIC_CHALLENGE);
      if (error.status === 413) res.header("Connection", "close");
      if (error.status === 429) res.header("Retry-After", String(error.extra.retryAfterSeconds));
      res.send(error.status, { error: error.message, ...error.extra });
    }
  };
}

/** Adds the xAPI routes: POST/PUT /api/xapi/statements and GET /api/xapi/about. */
export function registerXapiRoutes(server: restify.Server, deps: Deps): void {
  // The service's body parser stops at 1 MB; this route reads its own body, after authentication,
  // with its own limit.
  readOwnBody(server, XAPI_STATEMENTS_PATH);
  const failures = new RateLimiterMemory({ points: XAPI_FAILED_SIGN_INS.allowed, duration: XAPI_FAILED_SIGN_INS.windowSeconds });
  server.post(XAPI_STATEMENTS_PATH, handler("POST", deps, failures));
  server.put(XAPI_STATEMENTS_PATH, handler("PUT", deps, failures));
  // The About resource needs no credentials (xAPI §2.8): LMS plugins use it to test the address.
  server.get("/api/xapi/about", async (_req: restify.Request, res: restify.Response) => {
    res.header("X-Experience-API-Version", XAPI_VERSION);
    res.send(200, { version: [XAPI_VERSION] });
  });
}
