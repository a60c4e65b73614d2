/**
 * Generated Bot Framework activities at /api/messages (local mode, so every one reaches our
 * handlers): well-formed and not, with text, people, conversations and card data of every shape.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, it } from "vitest";
import { teamsMessage } from "../helpers/fake-connector.ts";
import { checkHostile } from "./budget.ts";
import { expectHandled, expectStillReady, startHostileService, STUDENT, type HostileService } from "./service.ts";

describe("hostile Bot Framework activities", () => {
  let hostile: HostileService;
  beforeAll(async () => {
    hostile = await startHostileService();
  }, 60_000);
  afterAll(() => hostile?.stop());

  const text = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.string({ unit: "grapheme", maxLength: 300 }),
    fc.constantFrom("help", "stop", "why", "digest now", "student 1", "rules", "dry run x"),
  );
  const person = fc.oneof(
    fc.constant({ id: "29:1student", name: "Hana", aadObjectId: STUDENT.aad }),
    fc.record({ id: fc.string(), name: fc.string(), aadObjectId: fc.oneof(fc.uuid(), fc.string()) }),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const activity = fc.record(
    {
      type: fc.oneof(
        fc.constantFrom("message", "invoke", "conversationUpdate", "installationUpdate", "messageReaction", "typing", "event"),
        fc.string({ maxLength: 20 }),
      ),
      text: fc.oneof(text, fc.jsonValue({ maxDepth: 2 })),
      from: person,
      conversation: fc.oneof(fc.constant({ conversationType: "personal", id: "a:1hostile-chat", tenantId: "t" }), fc.jsonValue({ maxDepth: 2 })),
      name: fc.oneof(fc.constant("adaptiveCard/action"), fc.string({ maxLength: 30 })),
      value: fc.jsonValue({ maxDepth: 4 }),
      action: fc.constantFrom("add", "remove", "other"),
      membersAdded: fc.jsonValue({ maxDepth: 2 }),
      timestamp: fc.oneof(
        fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? "not a date" : d.toISOString())),
        fc.string(),
      ),
    },
    { requiredKeys: ["type"] },
  );

  it("answers every activity without a 5xx, promptly, and stays ready", async () => {
    await checkHostile(
      "Bot Framework activities",
      "no 5xx, bounded time",
      activity,
      async (generated) => {
        const body = JSON.stringify({ ...teamsMessage(hostile.connector.serviceUrl, "x"), ...generated });
        // 501 is the Bot Framework's own answer to an invoke nobody handles (the protocol's "not implemented").
        const allowed = generated.type === "invoke" ? [200, 400, 404, 501] : [200, 201, 202, 204, 400, 404];
        expectHandled(await hostile.post("/api/messages", body, { "content-type": "application/json" }), allowed);
      },
      { ciBudget: 100, share: 0.5 },
    );
    await expectStillReady(hostile);
  });

  it("answers bodies that are not activities at all with 400", async () => {
    await checkHostile(
      "Bot Framework activities",
      "non-activities refused",
      fc.oneof(
        fc
          .jsonValue({ maxDepth: 3 })
          .filter((v) => typeof v !== "object" || v === null || Array.isArray(v) || typeof (v as { type?: unknown }).type !== "string"),
        fc.string(),
      ),
      async (body) => {
        expectHandled(await hostile.post("/api/messages", JSON.stringify(body), { "content-type": "application/json" }), [400]);
      },
      { ciBudget: 100, share: 0.3 },
    );
    await expectStillReady(hostile);
  });
});
