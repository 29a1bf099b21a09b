-- Notification delivery: digest messages of bulk operations, and the send log that rate limits are counted on.
CREATE TABLE "NotificationDigest" (
    "recipientId" UUID NOT NULL,
    "digestKey" TEXT NOT NULL,
    "reference" JSONB,
    "activityId" TEXT,
    "claimedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "NotificationDigest_pkey" PRIMARY KEY ("recipientId","digestKey")
);

CREATE TABLE "SendSlot" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "SendSlot_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "SendSlot_key_at_idx" ON "SendSlot"("key", "at");

ALTER TABLE "NotificationDigest" ADD CONSTRAINT "NotificationDigest_recipientId_fkey" FOREIGN KEY ("recipientId") REFERENCES "Person"("id") ON DELETE CASCADE ON UPDATE CASCADE;
