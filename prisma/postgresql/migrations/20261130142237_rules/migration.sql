-- DropIndex
DROP INDEX "RuleRun_asOfDay_idx";

-- AlterTable
ALTER TABLE "RuleVersion" ADD COLUMN     "source" TEXT;

-- AlterTable
ALTER TABLE "RuleRun" ADD COLUMN     "fingerprint" TEXT;

-- AlterTable
ALTER TABLE "Flag" ADD COLUMN     "day" INTEGER NOT NULL;

-- CreateTable
CREATE TABLE "AcademicCalendar" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "document" JSONB NOT NULL,
    "source" TEXT,
    "authorId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AcademicCalendar_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RuleRun_asOfDay_fingerprint_idx" ON "RuleRun"("asOfDay", "fingerprint");

-- CreateIndex
CREATE INDEX "Flag_ruleId_day_idx" ON "Flag"("ruleId", "day");

