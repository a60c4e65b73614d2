-- CreateEnum
CREATE TYPE "SafeguardingLevel" AS ENUM ('none', 'distress', 'crisis');

-- CreateEnum
CREATE TYPE "ConcernState" AS ENUM ('open', 'acknowledged');

-- CreateEnum
CREATE TYPE "StaffMessageKind" AS ENUM ('safeguarding_alert', 'distress_notice', 'student_request');

-- AlterEnum
ALTER TYPE "StaffRole" ADD VALUE 'safeguarding';

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "ReplyClass" ADD VALUE 'crisis';
ALTER TYPE "ReplyClass" ADD VALUE 'distress';
ALTER TYPE "ReplyClass" ADD VALUE 'resume';
ALTER TYPE "ReplyClass" ADD VALUE 'data_copy';
ALTER TYPE "ReplyClass" ADD VALUE 'erasure';
ALTER TYPE "ReplyClass" ADD VALUE 'privacy_question';
ALTER TYPE "ReplyClass" ADD VALUE 'my_data';
ALTER TYPE "ReplyClass" ADD VALUE 'consent_withdraw';

-- AlterTable
ALTER TABLE "Reply" ADD COLUMN     "confidence" DOUBLE PRECISION,
ADD COLUMN     "safeguarding" "SafeguardingLevel" NOT NULL DEFAULT 'none';

-- CreateTable
CREATE TABLE "SafeguardingConcern" (
    "id" SERIAL NOT NULL,
    "studentId" INTEGER NOT NULL,
    "replyId" INTEGER NOT NULL,
    "level" "SafeguardingLevel" NOT NULL,
    "reasons" JSONB NOT NULL,
    "state" "ConcernState" NOT NULL DEFAULT 'open',
    "raisedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "escalateAt" TIMESTAMP(3),
    "escalatedAt" TIMESTAMP(3),
    "acknowledgedAt" TIMESTAMP(3),
    "acknowledgedBy" TEXT,
    "toldStudent" TEXT,

    CONSTRAINT "SafeguardingConcern_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StaffMessage" (
    "id" SERIAL NOT NULL,
    "kind" "StaffMessageKind" NOT NULL,
    "priority" INTEGER NOT NULL DEFAULT 5,
    "staffId" INTEGER,
    "address" TEXT,
    "studentId" INTEGER,
    "concernId" INTEGER,
    "channel" "Channel" NOT NULL,
    "fallback" "Channel",
    "subject" TEXT,
    "text" TEXT NOT NULL,
    "card" JSONB,
    "state" "DeliveryState" NOT NULL DEFAULT 'pending',
    "dueAt" TIMESTAMP(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "leaseOwner" TEXT,
    "leaseUntil" TIMESTAMP(3),
    "providerMessageId" TEXT,
    "sentAt" TIMESTAMP(3),
    "failedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StaffMessage_pkey" PRIMARY KEY ("id")
);

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

-- AddForeignKey
ALTER TABLE "SafeguardingConcern" ADD CONSTRAINT "SafeguardingConcern_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SafeguardingConcern" ADD CONSTRAINT "SafeguardingConcern_replyId_fkey" FOREIGN KEY ("replyId") REFERENCES "Reply"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StaffMessage" ADD CONSTRAINT "StaffMessage_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StaffMessage" ADD CONSTRAINT "StaffMessage_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StaffMessage" ADD CONSTRAINT "StaffMessage_concernId_fkey" FOREIGN KEY ("concernId") REFERENCES "SafeguardingConcern"("id") ON DELETE CASCADE ON UPDATE CASCADE;

