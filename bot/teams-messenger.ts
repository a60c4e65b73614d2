/**
 * Proactive sends over the Bot Framework adapter: the `TeamsMessenger` the Teams sender in
 * channels/ talks to. Errors from the Bot Connector propagate unchanged (with their HTTP status)
 * for the sender to classify.
 */
import type { Activity, CloudAdapter, ConversationReference, ResourceResponse, SendActivitiesHandler, TurnContext } from "botbuilder";
import type { TeamsMessenger } from "../channels/index.ts";

/** The parts of the connector's HTTP pipeline (@azure/core-rest-pipeline) used here. */
interface HttpPipeline {
  removePolicy(options: { phase?: string }): unknown;
  addPolicy(policy: { name: string; sendRequest(request: { abortSignal?: AbortSignal }, next: (request: object) => Promise<unknown>): Promise<unknown> }): void;
}

/** `appId` is "" in local mode (no credentials); the adapter needs it to pick the credentials. */
export function createTeamsMessenger(adapter: CloudAdapter, appId: string): TeamsMessenger {
  return {
    async sendToConversation(reference, activity, options = {}) {
      options.signal?.throwIfAborted();
      let sent: ResourceResponse | undefined;
      let failure: unknown;
      await adapter.continueConversationAsync(appId, reference as Partial<ConversationReference>, async (context) => {
        // Caught here, not thrown out of the turn: the adapter's onTurnError would otherwise
        // send the student an apology and swallow the error.
        try {
          tuneConnector(context, options.signal);
          context.onSendActivities(asNewMessages);
          // Attachments (Adaptive Cards) are passed through as the caller built them.
          sent = await context.sendActivity({ ...activity } as Partial<Activity>);
        } catch (error) {
          failure = error;
        }
      });
      if (failure !== undefined) throw failure;
      return { id: sent?.id ?? "" };
    },
  };
}

/**
 * Inside a continued conversation the turn's activity is a made-up "continue" event with its own
 * id, and sendActivity would post a reply to that id. A proactive message is a new message in
 * the conversation (POST /v3/conversations/:id/activities), so the reply id is dropped.
 */
const asNewMessages: SendActivitiesHandler = async (_context, activities, next) => {
  for (const outgoing of activities) delete outgoing.replyToId;
  return next();
};

/**
 * The connector client retries 429 and 5xx on its own (up to 3 times, honouring Retry-After).
 * Retries belong to the outbox: hidden ones would slip past our rate limiter and hold a send
 * for minutes. The SDK has no option for this, so its retry phase is removed from this turn's
 * client (a new client is made per turn), and the abort signal is attached to its requests.
 */
function tuneConnector(context: TurnContext, signal: AbortSignal | undefined): void {
  const connector = context.turnState.get(context.adapter.ConnectorClientKey) as { client?: { pipeline?: HttpPipeline } } | undefined;
  const pipeline = connector?.client?.pipeline;
  if (!pipeline) return;
  pipeline.removePolicy({ phase: "Retry" });
  if (signal) {
    pipeline.addPolicy({
      name: "nudgeAbortSignal",
      sendRequest: (request, next) => {
        request.abortSignal = signal;
        return next(request);
      },
    });
  }
}
