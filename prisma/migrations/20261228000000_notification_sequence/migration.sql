-- Notifications to one person go out in the order they were written. Their creation time cannot tell that order for
-- those written in one statement or in one millisecond: a sequence does.
ALTER TABLE "Notification" ADD COLUMN "sequence" SERIAL NOT NULL;
