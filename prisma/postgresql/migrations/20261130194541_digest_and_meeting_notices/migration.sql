-- AlterTable
ALTER TABLE "Meeting" ADD COLUMN     "outcomeRecordedById" INTEGER,
ADD COLUMN     "outcomeRequestedAt" TIMESTAMP(3),
ADD COLUMN     "tutorNotifiedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "TutorDigest" (
    "id" SERIAL NOT NULL,
    "staffId" INTEGER NOT NULL,
    "studentIds" JSONB NOT NULL,
    "trigger" TEXT NOT NULL,
    "conversationId" TEXT,
    "activityId" TEXT,
    "sentAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TutorDigest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "TutorDigest_staffId_sentAt_idx" ON "TutorDigest"("staffId", "sentAt");

-- AddForeignKey
ALTER TABLE "TutorDigest" ADD CONSTRAINT "TutorDigest_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff"("id") ON DELETE CASCADE ON UPDATE CASCADE;

