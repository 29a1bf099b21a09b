-- A service's timeline and its changes are read in the order they happened. Their time cannot tell that order for
-- entries written at one moment (one step writes several, with one clock reading): a sequence does.
ALTER TABLE "ServiceEvent" ADD COLUMN "sequence" SERIAL NOT NULL;
ALTER TABLE "AuditEvent" ADD COLUMN "sequence" SERIAL NOT NULL;
