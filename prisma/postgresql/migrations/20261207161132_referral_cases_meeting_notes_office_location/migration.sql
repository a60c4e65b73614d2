-- CreateEnum
CREATE TYPE "ReferralCaseState" AS ENUM ('open', 'acknowledged', 'closed');

-- AlterEnum
ALTER TYPE "StaffMessageKind" ADD VALUE 'referral_case';

-- AlterTable
ALTER TABLE "Staff" ADD COLUMN     "officeLocation" TEXT;

-- AlterTable
ALTER TABLE "Meeting" ADD COLUMN     "outcomeNote" TEXT;

-- CreateTable
CREATE TABLE "ReferralCase" (
    "id" SERIAL NOT NULL,
    "interventionId" INTEGER NOT NULL,
    "studentId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "destination" TEXT NOT NULL,
    "note" TEXT,
    "referredById" INTEGER,
    "state" "ReferralCaseState" NOT NULL DEFAULT 'open',
    "acknowledgedAt" TIMESTAMP(3),
    "acknowledgedBy" TEXT,
    "outcome" TEXT,
    "outcomeNote" TEXT,
    "closedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReferralCase_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ReferralCase_interventionId_key" ON "ReferralCase"("interventionId");

-- CreateIndex
CREATE INDEX "ReferralCase_state_createdAt_idx" ON "ReferralCase"("state", "createdAt");

-- CreateIndex
CREATE INDEX "ReferralCase_studentId_state_idx" ON "ReferralCase"("studentId", "state");

-- AddForeignKey
ALTER TABLE "ReferralCase" ADD CONSTRAINT "ReferralCase_interventionId_fkey" FOREIGN KEY ("interventionId") REFERENCES "Intervention"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReferralCase" ADD CONSTRAINT "ReferralCase_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE CASCADE ON UPDATE CASCADE;

