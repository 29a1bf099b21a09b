-- Wrong attempts per key and fixed time window (the activation page's per-address limit), so that every process
-- counts in the same place.
CREATE TABLE "AttemptWindow" (
    "key" TEXT NOT NULL,
    "windowStart" TIMESTAMP(3) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "AttemptWindow_pkey" PRIMARY KEY ("key","windowStart")
);

CREATE INDEX "AttemptWindow_windowStart_idx" ON "AttemptWindow"("windowStart");
