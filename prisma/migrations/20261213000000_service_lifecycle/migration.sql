-- One lifecycle for a service and its parts (services/lifecycle/): a service whose SIM card works waits for its
-- ported number; a porting whose window came before the line worked is held back; a colleague's fixed number is
-- taken when the new service activates; escalations stay open until an administrator handles them.
ALTER TYPE "ServiceStatus" ADD VALUE 'WAITING_FOR_PORTING' AFTER 'ACTIVATING';
ALTER TYPE "PortingState" ADD VALUE 'HELD';
ALTER TABLE "Service" ADD COLUMN "plannedFixedNumberId" UUID;
CREATE INDEX "Service_plannedFixedNumberId_idx" ON "Service"("plannedFixedNumberId");

CREATE TABLE "Escalation" (
    "id" UUID NOT NULL,
    "organisationId" UUID NOT NULL,
    "serviceId" UUID,
    "requestedById" UUID,
    "requestKey" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "tried" JSONB NOT NULL DEFAULT '[]',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "handledAt" TIMESTAMP(3),
    "handledById" UUID,
    CONSTRAINT "Escalation_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Escalation_requestKey_key" ON "Escalation"("requestKey");
CREATE INDEX "Escalation_organisationId_handledAt_idx" ON "Escalation"("organisationId", "handledAt");
ALTER TABLE "Escalation" ADD CONSTRAINT "Escalation_organisationId_fkey" FOREIGN KEY ("organisationId") REFERENCES "Organisation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Escalation" ADD CONSTRAINT "Escalation_serviceId_fkey" FOREIGN KEY ("serviceId") REFERENCES "Service"("id") ON DELETE CASCADE ON UPDATE CASCADE;
