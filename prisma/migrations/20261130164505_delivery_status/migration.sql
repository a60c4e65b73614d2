-- AlterTable
ALTER TABLE "Delivery" ADD COLUMN "heldReason" TEXT;
ALTER TABLE "Delivery" ADD COLUMN "providerStatus" TEXT;

