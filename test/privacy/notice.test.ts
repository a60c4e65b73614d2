/**
 * The privacy notice (POLICY P6, P7) on the running service: GET /privacy is generated from the
 * configuration (institution, contact, channels, retention) and from the permission matrix the
 * access gate enforces; the bot sends the plain-text notice when a student says "privacy", and a
 * short welcome the first time it sees a student's conversation (through a local stand-in for
 * the Bot Connector).
 */
import escapeHtml from "escape-html";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CAPABILITIES, MATRIX, ROLES, type CapabilityName } from "../../access/index.ts";
import { CAPABILITY_WORDS, DEFAULT_NOTICE_SETTINGS, noticeText, privacyNotice, welcomeText } from "../../privacy/index.ts";
import { parseConfig, type Config } from "../../server/config.ts";
import { createLogger } from "../../core/index.ts";
import { noticeSettings } from "../../server/privacy-routes.ts";
import { startService, type RunningService } from "../../server/service.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { databaseKindsUnderTest } from "../helpers/kinds.ts";
import { startFakeConnector, teamsInstallationUpdate, teamsMembersAdded, teamsMessage, type FakeConnector } from "../helpers/fake-connector.ts";

const CONTACT = "Data Protection Officer <dpo@example.ac.uk>";
const INSTITUTION = "University of Exampleshire";
const STUDENT = { id: "29:1student-teams-id", name: "Sam", aadObjectId: "6b1d2c9e-0000-4000-8000-00000000a001" };
const SECOND = { id: "29:1second-teams-id", name: "Kit", aadObjectId: "6b1d2c9e-0000-4000-8000-00000000a002" };
const STAFF = { id: "29:1tutor-teams-id", name: "A Tutor", aadObjectId: "0f8fad5b-d9cb-469f-a165-70867728950e" };

