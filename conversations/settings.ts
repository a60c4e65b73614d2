/** What answering students needs from the configuration: who is alerted, and what the privacy notice says. */
import { DEFAULT_NOTICE_SETTINGS, type PrivacyNoticeSettings } from "../privacy/index.ts";
import { defaultSafeguardingSettings, type SafeguardingSettings } from "../safeguarding/index.ts";

export interface ConversationSettings {
  safeguarding: SafeguardingSettings;
  privacy: PrivacyNoticeSettings;
  /** The service's address, for the privacy notice link in SMS answers. */
  publicBaseUrl?: string;
}

export function defaultConversationSettings(): ConversationSettings {
  return { safeguarding: defaultSafeguardingSettings(), privacy: DEFAULT_NOTICE_SETTINGS };
}
