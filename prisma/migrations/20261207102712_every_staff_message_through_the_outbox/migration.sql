-- AlterTable
ALTER TABLE "StaffMessage" ADD COLUMN "calendar" JSONB;
ALTER TABLE "StaffMessage" ADD COLUMN "fallbackOf" INTEGER;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_TutorDigest" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "staffId" INTEGER NOT NULL,
    "studentIds" JSONB NOT NULL,
    "trigger" TEXT NOT NULL,
    "staffMessageId" INTEGER,
    "shownReplyIds" JSONB,
    "repliesSeenAt" DATETIME,
    "sentAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "TutorDigest_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_TutorDigest" ("id", "sentAt", "staffId", "studentIds", "trigger") SELECT "id", "sentAt", "staffId", "studentIds", "trigger" FROM "TutorDigest";
DROP TABLE "TutorDigest";
ALTER TABLE "new_TutorDigest" RENAME TO "TutorDigest";
CREATE INDEX "TutorDigest_staffId_sentAt_idx" ON "TutorDigest"("staffId", "sentAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