describe.each(databaseKindsUnderTest())("privacy notice on %s", (kind) => {
  const database = useMigratedDatabase(kind);
  let connector: FakeConnector;
  let service: RunningService;
  let config: Config;
  let base: string;
  let studentId: number;

  const post = async (activity: object) => {
    const response = await fetch(`${base}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(activity) });
    expect(response.status).toBeLessThan(300);
  };
  /** What the bot sent into a conversation (replies in the turn and new messages alike). */
  const sentTo = (conversationId: string, since = 0) =>
    connector.calls
      .slice(since)
      .filter((c) => c.method === "POST" && c.path.startsWith(`/v3/conversations/${encodeURIComponent(conversationId)}/activities`))
      .map((c) => c.body.text as string);
  const say = async (text: string, id: string) => {
    const since = connector.calls.length;
    await post(teamsMessage(connector.serviceUrl, text, { id, from: STUDENT }));
    return sentTo("a:1personal-chat-id", since);
  };

  beforeAll(async () => {
    connector = await startFakeConnector();
    config = parseConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: database.url,
      LOG_LEVEL: "silent",
      NUDGE_CHANNELS: "teams,email",
      NUDGE_INSTITUTION_NAME: INSTITUTION,
      NUDGE_PRIVACY_CONTACT: CONTACT,
      NUDGE_RETENTION_CONTACT_DAYS: "30",
      NUDGE_RETENTION_ANONYMISE_DAYS: "400",
      NUDGE_OUTBOX_SCHEDULE: "0 0 1 1 *",
      NUDGE_RULES_SCHEDULE: "0 0 1 1 *",
    });
    service = await startService(config, createLogger("silent"));
    base = `http://127.0.0.1:${service.port}`;
    const p = service.db.prisma;
    studentId = (await p.student.create({ data: { studentNumber: "S0001", givenName: "Samira", preferredName: "Sam", entraObjectId: STUDENT.aadObjectId } }))
      .id;
    await p.student.create({ data: { studentNumber: "S0002", givenName: "Kit", entraObjectId: SECOND.aadObjectId } });
    await p.staff.create({ data: { staffNumber: "T01", displayName: "Dr Tutor", entraObjectId: STAFF.aadObjectId } });
  });
  afterAll(async () => {
    await service?.stop();
    await connector?.close();
  });

  it("GET /privacy: an accessible page with every section, needing nothing from elsewhere", async () => {
    const response = await fetch(`${base}/privacy`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await response.text();
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="en-GB">/);
    expect(html).toContain('<main id="content">');
    expect(html).toContain("<title>How Nudge uses your data: privacy notice</title>");
    for (const title of [
      "What Nudge is",
      "The data Nudge uses",
      "How Nudge contacts you",
      "Why: support, never assessment",
      "Who can see your data",
      "How long it is kept",
      "Your rights, and how to use them",
      "Questions",
    ]) {
      expect(html).toContain(`>${escapeHtml(title)}</h2>`);
    }
    // Nothing is fetched from anywhere: no scripts, images, stylesheets, fonts or frames.
    expect(html).not.toMatch(/<script|<img|<link|<iframe|@import|url\(|src=/i);
    expect(html).not.toMatch(/href="https?:/);
    // The sources ingest loads, and purposes: support, never assessment.
    for (const source of ["Student records", "VLE", "Attendance", "Library", "Submissions"]) expect(html).toContain(`<strong>${source}</strong>`);
    expect(html).toContain("nothing it finds is used for marks, progression, awards or disciplinary decisions");
    // Rights, and how: the replies that do them.
    for (const words of ["what data do you hold about me?", "pause", "stop", "why?"]) expect(html).toContain(escapeHtml(`"${words}"`));
    for (const right of ["(access)", "(rectification)", "(erasure)", "(restriction)", "Object", "withdraw consent"]) expect(html).toContain(right);
  });

  it("names the configured institution, contact, channels and retention periods", async () => {
    const html = await (await fetch(`${base}/privacy`)).text();
    expect(html).toContain(INSTITUTION);
    expect(html).toContain(`Data Protection Officer &lt;<a href="mailto:dpo@example.ac.uk">dpo@example.ac.uk</a>&gt;`);
    expect(html).toContain("<strong>Teams</strong>");
    expect(html).toContain("<strong>Email</strong>");
    expect(html).not.toContain("<strong>Text message</strong>");
    expect(html).toContain("30 days after your course ends, your contact details are no longer available through Nudge.");
    expect(html).toContain("400 days after your course ends, the rest of your data in Nudge is deleted or anonymised.");
    expect(html).toContain("Raw VLE activity records are kept for 30 days");

    // Unconfigured: the defaults say where to go without naming anyone.
    const defaults = noticeText(privacyNotice(DEFAULT_NOTICE_SETTINGS));
    expect(defaults).toContain("contact your university's Data Protection Officer");
    expect(defaults).toContain("Your university is responsible for your data");
  });

  it("says who can see what, role by role, exactly as the permission matrix allows", async () => {
    const html = await (await fetch(`${base}/privacy`)).text();
    const rows = new Map([...html.matchAll(/<tr data-role="(\w+)">([\s\S]*?)<\/tr>/g)].map((m) => [m[1]!, m[2]!]));
    expect([...rows.keys()]).toEqual([...ROLES]);
    for (const role of ROLES) {
      const row = rows.get(role)!;
      for (const capability of Object.keys(CAPABILITIES) as CapabilityName[]) {
        const words = escapeHtml(CAPABILITY_WORDS[capability].charAt(0).toUpperCase() + CAPABILITY_WORDS[capability].slice(1));
        if (MATRIX[role][capability]) expect(row, `${role} ${capability}`).toContain(`<li>${words}</li>`);
        else expect(row, `${role} ${capability}`).not.toContain(`<li>${words}</li>`);
      }
    }
    // Roles that never see an individual are told apart in plain words.
    expect(rows.get("operator")).toContain("Never see information about you as an individual.");
    expect(rows.get("student_centre")).toContain("Never see information about you as an individual.");
    expect(rows.get("personal_tutor")).toContain("Only the students they are personal tutor to, while they are.");
  });

  it("welcomes a student once, on first contact, with what Nudge is and how to pause, stop, get a copy and read the notice", async () => {
    const since = connector.calls.length;
    await post(teamsInstallationUpdate(connector.serviceUrl, "add", { from: STUDENT }));
    const welcome = sentTo("a:1personal-chat-id", since);
    expect(welcome).toEqual([welcomeText(noticeSettings(config), "Sam")]);
    for (const words of [
      "Hello Sam, this is Nudge",
      INSTITUTION,
      "VLE activity",
      "your personal tutor",
      '"pause"',
      '"stop"',
      '"what data do you hold about me?"',
      'Say "privacy" for the full privacy notice.',
    ]) {
      expect(welcome[0]).toContain(words);
    }
    expect(await service.db.prisma.auditLog.findFirstOrThrow({ where: { action: "privacy.notice" } })).toMatchObject({
      actorKind: "system",
      actorId: "bot",
      studentId,
      details: { occasion: "first contact" },
    });

    // Teams' other activities about the same chat, and later messages, bring no second welcome.
    await post(teamsMembersAdded(connector.serviceUrl, { from: STUDENT }));
    const answers = await say("thanks", "1700000000101");
    expect(answers).toHaveLength(1);
    expect(answers[0]).not.toContain("this is Nudge");
    expect(sentTo("a:1personal-chat-id", since).filter((t) => t.includes('Say "privacy"'))).toHaveLength(1);
  });

  it("welcomes once when Teams sends two first activities at the same moment; staff get no student welcome", async () => {
    const chat = { conversationType: "personal", tenantId: "72f988bf-0000-4000-8000-000000000001", id: "a:1second-chat-id" };
    const since = connector.calls.length;
    await Promise.all([
      post(teamsInstallationUpdate(connector.serviceUrl, "add", { from: SECOND, conversation: chat })),
      post(teamsMembersAdded(connector.serviceUrl, { from: SECOND, conversation: { conversationType: "personal", id: chat.id } })),
      post(teamsMessage(connector.serviceUrl, "hello", { id: "1700000000201", from: SECOND, conversation: chat })),
    ]);
    const welcomes = sentTo(chat.id, since).filter((t) => t.includes('Say "privacy"'));
    expect(welcomes).toHaveLength(1);
    expect(await service.db.prisma.conversationReference.count({ where: { student: { studentNumber: "S0002" } } })).toBe(1);

    const staffSince = connector.calls.length;
    await post(teamsInstallationUpdate(connector.serviceUrl, "add", { from: STAFF, conversation: { ...chat, id: "a:1tutor-chat-id" } }));
    expect(sentTo("a:1tutor-chat-id", staffSince)).toEqual([]);
  });

  it('answers "privacy" and "what do you do with my data?" with the notice; "what data do you hold about me?" stays a request for a copy', async () => {
    const notice = noticeText(privacyNotice(noticeSettings(config)));
    const requestsBefore = await service.db.prisma.dataRequest.count();
    const repliesBefore = await service.db.prisma.reply.count();

    expect(await say("privacy", "1700000000301")).toEqual([notice]);
    expect(await say("What do you do with my data?", "1700000000302")).toEqual([notice]);
    expect(notice).toContain(`HOW NUDGE USES YOUR DATA (${INSTITUTION})`);
    expect(notice).toContain(CONTACT);
    expect(notice).toContain("- Email: emails to the email address in your student record");
    expect(await service.db.prisma.dataRequest.count()).toBe(requestsBefore);
    expect(await service.db.prisma.reply.count()).toBe(repliesBefore);
    const given = await service.db.prisma.auditLog.findMany({ where: { action: "privacy.notice", studentId }, orderBy: { id: "asc" } });
    expect(given.map((g) => g.details)).toEqual([
      { occasion: "first contact", channel: "teams" },
      { occasion: "asked", channel: "teams" },
      { occasion: "asked", channel: "teams" },
    ]);

    const copy = await say("what data do you hold about me?", "1700000000303");
    expect(copy).toHaveLength(1);
    expect(copy[0]).toMatch(/We've recorded your request for a copy of the data we hold about you \(reference DR-\d+\)/);
    expect(await service.db.prisma.dataRequest.count({ where: { studentId, kind: "access" } })).toBe(1);
  });
});
