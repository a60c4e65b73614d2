/**
 * The rules studio's test world: staff with Entra object ids (an admin, a personal tutor, an
 * operator), two programmes whose students went quiet on the VLE on known days, a local HTTP
 * server playing the tenant's published signing keys (JWKS), and Teams-shaped tokens signed
 * with jose, good or deliberately bad.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import type { Database } from "../../prisma/index.ts";
import { roleScopeKey } from "../../access/index.ts";
import { buildWorld, D, healthy, type StudentSpec } from "../rules/world.ts";

export const TENANT_ID = "5f2b8e1c-3d4a-4b6c-8e9f-0a1b2c3d4e5f";
export const CLIENT_ID = "0d9c8b7a-6f5e-4d3c-2b1a-9f8e7d6c5b4a";
export const OBJECT_IDS = {
  admin: "aaaaaaaa-0000-4000-8000-000000000001",
  tutor: "aaaaaaaa-0000-4000-8000-000000000002",
  operator: "aaaaaaaa-0000-4000-8000-000000000003",
  stranger: "aaaaaaaa-0000-4000-8000-000000000009",
} as const;

/** The studio's example rule, written as an admin would write the file. */
export const QUIET_RULE = `# Students who have gone quiet on the VLE.
id: quiet-on-vle
title: Quiet on the VLE
description: No VLE activity for ten days or more.
condition: vle_days_since_last >= 10
significance: nudge
intervention: nudge
channels: [teams]
cooldownDays: 14
messages:
  teams: "Hi {{first_name}}, we haven't seen you on the VLE lately. If anything is getting in the way, reply help."
`;

const quietFrom = (lastDay: number) => (day: number) => (day <= lastDay ? healthy()(day) : { ...healthy()(day), vle: undefined });

/**
 * BSC-CS year 1: 8 students last on the VLE on D-12, 6 on D-6, 10 every day.
 * BA-HIST year 2: 2 students last on the VLE on D-12, 3 every day.
 * So `vle_days_since_last >= 10` holds for 8 + 2, and `>= 5` for 14 + 2.
 */
export function studioStudents(): StudentSpec[] {
  const specs: StudentSpec[] = [];
  for (let i = 0; i < 8; i++) specs.push({ number: `CS-Q12-${i}`, programme: "BSC-CS", year: 1, activity: quietFrom(D - 12) });
  for (let i = 0; i < 6; i++) specs.push({ number: `CS-Q6-${i}`, programme: "BSC-CS", year: 1, activity: quietFrom(D - 6) });
  for (let i = 0; i < 10; i++) specs.push({ number: `CS-OK-${i}`, programme: "BSC-CS", year: 1, activity: healthy() });
  for (let i = 0; i < 2; i++) specs.push({ number: `HI-Q12-${i}`, programme: "BA-HIST", year: 2, activity: quietFrom(D - 12) });
  for (let i = 0; i < 3; i++) specs.push({ number: `HI-OK-${i}`, programme: "BA-HIST", year: 2, activity: healthy() });
  return specs;
}

/** The world, with A0001 (admin), T0001 (personal tutor) and O0001 (operator) known by Entra object id. */
export async function buildStudioWorld(db: Database): Promise<void> {
  await buildWorld(db, studioStudents());
  const p = db.prisma;
  await p.staff.update({ where: { staffNumber: "A0001" }, data: { entraObjectId: OBJECT_IDS.admin } });
  await p.staff.update({ where: { staffNumber: "T0001" }, data: { entraObjectId: OBJECT_IDS.tutor } });
  const operator = await p.staff.create({ data: { staffNumber: "O0001", displayName: "Ops Person", entraObjectId: OBJECT_IDS.operator } });
  await p.staffRoleAssignment.create({ data: { staffId: operator.id, role: "operator", scopeKey: roleScopeKey("operator") } });
}

export interface TenantKeys {
  jwksUrl: string;
  /** A token as Teams' getAuthToken gives it, for `oid`, with `claims` changed or added. */
  token(oid: string, claims?: Record<string, unknown>, options?: { expiresIn?: string | number; key?: "tenant" | "forger" }): Promise<string>;
  close(): Promise<void>;
}

/** The tenant's signing keys served over HTTP as Microsoft publishes them, and a second key pair nobody published. */
export async function serveTenantKeys(): Promise<TenantKeys> {
  const tenant = await generateKeyPair("RS256");
  const forger = await generateKeyPair("RS256");
  const published: JWK = { ...(await exportJWK(tenant.publicKey)), kid: "tenant-key-1", alg: "RS256", use: "sig" };
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: [published] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/discovery/v2.0/keys`;
  return {
    jwksUrl,
    async token(oid, claims = {}, options = {}) {
      const key: CryptoKey = options.key === "forger" ? forger.privateKey : tenant.privateKey;
      return new SignJWT({ oid, tid: TENANT_ID, name: "Someone", ver: "2.0", ...claims })
        .setProtectedHeader({ alg: "RS256", kid: "tenant-key-1", typ: "JWT" })
        .setIssuer((claims.iss as string | undefined) ?? `https://login.microsoftonline.com/${TENANT_ID}/v2.0`)
        .setAudience((claims.aud as string | undefined) ?? CLIENT_ID)
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? "1h")
        .sign(key);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
