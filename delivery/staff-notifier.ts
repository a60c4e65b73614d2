/**
 * Messages to staff: digest and meeting cards in their 1:1 Teams chat with the bot, and calendar
 * invitations by email. Students are only ever reached through the outbox (DESIGN invariant 1);
 * staff messages carry no student's message and need no send-time checks, so they go directly.
 */
import type { Database } from "../prisma/index.ts";
import { smtpTransport, type EmailSenderSettings } from "../channels/index.ts";
import { teamsActivity, type TeamsMessenger } from "../channels/index.ts";
import type { CalendarAttachment } from "./ports.ts";

export interface StaffTeamsMessage {
  text?: string;
  card?: object;
}

export interface StaffNotifier {
  /** Posts into the staff member's chat with the bot; null when they have not installed the app. */
  teams(staffId: number, message: StaffTeamsMessage): Promise<{ conversationId: string; activityId: string; teamsUserId: string } | null>;
  /** Sends an email; false when the staff member has no address or email is not configured. */
  email(staffId: number, message: { subject: string; text: string; calendar?: CalendarAttachment }): Promise<boolean>;
  close(): Promise<void>;
}

export function createStaffNotifier(db: Database, messenger: TeamsMessenger | undefined, smtp: Pick<EmailSenderSettings, "host" | "port" | "secure" | "from" | "ignoreTLS" | "user" | "password" | "timeoutMs" | "replyTo"> | undefined): StaffNotifier {
  const transport = smtp ? smtpTransport(smtp as EmailSenderSettings) : undefined;
  return {
    async teams(staffId, message) {
      if (!messenger) return null;
      const conversation = await db.prisma.conversationReference.findUnique({ where: { staffId }, select: { reference: true, conversationId: true, teamsUserId: true, unavailableAt: true } });
      if (!conversation || conversation.unavailableAt) return null;
      const { id } = await messenger.sendToConversation(conversation.reference, teamsActivity(message));
      return { conversationId: conversation.conversationId, activityId: id, teamsUserId: conversation.teamsUserId };
    },
    async email(staffId, message) {
      if (!transport || !smtp) return false;
      const staff = await db.prisma.staff.findUnique({ where: { id: staffId }, select: { email: true, displayName: true } });
      if (!staff?.email) return false;
      await transport.sendMail({
        from: smtp.from,
        to: { name: staff.displayName, address: staff.email },
        subject: message.subject,
        text: message.text,
        ...(message.calendar ? { icalEvent: { method: message.calendar.method, filename: message.calendar.filename, content: message.calendar.content } } : {}),
      });
      return true;
    },
    async close() {
      transport?.close();
    },
  };
}
