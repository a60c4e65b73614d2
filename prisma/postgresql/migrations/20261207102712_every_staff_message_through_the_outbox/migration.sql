-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "StaffMessageKind" ADD VALUE 'digest';
ALTER TYPE "StaffMessageKind" ADD VALUE 'meeting_notice';

-- AlterTable
ALTER TABLE "StaffMessage" ADD COLUMN     "calendar" JSONB,
ADD COLUMN     "fallbackOf" INTEGER;

-- AlterTable
ALTER TABLE "TutorDigest" DROP COLUMN "activityId",
DROP COLUMN "conversationId",
ADD COLUMN     "repliesSeenAt" TIMESTAMP(3),
ADD COLUMN     "shownReplyIds" JSONB,
ADD COLUMN     "staffMessageId" INTEGER;

