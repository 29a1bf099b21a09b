-- People an administrator removed (services/people/peopleAdmin.ts): kept for their services and the audit trail,
-- no longer recognised nor found.
ALTER TABLE "Person" ADD COLUMN "removedAt" TIMESTAMP(3);
