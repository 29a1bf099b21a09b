-- The unfinished add-service flow a reserved number is held for: one number per flow, however many presses (and
-- processes) reserve for it at once. Unique, so a concurrent second reservation for the same flow fails instead of
-- taking another number; empty for numbers held for no flow.
ALTER TABLE "PhoneNumber" ADD COLUMN "reservedFor" TEXT;
CREATE UNIQUE INDEX "PhoneNumber_reservedFor_key" ON "PhoneNumber"("reservedFor");
