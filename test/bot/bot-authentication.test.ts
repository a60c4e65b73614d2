/**
 * `/api/messages` with a bot identity: every token that is not the Bot Connector's own is refused
 * with 401 and a body that says nothing more, and no handler runs. Microsoft's key endpoint is
 * played on loopback (its OpenID configuration and keys), so the SDK's real validation runs.
 *
 * The forged tokens are assembled by hand with node:crypto on purpose: JWT libraries refuse to make
 * most of them (alg none, HS256 keyed with an RSA public key).
 */
import { createHmac, createSign, generateKeyPairSync, type KeyObject } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type restify from "restify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../app/index.ts";
import { createTeamsBot } from "../../bot/index.ts";
import { createLogger } from "../../core/index.ts";
import { createHttpServer } from "../../server/http.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { startFakeConnector, teamsMessage, type FakeConnector } from "../helpers/fake-connector.ts";

const APP_ID = "5b1a2c3d-0000-4000-8000-00000000a0a0";
const ISSUER = "https://api.botframework.com";
const KID = "nudge-test-key";

const base64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");
const encode = (part: object) => base64url(JSON.stringify(part));

function rs256(header: object, payload: object, key: KeyObject): string {
  const unsigned = `${encode(header)}.${encode(payload)}`;
  return `${unsigned}.${createSign("RSA-SHA256").update(unsigned).sign(key).toString("base64url")}`;
}

function hs256(header: object, payload: object, secret: string): string {
  const unsigned = `${encode(header)}.${encode(payload)}`;
  return `${unsigned}.${createHmac("sha256", secret).update(unsigned).digest("base64url")}`;
}

/** Microsoft's OpenID configuration and signing keys, as the SDK fetches them. */
async function startKeyEndpoint(publicKey: KeyObject): Promise<{ url: string; server: Server }> {
  const jwk = publicKey.export({ format: "jwk" });
  const server = createServer((req, res) => {
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    res.setHeader("content-type", "application/json");
    if (req.url === "/v1/.well-known/openidconfiguration") return res.end(JSON.stringify({ issuer: ISSUER, jwks_uri: `${origin}/v1/.well-known/keys` }));
    if (req.url === "/v1/.well-known/keys") return res.end(JSON.stringify({ keys: [{ ...jwk, kid: KID, use: "sig", endorsements: ["msteams"] }] }));
    res.statusCode = 404;
    res.end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/.well-known/openidconfiguration`, server };
}

describe("the Teams endpoint with a bot identity", () => {
  const database = useMigratedDatabase("sqlite");
  const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 });
  let keyEndpoint: { url: string; server: Server };
  let connector: FakeConnector;
  let http: restify.Server;
  let base: string;
  let turns = 0;

  beforeAll(async () => {
    keyEndpoint = await startKeyEndpoint(keys.publicKey);
    connector = await startFakeConnector();
  });
  afterAll(async () => {
    http?.close();
    keyEndpoint.server.close();
    await connector.close();
  });

  const start = async () => {
    if (http) return;
    const app = createApp(database.db);
    const whoIs = app.access.whoIs;
    // Counts turns that reached our handlers, without changing what they do.
    app.access.whoIs = (id) => ((turns += 1), whoIs(id));
    const bot = createTeamsBot(
      { appId: APP_ID, appPassword: "not-used", appType: "MultiTenant", openIdMetadataUrl: keyEndpoint.url },
      createLogger("silent"),
      app,
    );
    http = createHttpServer({ app, bot, logger: createLogger("silent"), isReady: () => true });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  };

  const claims = (overrides: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: ISSUER, aud: APP_ID, serviceurl: connector.serviceUrl, nbf: now - 60, iat: now - 60, exp: now + 3600, ...overrides };
  };
  const post = async (token: string | null, activity: unknown = teamsMessage(connector.serviceUrl, "hello")) => {
    await start();
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${base}/api/messages`, { method: "POST", headers, body: JSON.stringify(activity) });
    return { status: response.status, text: await response.text() };
  };

  it("accepts the Bot Connector's own token (the control: the key endpoint and claims are right)", async () => {
    const typing = { ...teamsMessage(connector.serviceUrl, ""), type: "typing", text: undefined };
    const before = turns;
    const response = await post(rs256({ alg: "RS256", typ: "JWT", kid: KID }, claims(), keys.privateKey), typing);
    expect(response.status).toBe(200);
    expect(turns).toBe(before);
  });

  const forged: [string, () => string][] = [
    ["alg none", () => `${encode({ alg: "none", typ: "JWT", kid: KID })}.${encode(claims())}.`],
    ["not yet valid", () => rs256({ alg: "RS256", typ: "JWT", kid: KID }, claims({ nbf: Math.floor(Date.now() / 1000) + 3600 }), keys.privateKey)],
    ["signed with another key under the known kid", () => rs256({ alg: "RS256", typ: "JWT", kid: KID }, claims(), stranger.privateKey)],
    [
      "HS256 keyed with the public key",
      () => hs256({ alg: "HS256", typ: "JWT", kid: KID }, claims(), keys.publicKey.export({ type: "spki", format: "pem" }).toString()),
    ],
    ["expired", () => rs256({ alg: "RS256", typ: "JWT", kid: KID }, claims({ exp: Math.floor(Date.now() / 1000) - 600 }), keys.privateKey)],
    ["for another bot", () => rs256({ alg: "RS256", typ: "JWT", kid: KID }, claims({ aud: "someone-else" }), keys.privateKey)],
    ["an unknown kid", () => rs256({ alg: "RS256", typ: "JWT", kid: "nope" }, claims(), keys.privateKey)],
    ["not a JWT at all", () => "not.a.token"],
  ];

  it.each(forged)("refuses a token %s with 401 and a body naming nothing, and runs no handler", async (_name, token) => {
    const before = turns;
    const response = await post(token());
    expect(response.status).toBe(401);
    expect(JSON.parse(response.text)).toEqual({ error: "unauthorized" });
    expect(turns).toBe(before);
  });

  it("refuses a request with no token with 401", async () => {
    const response = await post(null);
    expect(response.status).toBe(401);
    expect(turns).toBe(0);
  });

  it.each([
    ["an array", []],
    ["a string", "message"],
    ["no type", { text: "hello" }],
    ["a numeric type", { type: 5 }],
  ])("answers 400 to a body that is %s, before any authentication", async (_name, body) => {
    const response = await post(rs256({ alg: "RS256", typ: "JWT", kid: KID }, claims(), keys.privateKey), body);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({ error: "not a Bot Framework activity" });
  });
});
