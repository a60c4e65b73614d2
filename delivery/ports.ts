/**
 * What every channel sender is, what it is given and how it fails. Only the outbox dispatcher
 * calls a sender (invariant 1); senders never touch the database.
 */
import type { ChannelName } from "../core/index.ts";

/** One message to one person (a student, or staff for the staff outbox) on one channel, already rendered and already allowed. */
export interface OutboundMessage {
  deliveryId: number;
  interventionId: number;
  recipient: {
    id: number;
    /** The student number, or the staff number for a message to staff. */
    studentNumber: string;
    /** E.164, for SMS. */
    mobile?: string | null;
    email?: string | null;
    /** For Teams: the stored conversation reference (Bot Framework `ConversationReference`). */
    teamsReference?: unknown;
  };
  /** Email subject (email only). */
  subject?: string;
  /** The message text for this channel (plain text; email renders its HTML part from it). */
  text: string;
  /** Teams: an Adaptive Card carrying the text and its buttons (the text is then not sent apart). */
  card?: object;
  /** Email: a calendar invitation (iCalendar) for a booked meeting. */
  calendar?: CalendarAttachment;
  /** Email: files sent with it (a student's copy of their data). */
  attachments?: { filename: string; content: string; contentType: string }[];
}

export interface CalendarAttachment {
  filename: string;
  content: string;
  method: "REQUEST" | "CANCEL";
}

export interface SendResult {
  /** The provider's id for the message: Twilio's MessageSid, the Message-ID, the Teams activity id. */
  providerMessageId: string;
}

/**
 * - `retryable`: try again later (429, 5xx, timeouts); `retryAfterMs` honours the provider's Retry-After.
 * - `unavailable`: this channel cannot reach this student (no Teams conversation, app uninstalled or
 *   blocked, SMS opted out at the carrier, address rejected): fall back to the next channel.
 * - `permanent`: this message will never be accepted as it is (e.g. a malformed number): fall back.
 */
export type FailureKind = "retryable" | "unavailable" | "permanent";

export class ChannelFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly detail: { retryAfterMs?: number; providerCode?: string | number; status?: number } = {},
  ) {
    super(message);
    this.name = "ChannelFailure";
  }
}

export interface ChannelSender {
  readonly channel: ChannelName;
  /** Resolves with the provider's id once the provider accepted the message; throws ChannelFailure. */
  send(message: OutboundMessage): Promise<SendResult>;
  /** Releases pooled connections. */
  close?(): Promise<void>;
}

/** One email to a member of staff or a staff mailbox: plain text, no unsubscribe (it is their work). */
export interface StaffEmailSender {
  send(message: { id: number; to: { name?: string; address: string }; subject: string; text: string; calendar?: CalendarAttachment }): Promise<SendResult>;
  close(): Promise<void>;
}

/** How long a sender waits for a provider before treating the attempt as a (retryable) timeout. */
export const PROVIDER_TIMEOUT_MS = 15_000;
