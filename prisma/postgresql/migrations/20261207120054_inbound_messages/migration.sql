-- CreateTable
CREATE TABLE "InboundMessage" (
    "providerMessageId" TEXT NOT NULL,
    "channel" "Channel" NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "InboundMessage_pkey" PRIMARY KEY ("providerMessageId")
);

