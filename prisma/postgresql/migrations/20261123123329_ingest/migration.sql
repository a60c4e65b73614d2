-- DropForeignKey
ALTER TABLE "EngagementDaily" DROP CONSTRAINT "EngagementDaily_studentId_fkey";

-- AlterTable
ALTER TABLE "EngagementDaily" DROP CONSTRAINT "EngagementDaily_pkey",
ADD COLUMN     "moduleInstanceKey" INTEGER NOT NULL DEFAULT 0,
ADD CONSTRAINT "EngagementDaily_pkey" PRIMARY KEY ("studentId", "day", "source", "moduleInstanceKey");

-- AlterTable
ALTER TABLE "ActivityStatement" ADD COLUMN     "count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "expected" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "late" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "missed" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "moduleInstanceKey" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "raw" TEXT;

-- AlterTable
ALTER TABLE "IngestBatch" ADD COLUMN     "entity" TEXT,
ADD COLUMN     "notes" JSONB;

-- CreateTable
CREATE TABLE "VoidedStatement" (
    "id" TEXT NOT NULL,
    "voidedById" TEXT NOT NULL,
    "voidedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VoidedStatement_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ActivityStatement_storedAt_idx" ON "ActivityStatement"("storedAt");

