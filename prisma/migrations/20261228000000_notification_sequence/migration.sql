-- Notifications to one person go out in the order they were written. Their creation time cannot tell that order for
-- those written in one transaction (now() is the transaction's start) or in one millisecond: a sequence does.
ALTER TABLE "Notification" ADD COLUMN "sequence" BIGSERIAL NOT NULL;
