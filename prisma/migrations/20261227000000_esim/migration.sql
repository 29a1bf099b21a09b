-- eSIM profiles are stock like SIM cards: an ICCID and an activation code the phone downloads the profile with.
CREATE TYPE "SimForm" AS ENUM ('PHYSICAL', 'ESIM');
ALTER TYPE "ServiceStatus" ADD VALUE 'WAITING_FOR_ESIM_INSTALL' AFTER 'WAITING_FOR_SIM';
ALTER TABLE "SimCard" ADD COLUMN "form" "SimForm" NOT NULL DEFAULT 'PHYSICAL',
    ADD COLUMN "activationCode" TEXT,
    ADD COLUMN "confirmationCode" TEXT,
    ADD COLUMN "installedAt" TIMESTAMP(3);
CREATE INDEX "SimCard_organisationId_form_state_idx" ON "SimCard"("organisationId", "form", "state");
