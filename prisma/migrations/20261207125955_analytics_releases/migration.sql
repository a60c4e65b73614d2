-- CreateTable
CREATE TABLE "AnalyticsRelease" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "staffNumber" TEXT NOT NULL,
    "measure" TEXT NOT NULL,
    "variant" TEXT NOT NULL,
    "fromDay" INTEGER NOT NULL,
    "toDay" INTEGER NOT NULL,
    "cells" JSONB NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "AnalyticsRelease_staffNumber_measure_toDay_idx" ON "AnalyticsRelease"("staffNumber", "measure", "toDay");

-- CreateIndex
CREATE UNIQUE INDEX "AnalyticsRelease_staffNumber_measure_variant_fromDay_toDay_key" ON "AnalyticsRelease"("staffNumber", "measure", "variant", "fromDay", "toDay");

