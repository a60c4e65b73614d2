/**
 * The rules studio's API over real HTTP: Teams single sign-on tokens checked against a JWKS served
 * locally, staff mapped by Entra object id, the access gate (admins edit, operators read the list,
 * tutors refused and audited), and the rules' own use cases behind every change, so a rule
 * published in the studio is saved, audited and shown by `nudge rules show` as an import would be.
 */
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../app/index.ts";
import type { TeamsBot } from "../../bot/index.ts";
import { createLogger } from "../../core/index.ts";
import { createHttpServer } from "../../server/http.ts";
import { createStudioAuthenticator } from "../../server/studio-auth.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { runNudge } from "../helpers/processes.ts";
import { buildStudioWorld, CLIENT_ID, OBJECT_IDS, QUIET_RULE, serveTenantKeys, TENANT_ID, type TenantKeys } from "../helpers/studio.ts";

describe("rules studio API", () => {
  const database = useMigratedDatabase();
  let keys: TenantKeys;
  let base = "";
  let close: () => void = () => {};

  beforeAll(async () => {
    await buildStudioWorld(database.db);
    keys = await serveTenantKeys();
    const auth = createStudioAuthenticator({ sso: { tenantId: TENANT_ID, clientId: CLIENT_ID, jwksUrl: keys.jwksUrl }, localMode: false });
    const server = createHttpServer({
      app: createApp(database.db),
      bot: {} as TeamsBot,
      logger: createLogger("silent"),
      isReady: () => true,
      studio: { auth, timezone: "Europe/London" },
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(async () => {
    close();
    await keys?.close();
  });

  async function call(method: string, path: string, token: string | null, body?: unknown) {
    const response = await fetch(`${base}/studio/api${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
  }
  const admin = () => keys.token(OBJECT_IDS.admin);
  const refusals = () => database.db.prisma.auditLog.findMany({ where: { action: "access.refused" }, orderBy: { id: "asc" } });

  it("creates a rule from its text, disabled, audited as an import is", async () => {
    const published = await call("POST", "/rules/quiet-on-vle/versions", await admin(), { yaml: QUIET_RULE, note: "first version" });
    expect(published.status).toBe(200);
    expect(published.body.saved).toEqual({
      id: "quiet-on-vle",
      action: "created",
      version: 1,
      changed: ["channels", "condition", "cooldownDays", "description", "id", "intervention", "messages", "significance", "title"],
    });
    const audit = await database.db.prisma.auditLog.findMany({ where: { action: "rule.create" } });
    expect(audit.map((a) => [a.actorId, a.targetId, a.details])).toEqual([["A0001", "quiet-on-vle", { version: 1, enabled: false }]]);
  });

  it("checks a condition as `rules validate` does: field, line and column, and did you mean", async () => {
    const typo = QUIET_RULE.replace("vle_days_since_last >= 10", "vle_days_sinse_last >= 10");
    const checked = await call("POST", "/validate", await admin(), { yaml: typo, file: "quiet-on-vle.yaml" });
    expect(checked.status).toBe(200);
    expect(checked.body.ok).toBe(false);
    expect(checked.body.problems).toEqual([
      {
        severity: "error",
        file: "quiet-on-vle.yaml",
        document: "rule quiet-on-vle",
        field: "condition",
        line: 5,
        column: 12,
        message: "unknown metric 'vle_days_sinse_last' (did you mean vle_days_since_last?); see the metrics catalogue (nudge rules metrics)",
      },
    ]);
    const fine = await call("POST", "/validate", await admin(), { yaml: QUIET_RULE });
    expect(fine.body).toEqual({ ok: true, problems: [] });
  });

  it("dry-runs unsaved text: counts by programme and year, small groups suppressed, against the published version", async () => {
    const wider = QUIET_RULE.replace(">= 10", ">= 5");
    const run = await call("POST", "/dry-run", await admin(), { yaml: wider });
    expect(run.status).toBe(200);
    const report = (run.body as { report: Record<string, unknown> }).report;
    expect(report).toMatchObject({
      rule: "quiet-on-vle",
      asOf: "2026-11-20",
      currentVersion: 1,
      evaluated: 29,
      matched: 16,
      flagged: 16,
      byCohort: [
        { cohort: "BSC-CS year 1", students: 14 },
        { cohort: "BA-HIST year 2", students: "fewer than 5" },
      ],
      comparedWithCurrent: { matchedByCurrent: 10, newlyFlagged: 6, noLongerFlagged: 0 },
    });
    const broken = await call("POST", "/dry-run", await admin(), { yaml: QUIET_RULE.replace(">= 10", ">= ") });
    expect(broken.body.ok).toBe(false);
    expect((broken.body.problems as { field: string }[]).map((p) => p.field)).toEqual(["condition"]);
  });

  it("publishes version 2 with its note; `nudge rules show` prints the text published; the diff and a rollback follow", async () => {
    const wider = QUIET_RULE.replace(">= 10", ">= 5");
    const noNote = await call("POST", "/rules/quiet-on-vle/versions", await admin(), { yaml: wider, note: "  " });
    expect(noNote.status).toBe(400);
    const otherId = await call("POST", "/rules/another-rule/versions", await admin(), { yaml: wider, note: "x" });
    expect(otherId.status).toBe(400);

    const published = await call("POST", "/rules/quiet-on-vle/versions", await admin(), { yaml: wider, note: "catch students sooner" });
    expect(published.body.saved).toEqual({ id: "quiet-on-vle", action: "updated", version: 2, changed: ["condition"] });
    const update = await database.db.prisma.auditLog.findFirstOrThrow({ where: { action: "rule.update" } });
    expect([update.actorId, update.details]).toEqual(["A0001", { version: 2, previousVersion: 1, changed: ["condition"] }]);

    const rule = await call("GET", "/rules/quiet-on-vle", await admin());
    expect(rule.body.yaml).toBe(wider.trimEnd());
    expect((rule.body.versions as { version: number; author: string; comment: string }[]).map((v) => [v.version, v.author, v.comment])).toEqual([
      [1, "A0001", "first version"],
      [2, "A0001", "catch students sooner"],
    ]);
    const shown = await runNudge(["rules", "show", "quiet-on-vle"], { DATABASE_URL: database.url, LOG_LEVEL: "silent" });
    expect(shown.code).toBe(0);
    expect(shown.stdout.split("\n# versions:")[0]).toBe(`# quiet-on-vle version 2 of 2 (current), disabled\n${wider.trimEnd()}`);

    const diff = await call("GET", "/rules/quiet-on-vle/diff?from=1&to=2", await admin());
    expect((diff.body.lines as { kind: string; text: string }[]).filter((l) => l.kind !== "same")).toEqual([
      { kind: "removed", text: "condition: vle_days_since_last >= 10" },
      { kind: "added", text: "condition: vle_days_since_last >= 5" },
    ]);

    const rolledBack = await call("POST", "/rules/quiet-on-vle/rollback", await admin(), { to: 1 });
    expect(rolledBack.body).toEqual({ id: "quiet-on-vle", action: "updated", version: 3, changed: ["condition"] });
    const after = await call("GET", "/rules/quiet-on-vle", await admin());
    expect(after.body.yaml).toBe(QUIET_RULE.trimEnd());
    const rollbackAudit = await database.db.prisma.auditLog.findFirstOrThrow({ where: { action: "rule.rollback" } });
    expect([rollbackAudit.actorId, rollbackAudit.details]).toEqual(["A0001", { version: 3, restoredVersion: 1, previousVersion: 2, changed: ["condition"] }]);
  });

  it("enables and disables, audited; the list shows state, version and four weeks of flags a day", async () => {
    expect((await call("POST", "/rules/quiet-on-vle/enabled", await admin(), { enabled: true })).body).toEqual({ enabled: true, changed: true, version: 3 });
    expect((await call("POST", "/rules/quiet-on-vle/enabled", await admin(), { enabled: true })).body).toEqual({ enabled: true, changed: false, version: 3 });
    const enables = await database.db.prisma.auditLog.findMany({ where: { action: "rule.enable" } });
    expect(enables.map((a) => [a.actorId, a.targetId])).toEqual([["A0001", "quiet-on-vle"]]);
    const list = await call("GET", "/rules", await admin());
    const rules = list.body.rules as { id: string; enabled: boolean; version: number; flagsPerDay: unknown[]; lastRun: string | null }[];
    expect(rules.map((r) => [r.id, r.enabled, r.version, r.flagsPerDay.length, r.lastRun])).toEqual([["quiet-on-vle", true, 3, 28, null]]);
  });

  it("lets an operator read the list only, and refuses a personal tutor with 403, each refusal audited", async () => {
    const before = (await refusals()).length;
    const operator = await keys.token(OBJECT_IDS.operator);
    expect((await call("GET", "/rules", operator)).status).toBe(200);
    expect((await call("GET", "/me", operator)).body).toEqual({ staffNumber: "O0001", displayName: "Ops Person", canEdit: false });
    expect((await call("GET", "/rules/quiet-on-vle", operator)).status).toBe(403);

    const tutor = await keys.token(OBJECT_IDS.tutor);
    const listed = await call("GET", "/rules", tutor);
    expect(listed.status).toBe(403);
    expect(listed.body).toEqual({ error: "Sorry, the rules studio is for rule administrators. The attempt has been recorded." });
    expect((await call("POST", "/dry-run", tutor, { yaml: QUIET_RULE })).status).toBe(403);
    expect((await call("POST", "/rules/quiet-on-vle/enabled", tutor, { enabled: false })).status).toBe(403);

    const audited = (await refusals()).slice(before);
    expect(audited.map((a) => [a.actorId, a.targetId, (a.details as { capability: string }).capability])).toEqual([
      ["O0001", "rules.edit", "rules.edit"],
      ["T0001", "runs.read", "runs.read"],
      ["T0001", "rules.edit", "rules.edit"],
      ["T0001", "rules.edit", "rules.edit"],
    ]);
    const rule = await database.db.prisma.rule.findUniqueOrThrow({ where: { id: "quiet-on-vle" } });
    expect(rule.enabled).toBe(true);
  });

  it("refuses forged, expired, wrong-audience, other-tenant and missing tokens with 401, and ignores cookies", async () => {
    const cases = {
      forged: await keys.token(OBJECT_IDS.admin, {}, { key: "forger" }),
      expired: await keys.token(OBJECT_IDS.admin, {}, { expiresIn: Math.floor(Date.now() / 1000) - 600 }),
      audience: await keys.token(OBJECT_IDS.admin, { aud: "00000000-1111-2222-3333-444444444444" }),
      issuer: await keys.token(OBJECT_IDS.admin, { iss: "https://login.microsoftonline.com/common/v2.0" }),
      tenant: await keys.token(OBJECT_IDS.admin, { tid: "11111111-2222-3333-4444-555555555555" }),
      tampered: `${(await admin()).slice(0, -4)}AAAA`,
    };
    for (const [name, token] of Object.entries(cases)) {
      const answer = await call("GET", "/rules", token);
      expect([name, answer.status, answer.headers.get("www-authenticate")]).toEqual([name, 401, 'Bearer error="invalid_token"']);
    }
    expect((await call("GET", "/rules", cases.expired)).body).toEqual({ error: "your sign-in has expired: reload the page" });
    expect((await call("GET", "/rules", null)).status).toBe(401);
    const cookieOnly = await fetch(`${base}/studio/api/rules`, { headers: { cookie: `token=${await admin()}` } });
    expect(cookieOnly.status).toBe(401);
    // A valid token for someone Nudge does not know as staff.
    expect((await call("GET", "/rules", await keys.token(OBJECT_IDS.stranger))).status).toBe(403);
    // No development sign-in outside local mode.
    expect((await fetch(`${base}/studio/api/local/sign-in`, { method: "POST" })).status).toBe(404);
  });
});

describe("rules studio development sign-in", () => {
  it("exists only in local mode, and its tokens are not accepted by another process", async () => {
    const local = createStudioAuthenticator({ localMode: true });
    const other = createStudioAuthenticator({ localMode: true });
    const token = await local.localSignIn!("A0001");
    expect(await local.authenticate(`Bearer ${token}`)).toEqual({ kind: "local", staffNumber: "A0001" });
    await expect(other.authenticate(`Bearer ${token}`)).rejects.toThrow(/single sign-on is not set up/);
    expect(createStudioAuthenticator({ localMode: false }).localSignIn).toBeUndefined();
  });
});
