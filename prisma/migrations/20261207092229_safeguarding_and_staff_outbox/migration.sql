-- CreateTable
CREATE TABLE "SafeguardingConcern" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "studentId" INTEGER NOT NULL,
    "replyId" INTEGER NOT NULL,
    "level" TEXT NOT NULL,
    "reasons" JSONB NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'open',
    "raisedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "escalateAt" DATETIME,
    "escalatedAt" DATETIME,
    "acknowledgedAt" DATETIME,
    "acknowledgedBy" TEXT,
    "toldStudent" TEXT,
    CONSTRAINT "SafeguardingConcern_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "SafeguardingConcern_replyId_fkey" FOREIGN KEY ("replyId") REFERENCES "Reply" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "StaffMessage" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "kind" TEXT NOT NULL,
    "priority" INTEGER NOT NULL DEFAULT 5,
    "staffId" INTEGER,
    "address" TEXT,
    "studentId" INTEGER,
    "concernId" INTEGER,
    "channel" TEXT NOT NULL,
    "fallback" TEXT,
    "subject" TEXT,
    "text" TEXT NOT NULL,
    "card" JSONB,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "dueAt" DATETIME NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "leaseOwner" TEXT,
    "leaseUntil" DATETIME,
    "providerMessageId" TEXT,
    "sentAt" DATETIME,
    "failedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "StaffMessage_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "StaffMessage_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "StaffMessage_concernId_fkey" FOREIGN KEY ("concernId") REFERENCES "SafeguardingConcern" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Reply" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "studentId" INTEGER NOT NULL,
    "interventionId" INTEGER,
    "channel" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "classification" TEXT NOT NULL,
    "confidence" REAL,
    "safeguarding" TEXT NOT NULL DEFAULT 'none',
    "providerMessageId" TEXT,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "seenByTutorAt" DATETIME,
    CONSTRAINT "Reply_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Reply_interventionId_fkey" FOREIGN KEY ("interventionId") REFERENCES "Intervention" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Reply" ("channel", "classification", "id", "interventionId", "providerMessageId", "receivedAt", "seenByTutorAt", "studentId", "text") SELECT "channel", "classification", "id", "interventionId", "providerMessageId", "receivedAt", "seenByTutorAt", "studentId", "text" FROM "Reply";
DROP TABLE "Reply";
ALTER TABLE "new_Reply" RENAME TO "Reply";
CREATE UNIQUE INDEX "Reply_providerMessageId_key" ON "Reply"("providerMessageId");
CREATE INDEX "Reply_studentId_receivedAt_idx" ON "Reply"("studentId", "receivedAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "SafeguardingConcern_replyId_key" ON "SafeguardingConcern"("replyId");

-- CreateIndex
CREATE INDEX "SafeguardingConcern_state_escalateAt_idx" ON "SafeguardingConcern"("state", "escalateAt");

-- CreateIndex
CREATE INDEX "SafeguardingConcern_studentId_state_idx" ON "SafeguardingConcern"("studentId", "state");

-- CreateIndex
CREATE INDEX "StaffMessage_state_priority_dueAt_idx" ON "StaffMessage"("state", "priority", "dueAt");

-- CreateIndex
CREATE INDEX "StaffMessage_concernId_idx" ON "StaffMessage"("concernId");

