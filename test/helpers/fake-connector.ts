/**
 * Plays the Bot Connector service on loopback: the activities the bot sends to Teams arrive here.
 * Only the cloud endpoint is faked; everything of ours runs for real.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ConnectorCall {
  method: string;
  path: string;
  body: any;
}

export interface FakeConnector {
  serviceUrl: string;
  calls: ConnectorCall[];
  close(): Promise<void>;
}

export async function startFakeConnector(): Promise<FakeConnector> {
  const calls: ConnectorCall[] = [];
  let next = 1;
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk));
    req.on("end", () => {
      calls.push({ method: req.method ?? "", path: req.url ?? "", body: raw ? JSON.parse(raw) : undefined });
      res.setHeader("content-type", "application/json");
      if (req.method === "POST" && req.url === "/v3/conversations") {
        res.end(JSON.stringify({ id: `a:conversation-${next++}` }));
      } else if (req.url?.includes("/pagedmembers")) {
        res.end(JSON.stringify({ members: [] }));
      } else {
        res.end(JSON.stringify({ id: `activity-${next++}` }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    serviceUrl: `http://127.0.0.1:${port}/`,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A 1:1 Teams chat message as Teams posts it to the bot (shape from recorded Teams traffic). */
export function teamsMessage(serviceUrl: string, text: string, overrides: Record<string, unknown> = {}) {
  return {
    type: "message",
    id: "1700000000001",
    timestamp: new Date().toISOString(),
    localTimestamp: new Date().toISOString(),
    localTimezone: "Europe/London",
    serviceUrl,
    channelId: "msteams",
    from: { id: "29:1student-teams-id", name: "A Student", aadObjectId: "6b1d2c9e-0000-4000-8000-00000000a001" },
    conversation: { conversationType: "personal", tenantId: "72f988bf-0000-4000-8000-000000000001", id: "a:1personal-chat-id" },
    recipient: { id: "28:00000000-0000-4000-8000-0000000000b0", name: "Nudge" },
    textFormat: "plain",
    locale: "en-GB",
    text,
    entities: [{ locale: "en-GB", country: "GB", platform: "Web", timezone: "Europe/London", type: "clientInfo" }],
    channelData: { tenant: { id: "72f988bf-0000-4000-8000-000000000001" } },
    ...overrides,
  };
}
