-- AlterTable
ALTER TABLE "Flag" ADD COLUMN "arm" TEXT;
ALTER TABLE "Flag" ADD COLUMN "armDraw" REAL;

