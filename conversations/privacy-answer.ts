/**
 * "Who can see my data?", "how long do you keep it?", "does this affect my marks?": answered from
 * the privacy notice, which is generated from the permission matrix and the retention settings,
 * so the answer cannot say one thing while the service does another.
 */

import type { ChannelName } from "../core/index.ts";
import { say } from "../core/index.ts";
import { privacySummary } from "../privacy/index.ts";
import type { ConversationSettings } from "./settings.ts";

export function privacyAnswer(settings: Pick<ConversationSettings, "privacy" | "publicBaseUrl">, channel: ChannelName): string {
  if (channel === "sms") {
    const url = settings.publicBaseUrl ? `${settings.publicBaseUrl.replace(/\/+$/, "")}/privacy` : "ask the Student Centre";
    return say("privacy_answer_sms", { notice_url: url });
  }
  const { who, retention } = privacySummary(settings.privacy);
  return say("privacy_answer", { who, retention, privacy_contact: settings.privacy.privacyContact });
}
