-- Provisioning webhook: the ids of events already applied, so that a replayed event changes nothing.
CREATE TABLE "ProvisioningEvent" (
    "eventId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ProvisioningEvent_pkey" PRIMARY KEY ("eventId")
);
