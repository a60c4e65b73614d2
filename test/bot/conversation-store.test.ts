import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeamsBot } from "../../bot/index.ts";
import { createApp } from "../../app/index.ts";
import { markConversationUnavailable } from "../../contacts/teams-availability.ts";
import { createTeamsSender } from "../../channels/teams-sender.ts";
import { parseConfig } from "../../server/config.ts";
import { createLogger } from "../../core/index.ts";
import { startService, type RunningService } from "../../server/service.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { startFakeConnector, teamsInstallationUpdate, teamsMembersAdded, teamsMessage, type FakeConnector } from "../helpers/fake-connector.ts";

const TENANT = "72f988bf-0000-4000-8000-000000000001";
const BOT = "28:00000000-0000-4000-8000-0000000000b0";
/** The student of `teamsMessage`: Teams sends the object id in whatever case Entra has it. */
const STUDENT = { id: "29:1student-teams-id", name: "A Student", aadObjectId: "6B1D2C9E-0000-4000-8000-00000000A001" };
const STAFF = { id: "29:1tutor-teams-id", name: "A Tutor", aadObjectId: "0f8fad5b-d9cb-469f-a165-70867728950e" };
const STRANGER = { id: "29:1stranger-teams-id", name: "Someone Else", aadObjectId: "11111111-2222-4333-8444-555555555555" };
const STUDENT_CHAT = "a:1personal-chat-id";
const STAFF_CHAT = "a:1tutor-chat-id";

