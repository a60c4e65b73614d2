-- CreateEnum
CREATE TYPE "HoldoutArm" AS ENUM ('nudged', 'held_out');

-- AlterTable
ALTER TABLE "Flag" ADD COLUMN     "arm" "HoldoutArm",
ADD COLUMN     "armDraw" DOUBLE PRECISION;

