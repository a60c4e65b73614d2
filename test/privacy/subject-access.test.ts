/**
 * A student's request for a copy of their data, from the message that asks for it to the email
 * that carries it (a real SMTP server on loopback), under both delivery settings; and the staff
 * side through the real CLI: listing, refusing a tutor, handing the copy over as files.
 */
import type { ChannelName } from "../../core/index.ts";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmailSender } from "../../channels/email-sender.ts";
import { dispatchDue } from "../../delivery/outbox.ts";
import type { ChannelSender } from "../../delivery/ports.ts";
import { deliverDataCopies, queueDataCopy } from "../../privacy/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { runNudge } from "../helpers/processes.ts";
import { TestSmtpServer } from "../helpers/smtp-sink.ts";
import { buildWorld, healthy } from "../rules/world.ts";
import { receiveStudentMessage } from "../../conversations/index.ts";

const RULES = { weeklyCap: 3, expiryDays: 7, maxAttempts: 1 } as const;

describe("subject access: a copy of one's data", () => {
  const database = useMigratedDatabase();
  const db = () => database.db;
  const smtp = new TestSmtpServer();
  let senders: Map<ChannelName, ChannelSender>;
  const ids = new Map<string, number>();
  const cli = (args: string[]) => runNudge(args, { DATABASE_URL: database.url, LOG_LEVEL: "silent" });
  const ask = async (number: string) => {
    const outcome = await receiveStudentMessage(
      db(),
      { studentId: ids.get(number)!, channel: "teams", text: "what data do you hold about me?" },
      { answerInline: true },
    );
    expect(outcome.classification).toBe("data_copy");
    return (await db().prisma.dataRequest.findFirstOrThrow({ where: { studentId: ids.get(number)! }, orderBy: { id: "desc" } })).id;
  };
  const dispatch = () => dispatchDue(db(), senders, { owner: "test", rules: RULES, maxAttempts: 1 });

  beforeAll(async () => {
    await smtp.start();
    senders = new Map([
      [
        "email",
        createEmailSender({
          host: "127.0.0.1",
          port: smtp.port,
          secure: false,
          ignoreTLS: true,
          from: "Student Success <nudge@example.ac.uk>",
          publicBaseUrl: "https://nudge.example.ac.uk/",
          linkSecret: "subject-access-link-secret-0123456789",
          timeoutMs: 5_000,
        }),
      ],
    ]);
    const world = await buildWorld(
      db(),
      ["S1", "S2", "S3"].map((number) => ({ number, programme: "XA", year: 1, activity: healthy() })),
    );
    for (const [number, id] of world.ids) ids.set(number, id);
    for (const n of ["S1", "S2"])
      await db().prisma.student.update({
        where: { id: ids.get(n)! },
        data: { email: `${n.toLowerCase()}@student.example.ac.uk`, givenName: n === "S1" ? "Priya" : "Tom" },
      });
  });

  afterAll(async () => {
    await Promise.all([...senders.values()].map((s) => s.close?.()));
    await smtp.stop();
  });

  it("with email delivery, sends the copy as JSON and HTML attachments, then completes the request", async () => {
    const requestId = await ask("S1");
    expect(await deliverDataCopies(db(), "email")).toMatchObject({ queued: 1, completed: 0 });
    expect(await db().prisma.dataRequest.findUniqueOrThrow({ where: { id: requestId } })).toMatchObject({ state: "in_progress" });
    expect(await dispatch()).toMatchObject({ sent: 1 });

    const mail = smtp.received.find((m) => m.rcptTo.includes("s1@student.example.ac.uk"))!;
    expect(mail.parsed.subject).toBe("A copy of the data we hold about you");
    expect(mail.parsed.text).toContain(`DR-${requestId}`);
    const files = Object.fromEntries(mail.parsed.attachments.map((a) => [a.filename, a.content.toString("utf8")]));
    const copy = JSON.parse(files["nudge-data-S1.json"]!);
    expect(copy).toMatchObject({ format: "nudge-subject-access/1", studentNumber: "S1" });
    // Built when sent: it already holds the request and the reply that asked for it.
    expect(copy.sections.DataRequest).toEqual([expect.objectContaining({ id: requestId, kind: "access" })]);
    expect(copy.sections.Reply.map((r: { text: string }) => r.text)).toContain("what data do you hold about me?");
    expect(files["nudge-data-S1.html"]).toContain("<table");

    expect(await deliverDataCopies(db(), "email")).toMatchObject({ queued: 0, completed: 1 });
    expect(await db().prisma.dataRequest.findUniqueOrThrow({ where: { id: requestId } })).toMatchObject({ state: "completed" });
    expect(await db().prisma.auditLog.count({ where: { action: "student.export", studentId: ids.get("S1")!, actorId: "outbox" } })).toBe(1);
  });

  it("leaves a request to staff when the student has no email address, or when delivery is by staff", async () => {
    const noEmail = await ask("S3");
    const byStaff = await ask("S2");
    expect(await deliverDataCopies(db(), "staff")).toMatchObject({ queued: 0, waitingForStaff: 2 });
    expect(await deliverDataCopies(db(), "email")).toMatchObject({ queued: 1, waitingForStaff: 1 });
    await expect(queueDataCopy(db(), noEmail, { kind: "system", component: "test" }, null)).rejects.toThrow(/no email address on record/);
    expect(await db().prisma.dataRequest.findUniqueOrThrow({ where: { id: byStaff } })).toMatchObject({ state: "in_progress" });
    await dispatch();
    await deliverDataCopies(db(), "email");
  });

  it("puts a copy whose email failed back to staff, and does not try it again on its own", async () => {
    const requestId = await ask("S2");
    expect(await deliverDataCopies(db(), "email")).toMatchObject({ queued: 1 });
    smtp.rcptReply = { code: 550, text: "mailbox unavailable" };
    try {
      await dispatch();
    } finally {
      smtp.rcptReply = null;
    }
    expect(await deliverDataCopies(db(), "email")).toMatchObject({ failed: 1, queued: 0 });
    const request = await db().prisma.dataRequest.findUniqueOrThrow({ where: { id: requestId } });
    expect(request.state).toBe("received");
    expect(request.note).toMatch(/could not be sent/);
    expect(await deliverDataCopies(db(), "email")).toMatchObject({ queued: 0 });
  });

  it("staff list open requests and hand a copy over as files; a tutor is refused and it is audited", async () => {
    const open = await db().prisma.dataRequest.findFirstOrThrow({ where: { state: "received", student: { studentNumber: "S3" } } });
    const listed = await cli(["requests", "list", "--as", "A0001", "--json"]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).requests).toEqual(
      expect.arrayContaining([expect.objectContaining({ reference: `DR-${open.id}`, student: "S3", state: "received", overdue: false })]),
    );

    const refused = await cli(["requests", "fulfil", `DR-${open.id}`, "--as", "T0001", "--send"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/T0001 may not student.export/);
    expect(await db().prisma.auditLog.count({ where: { actorId: "T0001", action: "access.refused", studentId: ids.get("S3")! } })).toBe(1);

    const neither = await cli(["requests", "fulfil", `DR-${open.id}`, "--as", "A0001"]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/--send .* or --out/);

    const out = join(mkdtempSync(join(tmpdir(), "nudge-sar-")), "copy.json");
    const handed = await cli(["requests", "fulfil", `DR-${open.id}`, "--as", "A0001", "--out", out]);
    expect(handed.code, handed.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8"))).toMatchObject({ studentNumber: "S3" });
    expect(await db().prisma.dataRequest.findUniqueOrThrow({ where: { id: open.id } })).toMatchObject({
      state: "completed",
      note: "copy written for hand-over by A0001",
    });
    const again = await cli(["requests", "fulfil", `DR-${open.id}`, "--as", "A0001", "--out", out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already completed/);
  });
});
