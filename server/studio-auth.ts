/**
 * Who is calling the studio's API: a bearer token on every request (never a cookie, so no other
 * site can make a browser act for someone: CSRF-safe by construction).
 *
 * In Teams the page gets a single sign-on token from the Teams JavaScript client (`getAuthToken`);
 * it is checked here against the tenant's published signing keys (JWKS) with `jose`: signature,
 * audience (the app's client id or its `api://` URI), issuer (the tenant's v1 or v2 issuer), the
 * tenant id claim and expiry. Its Entra object id (`oid`) names the member of staff.
 *
 * In local mode only (no app registration, never with NODE_ENV=production) the page offers a
 * clearly marked development sign-in as a chosen member of staff: a short-lived token signed with
 * a secret made at start-up, so it dies with the process.
 */
import { randomBytes } from "node:crypto";
import type { Config } from "./config.ts";
import { createRemoteJWKSet, errors, jwtVerify, SignJWT, type JWTVerifyGetKey } from "jose";

export interface TeamsSsoSettings {
  /** The Entra tenant whose staff may sign in. */
  tenantId: string;
  /** The app registration's client id (webApplicationInfo.id in the manifest). */
  clientId: string;
  /** webApplicationInfo.resource, e.g. `api://nudge.example.ac.uk/<client id>`: the token's audience may be this or the client id. */
  resource?: string;
  /** Where the tenant's signing keys are published; default Microsoft's v2 keys for the tenant. */
  jwksUrl?: string;
}

export type StudioCaller = { kind: "entra"; objectId: string } | { kind: "local"; staffNumber: string };

/** Why a token was not accepted: said to the caller as 401, in words fit to show. */
export class TokenRefused extends Error {}

const DEV_ISSUER = "nudge-local-development";
const DEV_AUDIENCE = "nudge-studio";
const DEV_TOKEN_MINUTES = 60;

export interface StudioAuthenticator {
  /** The caller behind `Authorization: Bearer …`, or TokenRefused. */
  authenticate(authorization: string | undefined): Promise<StudioCaller>;
  /** Local mode only: a development token for a member of staff (undefined when not in local mode). */
  localSignIn?: (staffNumber: string) => Promise<string>;
}

export function microsoftJwksUrl(tenantId: string): string {
  return `https://login.microsoftonline.com/${encodeURIComponent(tenantId)}/discovery/v2.0/keys`;
}

export function createStudioAuthenticator(options: { sso?: TeamsSsoSettings; localMode: boolean }): StudioAuthenticator {
  const sso = options.sso;
  const keys: JWTVerifyGetKey | undefined = sso
    ? createRemoteJWKSet(new URL(sso.jwksUrl ?? microsoftJwksUrl(sso.tenantId)), { cooldownDuration: 30_000 })
    : undefined;
  const devSecret = options.localMode ? new Uint8Array(randomBytes(32)) : undefined;

  async function verifyTeams(token: string): Promise<StudioCaller> {
    if (!sso || !keys) throw new TokenRefused("single sign-on is not set up on this service");
    const { payload } = await jwtVerify(token, keys, {
      algorithms: ["RS256"],
      audience: [sso.clientId, ...(sso.resource ? [sso.resource] : [])],
      issuer: [`https://login.microsoftonline.com/${sso.tenantId}/v2.0`, `https://sts.windows.net/${sso.tenantId}/`],
      requiredClaims: ["exp", "oid", "tid"],
      clockTolerance: 60,
    });
    if (payload.tid !== sso.tenantId) throw new TokenRefused("the token is from another organisation");
    if (typeof payload.oid !== "string" || !payload.oid) throw new TokenRefused("the token names no one");
    return { kind: "entra", objectId: payload.oid };
  }

  return {
    async authenticate(authorization) {
      const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/.exec(authorization?.trim() ?? "");
      if (!match) throw new TokenRefused("sign in first");
      const token = match[1]!;
      try {
        if (devSecret) {
          const dev = await jwtVerify(token, devSecret, { algorithms: ["HS256"], issuer: DEV_ISSUER, audience: DEV_AUDIENCE }).catch(() => null);
          if (dev && typeof dev.payload.sub === "string") return { kind: "local", staffNumber: dev.payload.sub };
        }
        return await verifyTeams(token);
      } catch (error) {
        if (error instanceof TokenRefused) throw error;
        if (error instanceof errors.JWTExpired) throw new TokenRefused("your sign-in has expired: reload the page");
        if (error instanceof errors.JOSEError) throw new TokenRefused("your sign-in could not be checked: reload the page");
        throw error;
      }
    },
    localSignIn: devSecret
      ? (staffNumber) =>
          new SignJWT({})
            .setProtectedHeader({ alg: "HS256" })
            .setSubject(staffNumber)
            .setIssuer(DEV_ISSUER)
            .setAudience(DEV_AUDIENCE)
            .setIssuedAt()
            .setExpirationTime(`${DEV_TOKEN_MINUTES}m`)
            .sign(devSecret)
      : undefined,
  };
}

/**
 * The service's authenticator: Teams single sign-on with the bot's app registration when it has
 * one in a single tenant; the development sign-in only in local mode, never in production.
 */
export function studioAuthenticatorFor(config: Pick<Config, "isProduction" | "bot" | "publicBaseUrl">): StudioAuthenticator {
  const { appId, tenantId } = config.bot;
  const sso =
    appId && tenantId
      ? { tenantId, clientId: appId, resource: config.publicBaseUrl ? `api://${new URL(config.publicBaseUrl).hostname}/${appId}` : undefined }
      : undefined;
  return createStudioAuthenticator({ sso, localMode: config.bot.localMode && !config.isProduction });
}
