/**
 * The digest for a tutor without Teams, end to end: the scheduled digest job (run as `nudge jobs
 * run tutor-digest`, configured as the service is) queues it, the staff outbox sends it by email
 * to a real SMTP server on loopback, and the link in the email opens a page on the running
 * service where the tutor approves, dismisses and snoozes with the card's own use cases. Opening
 * the page changes nothing; forged, altered, other tutors' and old links open nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_POLICY, proposeFromFlags, type ApprovalPolicy } from "../../interventions/index.ts";
import { staffByNumber } from "../../access/index.ts";
import { checkFiles, runRules, saveAll, setEnabled } from "../../rules/index.ts";
import { createLogger } from "../../core/index.ts";
import { startService, type RunningService } from "../../server/service.ts";
import type { Config } from "../../server/config.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { runNudge } from "../helpers/processes.ts";
import { sendStaffMessages } from "../helpers/staff-outbox.ts";
import { testServiceConfig } from "../helpers/service-config.ts";
import { TestSmtpServer } from "../helpers/smtp-sink.ts";
import { buildWorld, D, except, healthy } from "../rules/world.ts";

const PUBLIC = "https://nudge.example.ac.uk";
const SECRET = "digest-link-test-secret-of-at-least-32-chars";
const TUTOR_EMAIL = "r.okafor@staff.example.ac.uk";
const NUDGES_WAIT: ApprovalPolicy = { ...DEFAULT_POLICY, nudge: { system: false, roles: ["personal_tutor"] } };

describe("a tutor without Teams acts on the digest through the link in its email", () => {
  let testDb: TestDatabase;
  let service: RunningService;
  let smtp: TestSmtpServer;
  let config: Config;
  let base: string;
  let link: string;
  const ids = new Map<string, number>();
  const p = () => service.db.prisma;
  const local = (url: string) => url.replace(PUBLIC, base);
  const post = (url: string, fields: Record<string, string | number>) =>
    fetch(local(url), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)])).toString(),
    });
  const nudgeOf = (number: string) => p().intervention.findFirstOrThrow({ where: { studentId: ids.get(number)!, kind: "nudge" } });
  const textOf = (html: string) =>
    html
      .replace(/<[^>]+>/g, " ")
      .replace(/&#39;/g, "'")
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, "&")
      .replace(/\s+/g, " ");

  beforeAll(async () => {
    testDb = await createTestDatabase();
    smtp = new TestSmtpServer();
    await smtp.start();
    const env = {
      NUDGE_CHANNELS: "teams,email",
      PUBLIC_BASE_URL: PUBLIC,
      NUDGE_LINK_SECRET: SECRET,
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: String(smtp.port),
      EMAIL_FROM: "Student Success <nudge@example.ac.uk>",
    };
    config = testServiceConfig(testDb.url, env);
    service = await startService(config, createLogger("silent"));
    base = `http://127.0.0.1:${service.port}`;
    const quiet = except(healthy(), (day, usual) => (day > D - 12 ? { ...usual, vle: undefined } : usual));
    const world = await buildWorld(service.db, [
      ...["S1", "S2", "S3"].map((number) => ({ number, programme: "XA", year: 1, activity: quiet })),
      ...["H1", "H2", "H3"].map((number) => ({ number, programme: "XA", year: 1, activity: healthy() })),
    ]);
    for (const [number, id] of world.ids) ids.set(number, id);
    // The tutor has an email address and has never opened the app in Teams.
    await p().staff.update({ where: { id: world.tutorId }, data: { displayName: "Dr Rose Okafor", email: TUTOR_EMAIL } });
    const checked = checkFiles("rules/library", null);
    const author = (await staffByNumber(service.db, world.adminNumber))!;
    await saveAll(service.db, { calendar: checked.calendar, rules: checked.rules }, author);
    await setEnabled(service.db, "no-vle-10-days", true, author);
    await runRules(service.db, { asOfDay: D, trigger: "manual", now: new Date() });
    // Every nudge waits for the tutor here, so each flagged student has a suggestion to decide.
    expect(await proposeFromFlags(service.db, { policy: NUDGES_WAIT, channels: ["teams", "email"], now: new Date() })).toMatchObject({
      interventionsCreated: 3,
      awaitingApproval: 3,
    });

    const run = await runNudge(["jobs", "run", "tutor-digest", "--json"], { DATABASE_URL: testDb.url, LOG_LEVEL: "silent", ...env });
    expect(run.code, run.stderr).toBe(0);
    expect(await sendStaffMessages(service.db, config)).toMatchObject({ sent: 1 });
    const mail = smtp.received.find((m) => m.rcptTo.includes(TUTOR_EMAIL));
    expect(mail?.parsed.subject).toMatch(/^Your tutee digest, .*: 3 tutees need a look$/);
    link = /https:\/\/nudge\.example\.ac\.uk\/digest\/\S+/.exec(mail?.parsed.text ?? "")?.[0] ?? "";
    expect(link).not.toBe("");
  });

  afterAll(async () => {
    await service?.stop();
    await smtp?.stop();
    await testDb?.drop();
  });

  it("the page lists every tutee with the evidence and the suggestion, and opening it decides nothing", async () => {
    const response = await fetch(local(link));
    expect(response.status).toBe(200);
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    const text = textOf(await response.text());
    expect(text).toContain("Hello Dr Rose Okafor");
    for (const number of ["S1", "S2", "S3"]) expect(text).toContain(`(${number})`);
    expect(text).not.toContain("(H1)");
    expect(text).toContain("Approve and send");
    for (const number of ["S1", "S2", "S3"]) expect((await nudgeOf(number)).state).toBe("awaiting_approval");
  });

  it("Approve sends the suggestion as the tutor's decision, audited as theirs", async () => {
    const response = await post(link, { action: "approve", studentId: ids.get("S1")!, interventionId: (await nudgeOf("S1")).id });
    expect(response.status).toBe(200);
    expect(textOf(await response.text())).toMatch(/Done\. .*approved by Dr Rose Okafor/i);
    const nudge = await nudgeOf("S1");
    expect(nudge.state).toBe("queued");
    const tutor = await p().staff.findFirstOrThrow({ where: { email: TUTOR_EMAIL } });
    expect(nudge.approvedById).toBe(tutor.id);
    const approval = await p().auditLog.findFirstOrThrow({ where: { action: "intervention.approved", targetId: String(nudge.id) } });
    expect(approval.actorId).toBe(tutor.staffNumber);
  });

  it("Dismiss without a reason asks for one and changes nothing; with one it keeps the verdict as feedback", async () => {
    const s2 = ids.get("S2")!;
    const asked = textOf(await (await post(link, { action: "dismiss", studentId: s2, verdict: "" })).text());
    expect(asked).toContain("Please choose why you're dismissing this");
    expect((await nudgeOf("S2")).state).toBe("awaiting_approval");
    const done = await post(link, { action: "dismiss", studentId: s2, verdict: "not_useful" });
    expect(done.status).toBe(200);
    expect((await nudgeOf("S2")).state).toBe("rejected");
    expect(await p().ruleFeedback.findFirstOrThrow({ where: { ruleId: "no-vle-10-days" } })).toMatchObject({ verdict: "not_useful" });
  });

  it("Snooze puts the student's flags aside for a week", async () => {
    const response = await post(link, { action: "snooze", studentId: ids.get("S3")! });
    expect(response.status).toBe(200);
    const flags = await p().flag.findMany({ where: { studentId: ids.get("S3")! } });
    expect(flags.length).toBeGreaterThan(0);
    expect(flags.every((f) => f.state === "snoozed")).toBe(true);
  });

  it("a student who is not on this digest is refused and the attempt audited", async () => {
    const response = await post(link, { action: "snooze", studentId: ids.get("H1")! });
    expect(textOf(await response.text())).toContain("That student isn't on this digest, so nothing was changed.");
    expect(await p().flag.count({ where: { studentId: ids.get("H1")!, state: "snoozed" } })).toBe(0);
    expect(await p().auditLog.count({ where: { action: "access.refused", targetType: "digest" } })).toBe(1);
  });

  it("an altered link, another tutor's link for the same digest, and a link older than a week open nothing", async () => {
    const token = link.split("/").at(-1)!;
    const [id, who, mac] = token.split(".");
    const altered = `${PUBLIC}/digest/${id}.${who}.${mac!.slice(0, -2)}${mac!.endsWith("AA") ? "BB" : "AA"}`;
    expect((await fetch(local(altered))).status).toBe(404);
    const otherTutor = `${PUBLIC}/digest/${id}.${Buffer.from("staff:T9999").toString("base64url")}.${mac}`;
    expect((await fetch(local(otherTutor))).status).toBe(404);
    const postForged = await post(altered, { action: "snooze", studentId: ids.get("S1")! });
    expect(postForged.status).toBe(404);

    await p().tutorDigest.update({ where: { id: Number(id) }, data: { sentAt: new Date(Date.now() - 8 * 24 * 60 * 60 * 1000) } });
    const old = await fetch(local(link));
    expect(old.status).toBe(410);
    expect(textOf(await old.text())).toContain("This digest link has expired");
  });
});
