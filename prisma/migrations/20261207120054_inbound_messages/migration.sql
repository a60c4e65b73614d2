-- CreateTable
CREATE TABLE "InboundMessage" (
    "providerMessageId" TEXT NOT NULL PRIMARY KEY,
    "channel" TEXT NOT NULL,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

