-- Organisations brought in by the operator (services/organisations/): their VAT number, and when the operator
-- deactivated one (its people are then refused; nothing is deleted).
ALTER TABLE "Organisation" ADD COLUMN "vatNumber" TEXT;
ALTER TABLE "Organisation" ADD COLUMN "deactivatedAt" TIMESTAMP(3);
