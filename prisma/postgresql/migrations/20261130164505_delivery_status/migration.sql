-- AlterTable
ALTER TABLE "Delivery" ADD COLUMN     "heldReason" TEXT,
ADD COLUMN     "providerStatus" TEXT;

