/** Messages to staff, queued for the staff outbox. */
export { queueStaffNotice, PRIORITY, type StaffNotice, type StaffRecipient } from "./queue.ts";
