-- CreateTable
CREATE TABLE "AnalyticsRelease" (
    "id" SERIAL NOT NULL,
    "staffNumber" TEXT NOT NULL,
    "measure" TEXT NOT NULL,
    "variant" TEXT NOT NULL,
    "fromDay" INTEGER NOT NULL,
    "toDay" INTEGER NOT NULL,
    "cells" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AnalyticsRelease_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AnalyticsRelease_staffNumber_measure_toDay_idx" ON "AnalyticsRelease"("staffNumber", "measure", "toDay");

-- CreateIndex
CREATE UNIQUE INDEX "AnalyticsRelease_staffNumber_measure_variant_fromDay_toDay_key" ON "AnalyticsRelease"("staffNumber", "measure", "variant", "fromDay", "toDay");

