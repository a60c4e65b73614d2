-- AlterTable
ALTER TABLE "Staff" ADD COLUMN "officeLocation" TEXT;

-- AlterTable
ALTER TABLE "Meeting" ADD COLUMN "outcomeNote" TEXT;

-- CreateTable
CREATE TABLE "ReferralCase" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "interventionId" INTEGER NOT NULL,
    "studentId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "destination" TEXT NOT NULL,
    "note" TEXT,
    "referredById" INTEGER,
    "state" TEXT NOT NULL DEFAULT 'open',
    "acknowledgedAt" DATETIME,
    "acknowledgedBy" TEXT,
    "outcome" TEXT,
    "outcomeNote" TEXT,
    "closedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ReferralCase_interventionId_fkey" FOREIGN KEY ("interventionId") REFERENCES "Intervention" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "ReferralCase_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "ReferralCase_interventionId_key" ON "ReferralCase"("interventionId");

-- CreateIndex
CREATE INDEX "ReferralCase_state_createdAt_idx" ON "ReferralCase"("state", "createdAt");

-- CreateIndex
CREATE INDEX "ReferralCase_studentId_state_idx" ON "ReferralCase"("studentId", "state");

