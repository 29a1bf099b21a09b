-- Bulk import of services from a file (services/bulkImport.ts).
CREATE TYPE "BulkImportStatus" AS ENUM ('VALIDATED', 'CREATING', 'DONE', 'CANCELLED');
CREATE TYPE "BulkStart" AS ENUM ('AS_IN_FILE', 'NOW', 'LATER', 'AT');

CREATE TABLE "BulkImport" (
    "id" UUID NOT NULL,
    "organisationId" UUID NOT NULL,
    "createdById" UUID NOT NULL,
    "status" "BulkImportStatus" NOT NULL DEFAULT 'VALIDATED',
    "fileName" TEXT NOT NULL,
    "totalRows" INTEGER NOT NULL,
    "validRows" INTEGER NOT NULL,
    "createdCount" INTEGER NOT NULL DEFAULT 0,
    "failedCount" INTEGER NOT NULL DEFAULT 0,
    "start" "BulkStart",
    "scheduledAt" TIMESTAMP(3),
    "confirmKey" TEXT,
    "progressChannelId" TEXT,
    "progressConversationId" TEXT,
    "progressActivityId" TEXT,
    "shownCount" INTEGER NOT NULL DEFAULT 0,
    "summarySentAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "confirmedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    CONSTRAINT "BulkImport_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "BulkImportRow" (
    "importId" UUID NOT NULL,
    "rowNumber" INTEGER NOT NULL,
    "cells" JSONB NOT NULL,
    "draft" JSONB,
    "problems" JSONB,
    "reservedNumberId" UUID,
    "serviceId" UUID,
    "failure" JSONB,
    CONSTRAINT "BulkImportRow_pkey" PRIMARY KEY ("importId", "rowNumber")
);

CREATE UNIQUE INDEX "BulkImport_confirmKey_key" ON "BulkImport"("confirmKey");
CREATE INDEX "BulkImport_organisationId_createdAt_idx" ON "BulkImport"("organisationId", "createdAt");
CREATE INDEX "BulkImport_status_idx" ON "BulkImport"("status");
CREATE UNIQUE INDEX "BulkImportRow_serviceId_key" ON "BulkImportRow"("serviceId");

ALTER TABLE "BulkImport" ADD CONSTRAINT "BulkImport_organisationId_fkey" FOREIGN KEY ("organisationId") REFERENCES "Organisation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "BulkImport" ADD CONSTRAINT "BulkImport_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "Person"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "BulkImportRow" ADD CONSTRAINT "BulkImportRow_importId_fkey" FOREIGN KEY ("importId") REFERENCES "BulkImport"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Every update about a service made by an import, to the administrator who sent the file, joins the import's digest:
-- one card updated in place (bot/notifier.ts) instead of a message per service. Done where notifications are
-- written, so that activation, porting and email updates are all covered without each producer knowing of imports.
CREATE FUNCTION "bulk_import_digest"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bulk RECORD;
BEGIN
    IF NEW."serviceId" IS NULL OR jsonb_typeof(NEW."payload") <> 'object' OR NEW."payload" ? 'digestKey' THEN
        RETURN NEW;
    END IF;
    -- An import's services carry the idempotency key "<import id>:<row number>", from the moment they exist.
    SELECT i."id", i."validRows" INTO bulk
    FROM "Service" s JOIN "BulkImport" i ON i."id" = substring(s."idempotencyKey" FROM '^([0-9a-f-]{36}):[0-9]+$')::uuid
    WHERE s."id" = NEW."serviceId" AND i."createdById" = NEW."recipientId";
    IF FOUND THEN
        NEW."payload" := NEW."payload" || jsonb_build_object('digestKey', 'bulkImport:' || bulk."id", 'digestTotal', bulk."validRows");
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER "Notification_bulk_import_digest" BEFORE INSERT ON "Notification"
    FOR EACH ROW EXECUTE FUNCTION "bulk_import_digest"();