describe("remembering 1:1 Teams conversations from activities posted to the running service", () => {
  const database = useMigratedDatabase();
  let connector: FakeConnector;
  let service: RunningService;
  let studentId: number;
  let staffId: number;

  const post = async (activity: object) => {
    const response = await fetch(`http://127.0.0.1:${service.port}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(activity),
    });
    expect(response.status).toBe(200);
  };
  const rows = () => service.db.prisma.conversationReference.findMany({ orderBy: { id: "asc" } });
  const rowOf = (teamsUserId: string) => service.db.prisma.conversationReference.findUnique({ where: { teamsUserId } });

  beforeAll(async () => {
    connector = await startFakeConnector();
    const config = parseConfig({ PORT: "0", HOST: "127.0.0.1", DATABASE_URL: database.url, LOG_LEVEL: "silent" });
    service = await startService(config, createLogger("silent"));
    const { prisma } = service.db;
    // Ingest stores object ids in lower case.
    studentId = (await prisma.student.create({ data: { studentNumber: "S0001", givenName: "Ada", entraObjectId: STUDENT.aadObjectId.toLowerCase() } })).id;
    staffId = (await prisma.staff.create({ data: { staffNumber: "T01", displayName: "Dr Katherine Johnson", entraObjectId: STAFF.aadObjectId } })).id;
  });
  afterAll(async () => {
    await service?.stop();
    await connector?.close();
  });

  it("stores a student's conversation when they install the app, matching the object id in any case", async () => {
    await post(teamsInstallationUpdate(connector.serviceUrl, "add", { from: STUDENT }));

    const row = await rowOf(STUDENT.id);
    expect(row).toMatchObject({
      studentId,
      staffId: null,
      conversationId: STUDENT_CHAT,
      serviceUrl: connector.serviceUrl,
      tenantId: TENANT,
      unavailableAt: null,
      unavailableReason: null,
    });
    expect(row!.reference).toMatchObject({
      channelId: "msteams",
      serviceUrl: connector.serviceUrl,
      conversation: { id: STUDENT_CHAT, conversationType: "personal", tenantId: TENANT },
      user: { id: STUDENT.id, aadObjectId: STUDENT.aadObjectId },
      bot: { id: BOT },
    });
  });

  it("the stored reference is enough to message the student later", async () => {
    const row = await rowOf(STUDENT.id);
    const bot = createTeamsBot({ appType: "MultiTenant" }, createLogger("silent"), createApp(service.db));
    const calls = connector.calls.length;
    const result = await createTeamsSender(bot.messenger).send({
      deliveryId: 1,
      interventionId: 1,
      recipient: { id: studentId, studentNumber: "S0001", teamsReference: row!.reference },
      text: "Hi Ada, a quick check-in from your tutor.",
    });

    const sent = connector.calls.slice(calls);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      method: "POST",
      path: `/v3/conversations/${encodeURIComponent(STUDENT_CHAT)}/activities`,
      body: { text: "Hi Ada, a quick check-in from your tutor." },
    });
    expect(result.providerMessageId).toBe(`${STUDENT_CHAT}|${sent[0]!.response.id}`);
  });

  it("a send refused by Teams marks the conversation unavailable; the student's next message makes it available again", async () => {
    expect(await markConversationUnavailable(service.db.prisma, studentId, "Teams answered 403: ConversationBlockedByUser")).toBe(true);
    expect(await rowOf(STUDENT.id)).toMatchObject({ unavailableAt: expect.any(Date), unavailableReason: "Teams answered 403: ConversationBlockedByUser" });

    const calls = connector.calls.length;
    await post(teamsMessage(connector.serviceUrl, "hello", { from: STUDENT }));
    expect(await rowOf(STUDENT.id)).toMatchObject({ studentId, unavailableAt: null, unavailableReason: null });
    // The bot still answers (a student's message is recorded as a reply and acknowledged).
    expect(connector.calls.slice(calls).some((c) => c.method === "POST" && typeof c.body?.text === "string" && c.body.text.length > 0)).toBe(true);
  });

  it("uninstalling marks the conversation unavailable, reinstalling makes it available again", async () => {
    await post(teamsInstallationUpdate(connector.serviceUrl, "remove", { from: STUDENT }));
    expect(await rowOf(STUDENT.id)).toMatchObject({ studentId, unavailableAt: expect.any(Date), unavailableReason: "uninstalled" });

    await post(teamsInstallationUpdate(connector.serviceUrl, "add", { from: STUDENT }));
    expect(await rowOf(STUDENT.id)).toMatchObject({ studentId, unavailableAt: null, unavailableReason: null });
  });

  it("stores a member of staff's conversation from the bot being added to their personal scope", async () => {
    await post(teamsMembersAdded(connector.serviceUrl, { from: STAFF, conversation: { conversationType: "personal", id: STAFF_CHAT } }));

    const row = await rowOf(STAFF.id);
    // Teams leaves tenantId out of this conversation; it comes from channelData.
    expect(row).toMatchObject({
      staffId,
      studentId: null,
      conversationId: STAFF_CHAT,
      serviceUrl: connector.serviceUrl,
      tenantId: TENANT,
      unavailableAt: null,
    });
    expect(row!.reference).toMatchObject({ conversation: { id: STAFF_CHAT }, user: { id: STAFF.id } });
  });

  it("stores nothing for someone who is neither a student nor staff, and still answers them", async () => {
    const before = await rows();
    const calls = connector.calls.length;
    await post(
      teamsInstallationUpdate(connector.serviceUrl, "add", {
        from: STRANGER,
        conversation: { conversationType: "personal", tenantId: TENANT, id: "a:1stranger-chat" },
      }),
    );
    await post(
      teamsMessage(connector.serviceUrl, "hi", { from: STRANGER, conversation: { conversationType: "personal", tenantId: TENANT, id: "a:1stranger-chat" } }),
    );

    expect(await rowOf(STRANGER.id)).toBeNull();
    expect(await rows()).toEqual(before);
    expect(connector.calls.slice(calls).some((c) => c.path.startsWith(`/v3/conversations/${encodeURIComponent("a:1stranger-chat")}/activities`))).toBe(true);
  });

  it("ignores group chats and channels: only the 1:1 conversation is kept", async () => {
    const before = await rows();
    await post(
      teamsMessage(connector.serviceUrl, "hello all", {
        from: STUDENT,
        conversation: { conversationType: "groupChat", isGroup: true, tenantId: TENANT, id: "19:group-chat@thread.v2" },
      }),
    );
    await post(
      teamsInstallationUpdate(connector.serviceUrl, "add", {
        from: STUDENT,
        conversation: { conversationType: "channel", isGroup: true, tenantId: TENANT, id: "19:general@thread.tacv2" },
      }),
    );
    expect(await rows()).toEqual(before);
  });

  it("a conversation under a new Teams user id (a new app registration) replaces the student's old one", async () => {
    const renewed = { ...STUDENT, id: "29:1student-new-registration" };
    await post(
      teamsInstallationUpdate(connector.serviceUrl, "add", {
        from: renewed,
        conversation: { conversationType: "personal", tenantId: TENANT, id: "a:1new-chat" },
      }),
    );

    const forStudent = (await rows()).filter((r) => r.studentId === studentId);
    expect(forStudent).toEqual([expect.objectContaining({ teamsUserId: renewed.id, conversationId: "a:1new-chat" })]);
    expect(await rowOf(STUDENT.id)).toBeNull();
  });
});
