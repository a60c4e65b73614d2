-- AlterTable
ALTER TABLE "Meeting" ADD COLUMN "outcomeRecordedById" INTEGER;
ALTER TABLE "Meeting" ADD COLUMN "outcomeRequestedAt" DATETIME;
ALTER TABLE "Meeting" ADD COLUMN "tutorNotifiedAt" DATETIME;

-- CreateTable
CREATE TABLE "TutorDigest" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "staffId" INTEGER NOT NULL,
    "studentIds" JSONB NOT NULL,
    "trigger" TEXT NOT NULL,
    "conversationId" TEXT,
    "activityId" TEXT,
    "sentAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "TutorDigest_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "TutorDigest_staffId_sentAt_idx" ON "TutorDigest"("staffId", "sentAt");

