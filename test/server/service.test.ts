import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../server/config.ts";
import { createLogger } from "../../core/index.ts";
import { startService, type RunningService } from "../../server/service.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { startFakeConnector, teamsMessage, type FakeConnector } from "../helpers/fake-connector.ts";
import { startServiceProcess } from "../helpers/processes.ts";

describe("the service over HTTP", () => {
  let testDb: TestDatabase;
  let service: RunningService;
  let connector: FakeConnector;
  let base: string;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    connector = await startFakeConnector();
    const config = parseConfig({ PORT: "0", HOST: "127.0.0.1", DATABASE_URL: testDb.url, LOG_LEVEL: "silent" });
    service = await startService(config, createLogger("silent"));
    base = `http://127.0.0.1:${service.port}`;
  });
  afterAll(async () => {
    await service.stop();
    await connector.close();
    await testDb.drop();
  });

  it("creates and migrates the database on first start and reports healthy", async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({
      status: "ok",
      database: { kind: testDb.kind, status: "ok", pendingMigrations: 0, schemaVersion: expect.stringMatching(/^\d{14}_\w+$/) },
      counts: { students: 0, openFlags: 0, awaitingDecision: 0 },
    });
  });

  it("counts students, open flags and suggestions waiting for a person, never listing anyone", async () => {
    const { prisma } = service.db;
    const student = await prisma.student.create({ data: { studentNumber: "S9000001", givenName: "Private", email: "private@student.example.ac.uk" } });
    await prisma.rule.create({ data: { id: "no-vle-10-days", title: "No VLE activity for 10 days" } });
    await prisma.flag.createMany({
      data: [
        { studentId: student.id, ruleId: "no-vle-10-days", ruleVersion: 1, periodKey: "p1", day: 20415, evidence: {} },
        { studentId: student.id, ruleId: "no-vle-10-days", ruleVersion: 1, periodKey: "p2", day: 20416, evidence: {}, state: "dismissed" },
      ],
    });
    // A suggestion waiting for a tutor, and one already decided.
    const waiting = { studentId: student.id, kind: "invitation_to_talk" as const, body: "Could we talk?", proposedBy: "rules:no-vle-10-days" };
    await prisma.intervention.create({ data: { ...waiting, state: "awaiting_approval" } });
    await prisma.intervention.create({ data: { ...waiting, state: "rejected" } });
    const text = await (await fetch(`${base}/healthz`)).text();
    expect(JSON.parse(text).counts).toEqual({ students: 1, openFlags: 1, awaitingDecision: 1 });
    expect(text).not.toMatch(/Private|private@|S9000001/);
  });

  it("is ready once started", async () => {
    const response = await fetch(`${base}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ready: true });
  });

  it("answers a Teams message posted to /api/messages through the Bot Connector", async () => {
    const activity = teamsMessage(connector.serviceUrl, "hello");
    const response = await fetch(`${base}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(activity),
    });
    expect(response.status).toBe(200);
    const reply = connector.calls.find(
      (c) => c.method === "POST" && c.path === `/v3/conversations/${encodeURIComponent(activity.conversation.id)}/activities/${activity.id}`,
    );
    expect(reply?.body).toMatchObject({ type: "message", replyToId: activity.id, conversation: { id: activity.conversation.id } });
    // Nobody the service knows: told so politely, shown nothing.
    expect(reply?.body.text).toMatch(/don't recognise your account/);
  });

  it("rejects a request that is not a Bot Framework activity", async () => {
    const response = await fetch(`${base}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(response.status).toBeGreaterThanOrEqual(400);
  });
});

describe("start-up and shutdown as a process", () => {
  it("refuses to start in production without bot credentials, naming each variable", async () => {
    const run = startServiceProcess({ NODE_ENV: "production", PORT: "0", MICROSOFT_APP_ID: "", MICROSOFT_APP_PASSWORD: "", NUDGE_CHANNELS: "teams,sms" });
    expect(await run.exited).toBe(78);
    const { stderr } = run.output();
    for (const variable of ["MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD", "MICROSOFT_APP_TENANT_ID", "TWILIO_ACCOUNT_SID", "PUBLIC_BASE_URL"]) {
      expect(stderr).toContain(`  ${variable}: required`);
    }
  });

  it("stops gracefully on SIGTERM: finishes, closes the database, exits 0", async () => {
    const testDb = await createTestDatabase();
    const run = startServiceProcess({ PORT: "0", HOST: "127.0.0.1", DATABASE_URL: testDb.url, LOG_LEVEL: "info" });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        const line = run
          .output()
          .stdout.split("\n")
          .find((l) => l.includes('"nudge listening"'));
        if (line) {
          clearInterval(timer);
          resolve(JSON.parse(line).port);
        }
      }, 50);
      run.exited.then(() => reject(new Error(`exited early: ${run.output().stderr}`)));
    });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    const logs = run
      .output()
      .stdout.split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(["shutting down", "nudge stopped"]));
    await testDb.drop();
  });
});
