/**
 * The morning digest job in its own process.
 * Usage: node --import tsx bench/digest.ts <database-url> <tutors> <tutees-per-tutor>
 *
 * Seeds <tutors> personal tutors with the Teams app installed, each with <tutees-per-tutor>
 * students with six weeks of daily engagement; a third of the students are flagged, with a nudge
 * waiting for the tutor. Then times the `tutor-digest` job (`sendDigests`) end to end: finding who
 * needs a look, reading and auditing each student shown, building the cards and queueing them in
 * the staff outbox; then the outbox pass that posts them through the bot's connector client to a
 * loopback stand-in for the Bot Connector. msPerTutor and cpuMsPerTutor cover both; jobMsPerTutor and
 * jobCpuMsPerTutor the job alone (the outbox pass has its own benchmark).
 */
import { createProactiveMessenger } from "../bot/index.ts";
import { createTeamsSender } from "../channels/index.ts";
import { dispatchStaffMessages } from "../delivery/index.ts";
import { sendDigests } from "../digest/index.ts";
import { openDatabase } from "../prisma/index.ts";
import { createLogger } from "../core/index.ts";
import { startFakeConnector } from "../test/helpers/fake-connector.ts";

const [url, tutorsArg, perTutorArg] = process.argv.slice(2);
if (!url || !tutorsArg || !perTutorArg) throw new Error("usage: digest.ts <database-url> <tutors> <tutees-per-tutor>");
const tutors = Number(tutorsArg);
const perTutor = Number(perTutorArg);
const students = tutors * perTutor;
const DAY_MS = 86_400_000;

const db = await openDatabase(url, { migrate: true });
const p = db.prisma;
const connector = await startFakeConnector();
const now = new Date();
const today = Math.floor(now.getTime() / DAY_MS);

let started = performance.now();
await p.rule.create({ data: { id: "no-vle-10-days", title: "No VLE activity for 10 days", enabled: true } });
await p.staff.createMany({
  data: Array.from({ length: tutors }, (_, t) => ({ id: t + 1, staffNumber: `T${String(t + 1).padStart(5, "0")}`, displayName: `Dr Tutor ${t + 1}` })),
});
await p.staffRoleAssignment.createMany({
  data: Array.from({ length: tutors }, (_, t) => ({ staffId: t + 1, role: "personal_tutor" as const, scopeKey: "personal_tutor" })),
});
await p.conversationReference.createMany({
  data: Array.from({ length: tutors }, (_, t) => {
    const conversation = { id: `a:tutor-${t + 1}`, conversationType: "personal", tenantId: "t" };
    return {
      staffId: t + 1,
      teamsUserId: `29:tutor-${t + 1}`,
      conversationId: conversation.id,
      serviceUrl: connector.serviceUrl,
      reference: { channelId: "msteams", serviceUrl: connector.serviceUrl, conversation, user: { id: `29:tutor-${t + 1}` }, bot: { id: "28:bot" } },
    };
  }),
});
for (let from = 0; from < students; from += 5_000) {
  const ids = Array.from({ length: Math.min(5_000, students - from) }, (_, i) => from + i + 1);
  await p.student.createMany({
    data: ids.map((id) => ({ id, studentNumber: `S${String(id).padStart(7, "0")}`, givenName: `Student${id}`, familyName: "Bench" })),
  });
  await p.tutorAssignment.createMany({
    data: ids.map((id) => ({ studentId: id, staffId: Math.ceil(id / perTutor), startDate: new Date(now.getTime() - 400 * DAY_MS) })),
  });
  const flagged = ids.filter((id) => id % 3 === 0);
  const evidence = {
    asOf: new Date(now.getTime() - DAY_MS).toISOString().slice(0, 10),
    rule: { id: "no-vle-10-days", version: 1, title: "No VLE activity for 10 days", condition: "vle_days_since_last >= 10" },
    metrics: { vle_days_since_last: { value: 12, unit: "days", window: "90 days", description: "days since the last VLE activity" } },
    sources: { vle: { lastDataDay: null, lastLoadedAt: null } },
    cohort: "bench",
  };
  await p.flag.createMany({
    data: flagged.map((id) => ({
      id,
      studentId: id,
      ruleId: "no-vle-10-days",
      ruleVersion: 1,
      periodKey: "bench",
      day: today - 1,
      state: "actioned" as const,
      evidence,
      raisedAt: now,
    })),
  });
  await p.intervention.createMany({
    data: flagged.map((id) => ({
      studentId: id,
      flagId: id,
      kind: "nudge" as const,
      state: "awaiting_approval" as const,
      channelOrder: ["teams"],
      body: `Hi Student${id}, we noticed you haven't been on the VLE for a while. Is everything OK?`,
      proposedBy: "rule:no-vle-10-days@1",
    })),
  });
  const rows: unknown[][] = [];
  for (const id of ids) for (let day = today - 42; day < today; day++) if ((id + day) % 3 !== 0) rows.push([id, day, "vle", 0, 5 + ((id * day) % 17), 0, 0, 0]);
  await db.sql.transaction((tx) =>
    tx.bulkInsert("EngagementDaily", ["studentId", "day", "source", "moduleInstanceKey", "count", "expected", "late", "missed"], rows),
  );
}
if (db.kind === "postgresql") await db.sql.execScript("ANALYZE");
const seedSeconds = (performance.now() - started) / 1000;

const teams = createTeamsSender(createProactiveMessenger({ appType: "MultiTenant" }, createLogger("silent")));
const cpuMsSince = (from: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1000;
};
const cpu = process.cpuUsage();
started = performance.now();
await sendDigests(db, now);
const jobSeconds = (performance.now() - started) / 1000;
const jobCpuMs = cpuMsSince(cpu);
const figures = await dispatchStaffMessages(db, { teams }, { owner: "bench", maxAttempts: 2 });
const seconds = (performance.now() - started) / 1000;
const cpuMs = cpuMsSince(cpu);
const cards = connector.calls
  .filter((c) => c.method === "POST" && c.body?.attachments?.length)
  .map((c) => Buffer.byteLength(JSON.stringify(c.body.attachments[0].content)));
const shown = await p.auditLog.count({ where: { action: "student.read" } });

await connector.close();
await db.close();
console.log(
  JSON.stringify({
    database: db.kind,
    tutors,
    students,
    seedSeconds: Math.round(seedSeconds * 10) / 10,
    seconds: Math.round(seconds * 100) / 100,
    msPerTutor: Math.round((seconds * 1000) / tutors),
    cpuMsPerTutor: Math.round((cpuMs / tutors) * 10) / 10,
    // The job alone (choosing, reading, auditing, building and queueing the cards), without the outbox pass.
    jobMsPerTutor: Math.round((jobSeconds * 1000 * 10) / tutors) / 10,
    jobCpuMsPerTutor: Math.round((jobCpuMs / tutors) * 10) / 10,
    cpuMsPerStudentShown: Math.round((cpuMs / Math.max(1, shown)) * 10) / 10,
    sent: figures.sent,
    studentsShown: shown,
    largestCardBytes: Math.max(0, ...cards),
    meanCardBytes: cards.length ? Math.round(cards.reduce((a, b) => a + b, 0) / cards.length) : 0,
  }),
);
