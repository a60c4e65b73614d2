/**
 * `GET /privacy`: the privacy notice as a page (POLICY P6), rendered once from the configuration.
 * Self-contained: no scripts, fonts, images or requests to other sites.
 */
import type restify from "restify";
import { noticeHtml, privacyNotice, type PrivacyNoticeSettings } from "../privacy/index.ts";
import type { ConversationSettings } from "../conversations/index.ts";
import type { ReferralSettings } from "../referrals/index.ts";
import type { Config } from "./config.ts";

const PAGE_HEADERS = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "public, max-age=300",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

/** What the notice is generated from, out of the service's configuration. */
export function noticeSettings(config: Config): PrivacyNoticeSettings {
  return {
    institutionName: config.privacy.institutionName,
    privacyContact: config.privacy.contact,
    channels: config.channels,
    retention: { contactDays: config.retention.contactDays, anonymiseDays: config.retention.anonymiseDays },
    rawActivityDays: config.xapi.retentionDays,
  };
}

export function registerPrivacyRoutes(server: restify.Server, settings: PrivacyNoticeSettings): void {
  const html = noticeHtml(privacyNotice(settings));
  server.get("/privacy", async (_req, res) => {
    res.sendRaw(200, html, PAGE_HEADERS);
  });
}

/** How students' messages are answered and who is alerted, out of the service's configuration. */
/** Where referrals and escalations go, with what their email links need. */
export function referralSettings(config: Config): ReferralSettings {
  return {
    destinations: config.referrals.destinations,
    remindHours: config.referrals.remindHours,
    publicBaseUrl: config.publicBaseUrl,
    linkSecret: config.linkSecret,
    timezone: config.timezone,
  };
}

export function conversationSettings(config: Config): ConversationSettings {
  return {
    privacy: noticeSettings(config),
    publicBaseUrl: config.publicBaseUrl,
    safeguarding: {
      contacts: config.safeguarding.contacts,
      escalationContacts: config.safeguarding.escalationContacts,
      escalateMinutes: config.safeguarding.escalateMinutes,
      crisisLines: config.safeguarding.crisisLines,
      wellbeingContact: config.safeguarding.wellbeingContact,
      securityContact: config.safeguarding.securityContact,
      timezone: config.timezone,
      workingHours: config.workingHours,
      publicBaseUrl: config.publicBaseUrl,
      linkSecret: config.linkSecret,
    },
  };
}
