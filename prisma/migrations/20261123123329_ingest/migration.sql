-- AlterTable
ALTER TABLE "IngestBatch" ADD COLUMN "entity" TEXT;
ALTER TABLE "IngestBatch" ADD COLUMN "notes" JSONB;

-- CreateTable
CREATE TABLE "VoidedStatement" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "voidedById" TEXT NOT NULL,
    "voidedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_EngagementDaily" (
    "studentId" INTEGER NOT NULL,
    "day" INTEGER NOT NULL,
    "source" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "expected" INTEGER NOT NULL DEFAULT 0,
    "late" INTEGER NOT NULL DEFAULT 0,
    "missed" INTEGER NOT NULL DEFAULT 0,
    "moduleInstanceKey" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("studentId", "day", "source", "moduleInstanceKey")
);
INSERT INTO "new_EngagementDaily" ("count", "day", "expected", "late", "missed", "source", "studentId") SELECT "count", "day", "expected", "late", "missed", "source", "studentId" FROM "EngagementDaily";
DROP TABLE "EngagementDaily";
ALTER TABLE "new_EngagementDaily" RENAME TO "EngagementDaily";
CREATE INDEX "EngagementDaily_day_source_idx" ON "EngagementDaily"("day", "source");
CREATE TABLE "new_ActivityStatement" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "studentId" INTEGER NOT NULL,
    "day" INTEGER NOT NULL,
    "source" TEXT NOT NULL,
    "moduleInstanceKey" INTEGER NOT NULL DEFAULT 0,
    "verb" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "expected" INTEGER NOT NULL DEFAULT 0,
    "late" INTEGER NOT NULL DEFAULT 0,
    "missed" INTEGER NOT NULL DEFAULT 0,
    "voided" BOOLEAN NOT NULL DEFAULT false,
    "raw" TEXT,
    "storedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "batchId" INTEGER,
    CONSTRAINT "ActivityStatement_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "ActivityStatement_batchId_fkey" FOREIGN KEY ("batchId") REFERENCES "IngestBatch" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_ActivityStatement" ("batchId", "day", "id", "source", "storedAt", "studentId", "verb", "voided") SELECT "batchId", "day", "id", "source", "storedAt", "studentId", "verb", "voided" FROM "ActivityStatement";
DROP TABLE "ActivityStatement";
ALTER TABLE "new_ActivityStatement" RENAME TO "ActivityStatement";
CREATE INDEX "ActivityStatement_studentId_day_idx" ON "ActivityStatement"("studentId", "day");
CREATE INDEX "ActivityStatement_storedAt_idx" ON "ActivityStatement"("storedAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

