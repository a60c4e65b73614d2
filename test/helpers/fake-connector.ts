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
  /** What the connector answered; "hang" when it never did. */
  status: number | "hang";
  response?: any;
  /** A hung request whose client gave up and closed the connection. */
  abandoned?: boolean;
}

/**
 * A scripted answer to the next send into a conversation: an HTTP error in the Bot Connector's
 * shape (`{ error: { code, message } }`), or no answer at all.
 */
export type ConnectorResponse = { status: number; retryAfter?: string; code?: string } | { hang: true };

export interface FakeConnector {
  serviceUrl: string;
  calls: ConnectorCall[];
  /** Queues answers for the next POSTs to /v3/conversations/:id/activities, in order; then it succeeds again. */
  failNext(...responses: ConnectorResponse[]): void;
  close(): Promise<void>;
}

/** Teams' error codes for the statuses tests use most. */
const TEAMS_CODES: Record<number, string> = { 403: "ConversationBlockedByUser", 404: "ConversationNotFound", 412: "PreconditionFailed", 429: "Throttled" };
const SEND_TO_CONVERSATION = /^\/v3\/conversations\/[^/]+\/activities$/;

export async function startFakeConnector(): Promise<FakeConnector> {
  const calls: ConnectorCall[] = [];
  const scripted: ConnectorResponse[] = [];
  let next = 1;
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk));
    req.on("end", () => {
      const call: ConnectorCall = { method: req.method ?? "", path: req.url ?? "", body: raw ? JSON.parse(raw) : undefined, status: 200 };
      calls.push(call);
      const answer = req.method === "POST" && SEND_TO_CONVERSATION.test(req.url ?? "") ? scripted.shift() : undefined;
      if (answer && "hang" in answer) {
        call.status = "hang";
        res.on("close", () => (call.abandoned = true));
        return;
      }
      const reply = (status: number, body: unknown) => {
        Object.assign(call, { status, response: body });
        res.statusCode = status;
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(body));
      };
      if (answer) {
        if (answer.retryAfter !== undefined) res.setHeader("retry-after", answer.retryAfter);
        reply(answer.status, { error: { code: answer.code ?? TEAMS_CODES[answer.status] ?? "ServiceError", message: `scripted ${answer.status}` } });
      } else if (req.method === "POST" && req.url === "/v3/conversations") {
        reply(200, { id: `a:conversation-${next++}` });
      } else if (req.url?.includes("/pagedmembers")) {
        reply(200, { members: [] });
      } else {
        reply(200, { id: `activity-${next++}` });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    serviceUrl: `http://127.0.0.1:${port}/`,
    calls,
    failNext: (...responses) => void scripted.push(...responses),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Hung requests keep their sockets open; close would wait for them forever.
        server.closeAllConnections();
      }),
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

/** The app installed ("add") or uninstalled ("remove") in a 1:1 chat (shape from Teams' installationUpdate schema). */
export function teamsInstallationUpdate(
  serviceUrl: string,
  action: "add" | "remove" | "add-upgrade" | "remove-upgrade",
  overrides: Record<string, unknown> = {},
) {
  const { text: _text, textFormat: _format, localTimestamp: _local, ...base } = teamsMessage(serviceUrl, "");
  return {
    ...base,
    type: "installationUpdate",
    id: "f:3033745319439849398",
    action,
    channelData: { ...base.channelData, source: { name: "message" } },
    ...overrides,
  };
}

/**
 * The bot added to a user's personal scope: Teams lists the bot and the user as added, and the
 * conversation carries no tenantId (it is in channelData) (shape from Teams' conversationUpdate schema).
 */
export function teamsMembersAdded(serviceUrl: string, overrides: Record<string, unknown> = {}) {
  const { text: _text, textFormat: _format, localTimestamp: _local, entities: _entities, ...base } = teamsMessage(serviceUrl, "");
  const from = (overrides.from as typeof base.from | undefined) ?? base.from;
  return {
    ...base,
    type: "conversationUpdate",
    id: "f:5f85c2ad",
    membersAdded: [{ id: base.recipient.id }, { id: from.id, aadObjectId: from.aadObjectId }],
    conversation: { conversationType: "personal", id: base.conversation.id },
    ...overrides,
  };
}

/**
 * A button on one of our cards pressed in Teams: an `adaptiveCard/action` invoke carrying the
 * `Action.Execute` verb and data (inputs merged in), as recorded Teams traffic shows it.
 */
export function teamsCardAction(serviceUrl: string, verb: string, data: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  const { text: _text, textFormat: _format, ...base } = teamsMessage(serviceUrl, "");
  return {
    ...base,
    type: "invoke",
    name: "adaptiveCard/action",
    id: `f:invoke-${Math.random().toString(36).slice(2)}`,
    replyToId: "1700000000100",
    value: { action: { type: "Action.Execute", verb, data }, trigger: "manual" },
    ...overrides,
  };
}

/** Every text a message shows: its text, and the TextBlocks and RichTextBlock runs of its cards. */
export function shownText(activity: any): string {
  const parts: string[] = [];
  const walk = (node: any) => {
    if (!node || typeof node !== "object") return;
    if (Array.isArray(node)) return node.forEach(walk);
    if ((node.type === "TextBlock" || node.type === "TextRun") && typeof node.text === "string") parts.push(node.text);
    if (node.type === "FactSet" && Array.isArray(node.facts)) for (const fact of node.facts) parts.push(`${fact.title}: ${fact.value}`);
    if (typeof node.title === "string" && typeof node.type === "string" && node.type.startsWith("Action.")) parts.push(`[${node.title}]`);
    for (const value of Object.values(node)) walk(value);
  };
  if (typeof activity?.text === "string") parts.push(activity.text);
  for (const attachment of activity?.attachments ?? []) walk(attachment.content);
  return parts.join("\n");
}

/** The `Action.Execute` buttons of a card: title, verb, data. */
export function cardActions(card: any): { title: string; verb: string; data: Record<string, unknown> }[] {
  const found: { title: string; verb: string; data: Record<string, unknown> }[] = [];
  const walk = (node: any) => {
    if (!node || typeof node !== "object") return;
    if (Array.isArray(node)) return node.forEach(walk);
    if (node.type === "Action.Execute" && node.verb !== "digest.refresh") found.push({ title: node.title, verb: node.verb, data: node.data ?? {} });
    for (const value of Object.values(node)) walk(value);
  };
  walk(card);
  return found;
}
