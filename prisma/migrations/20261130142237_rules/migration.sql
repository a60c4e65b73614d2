-- DropIndex
DROP INDEX "RuleRun_asOfDay_idx";

-- AlterTable
ALTER TABLE "RuleVersion" ADD COLUMN "source" TEXT;

-- AlterTable
ALTER TABLE "RuleRun" ADD COLUMN "fingerprint" TEXT;

-- CreateTable
CREATE TABLE "AcademicCalendar" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "document" JSONB NOT NULL,
    "source" TEXT,
    "authorId" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Flag" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "studentId" INTEGER NOT NULL,
    "ruleId" TEXT NOT NULL,
    "ruleVersion" INTEGER NOT NULL,
    "periodKey" TEXT NOT NULL,
    "day" INTEGER NOT NULL,
    "runId" INTEGER,
    "state" TEXT NOT NULL DEFAULT 'open',
    "evidence" JSONB NOT NULL,
    "raisedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "snoozedUntil" DATETIME,
    "closedAt" DATETIME,
    "closedReason" TEXT,
    CONSTRAINT "Flag_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Flag_ruleId_fkey" FOREIGN KEY ("ruleId") REFERENCES "Rule" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Flag_runId_fkey" FOREIGN KEY ("runId") REFERENCES "RuleRun" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Flag" ("closedAt", "closedReason", "evidence", "id", "periodKey", "raisedAt", "ruleId", "ruleVersion", "runId", "snoozedUntil", "state", "studentId") SELECT "closedAt", "closedReason", "evidence", "id", "periodKey", "raisedAt", "ruleId", "ruleVersion", "runId", "snoozedUntil", "state", "studentId" FROM "Flag";
DROP TABLE "Flag";
ALTER TABLE "new_Flag" RENAME TO "Flag";
CREATE INDEX "Flag_ruleId_day_idx" ON "Flag"("ruleId", "day");
CREATE INDEX "Flag_state_raisedAt_idx" ON "Flag"("state", "raisedAt");
CREATE INDEX "Flag_ruleId_raisedAt_idx" ON "Flag"("ruleId", "raisedAt");
CREATE UNIQUE INDEX "Flag_studentId_ruleId_periodKey_key" ON "Flag"("studentId", "ruleId", "periodKey");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "RuleRun_asOfDay_fingerprint_idx" ON "RuleRun"("asOfDay", "fingerprint");

