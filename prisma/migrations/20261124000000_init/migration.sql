-- CreateEnum
CREATE TYPE "Role" AS ENUM ('ADMINISTRATOR', 'SUPPORT', 'USER');
CREATE TYPE "Language" AS ENUM ('en', 'nl', 'fr');
CREATE TYPE "NumberKind" AS ENUM ('MOBILE', 'FIXED');
CREATE TYPE "NumberState" AS ENUM ('FREE', 'RESERVED', 'IN_USE');
CREATE TYPE "SimState" AS ENUM ('IN_STOCK', 'ASSIGNED', 'ACTIVE', 'DEACTIVATED');
CREATE TYPE "NumberOption" AS ENUM ('NEW', 'PORT', 'MOVE');
CREATE TYPE "ActivationMethod" AS ENUM ('EMAIL', 'AUTOMATIC');
CREATE TYPE "ActivationTiming" AS ENUM ('NOW', 'LATER');
CREATE TYPE "ServiceStatus" AS ENUM ('WAITING_FOR_ACTIVATION', 'WAITING_FOR_SIM', 'READY', 'ACTIVATING', 'ACTIVE', 'FAILED', 'CANCELLED', 'ENDED');
CREATE TYPE "HolderKind" AS ENUM ('PERSON', 'COMPANY');
CREATE TYPE "LineType" AS ENUM ('PREPAID', 'SUBSCRIPTION');
CREATE TYPE "PortingState" AS ENUM ('REQUESTED', 'SUBMITTED', 'ACCEPTED', 'SCHEDULED', 'COMPLETED', 'REFUSED', 'CANCELLED');
CREATE TYPE "LinkPurpose" AS ENUM ('ACTIVATION', 'ADMIN_SIGN_IN');
CREATE TYPE "NotificationState" AS ENUM ('PENDING', 'DELIVERED', 'DEAD');
CREATE TYPE "JobState" AS ENUM ('QUEUED', 'RUNNING', 'DONE', 'FAILED');

-- CreateTable
CREATE TABLE "Organisation" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Organisation_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "ContractProduct" (
    "organisationId" UUID NOT NULL,
    "productTypeCode" TEXT NOT NULL,
    CONSTRAINT "ContractProduct_pkey" PRIMARY KEY ("organisationId","productTypeCode")
);

CREATE TABLE "Person" (
    "id" UUID NOT NULL,
    "organisationId" UUID NOT NULL,
    "role" "Role" NOT NULL,
    "aadObjectId" TEXT,
    "email" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "preferredLanguage" "Language",
    "lastLanguage" "Language",
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Person_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "SupportScope" (
    "personId" UUID NOT NULL,
    "organisationId" UUID NOT NULL,
    CONSTRAINT "SupportScope_pkey" PRIMARY KEY ("personId","organisationId")
);

CREATE TABLE "ProductType" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "sortOrder" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "ProductType_pkey" PRIMARY KEY ("code")
);

CREATE TABLE "ServiceType" (
    "code" TEXT NOT NULL,
    "productTypeCode" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "hasSim" BOOLEAN NOT NULL,
    "hasMobileNumber" BOOLEAN NOT NULL,
    "hasFixedNumber" BOOLEAN NOT NULL,
    "dataOnly" BOOLEAN NOT NULL DEFAULT false,
    "sortOrder" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "ServiceType_pkey" PRIMARY KEY ("code")
);

CREATE TABLE "Bundle" (
    "code" TEXT NOT NULL,
    "serviceTypeCode" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "dataGb" INTEGER NOT NULL,
    "callMinutes" INTEGER,
    "monthlyPriceCents" INTEGER NOT NULL,
    "sortOrder" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "Bundle_pkey" PRIMARY KEY ("code")
);

CREATE TABLE "BundleOption" (
    "code" TEXT NOT NULL,
    "serviceTypeCode" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "monthlyPriceCents" INTEGER NOT NULL,
    CONSTRAINT "BundleOption_pkey" PRIMARY KEY ("code")
);

CREATE TABLE "Service" (
    "id" UUID NOT NULL,
    "organisationId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "createdById" UUID,
    "productTypeCode" TEXT NOT NULL,
    "serviceTypeCode" TEXT NOT NULL,
    "bundleCode" TEXT,
    "optionCodes" TEXT[],
    "status" "ServiceStatus" NOT NULL,
    "numberOption" "NumberOption",
    "mobileNumberId" UUID,
    "fixedNumberId" UUID,
    "simCardId" UUID,
    "movedFromServiceId" UUID,
    "activationMethod" "ActivationMethod" NOT NULL,
    "activationTiming" "ActivationTiming" NOT NULL,
    "scheduledStartAt" TIMESTAMP(3),
    "failureReason" TEXT,
    "idempotencyKey" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "activationStartedAt" TIMESTAMP(3),
    "activatedAt" TIMESTAMP(3),
    "endedAt" TIMESTAMP(3),
    CONSTRAINT "Service_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "ServiceEvent" (
    "id" UUID NOT NULL,
    "serviceId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "detail" JSONB NOT NULL DEFAULT '{}',
    "actorId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ServiceEvent_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "SimCard" (
    "id" UUID NOT NULL,
    "iccid" TEXT NOT NULL,
    "organisationId" UUID NOT NULL,
    "state" "SimState" NOT NULL DEFAULT 'IN_STOCK',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "SimCard_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "PhoneNumber" (
    "id" UUID NOT NULL,
    "e164" TEXT NOT NULL,
    "kind" "NumberKind" NOT NULL,
    "state" "NumberState" NOT NULL DEFAULT 'FREE',
    "organisationId" UUID,
    "reservedUntil" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "PhoneNumber_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "DonorLine" (
    "e164" TEXT NOT NULL,
    "operatorCode" TEXT NOT NULL,
    "holderKind" "HolderKind" NOT NULL,
    "holderName" TEXT NOT NULL,
    "holderVat" TEXT,
    "lineType" "LineType" NOT NULL,
    "customerNumber" TEXT,
    "simNumber" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "smsCancellable" BOOLEAN NOT NULL DEFAULT false,
    CONSTRAINT "DonorLine_pkey" PRIMARY KEY ("e164")
);

CREATE TABLE "PortingRequest" (
    "id" UUID NOT NULL,
    "serviceId" UUID NOT NULL,
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "e164" TEXT NOT NULL,
    "donorOperator" TEXT NOT NULL,
    "holderKind" "HolderKind" NOT NULL,
    "holderName" TEXT NOT NULL,
    "holderVat" TEXT,
    "lineType" "LineType" NOT NULL,
    "customerNumber" TEXT,
    "currentSimNumber" TEXT,
    "wishDate" DATE,
    "state" "PortingState" NOT NULL DEFAULT 'REQUESTED',
    "refusalCode" TEXT,
    "refusalReason" TEXT,
    "scheduledAt" TIMESTAMP(3),
    "windowEndsAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "PortingRequest_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "AccessLink" (
    "id" UUID NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "purpose" "LinkPurpose" NOT NULL,
    "personId" UUID NOT NULL,
    "serviceId" UUID,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "failedAttempts" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AccessLink_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "ConversationReference" (
    "id" UUID NOT NULL,
    "channelId" TEXT NOT NULL,
    "conversationId" TEXT NOT NULL,
    "personId" UUID,
    "reference" JSONB NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "ConversationReference_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "BotState" (
    "key" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "etag" INTEGER NOT NULL DEFAULT 1,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "BotState_pkey" PRIMARY KEY ("key")
);

CREATE TABLE "Notification" (
    "id" UUID NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "recipientId" UUID NOT NULL,
    "serviceId" UUID,
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "state" "NotificationState" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastError" TEXT,
    "deliveredVia" TEXT,
    "deliveredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Notification_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "Job" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "singletonKey" TEXT,
    "state" "JobState" NOT NULL DEFAULT 'QUEUED',
    "runAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lockedBy" TEXT,
    "lockedUntil" TIMESTAMP(3),
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Job_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "AuditEvent" (
    "id" UUID NOT NULL,
    "organisationId" UUID,
    "actorId" UUID,
    "action" TEXT NOT NULL,
    "subjectType" TEXT NOT NULL,
    "subjectId" TEXT,
    "before" JSONB,
    "after" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "WebChatConversation" (
    "id" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "personId" UUID,
    "serviceId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "nextSeq" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "WebChatConversation_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "WebChatActivity" (
    "conversationId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "activityId" TEXT NOT NULL,
    "activity" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "WebChatActivity_pkey" PRIMARY KEY ("conversationId","seq")
);

-- CreateIndex
CREATE UNIQUE INDEX "Organisation_tenantId_key" ON "Organisation"("tenantId");
CREATE UNIQUE INDEX "Person_organisationId_aadObjectId_key" ON "Person"("organisationId", "aadObjectId");
CREATE UNIQUE INDEX "Person_organisationId_email_key" ON "Person"("organisationId", "email");
CREATE UNIQUE INDEX "Service_mobileNumberId_key" ON "Service"("mobileNumberId");
CREATE UNIQUE INDEX "Service_fixedNumberId_key" ON "Service"("fixedNumberId");
CREATE UNIQUE INDEX "Service_simCardId_key" ON "Service"("simCardId");
CREATE UNIQUE INDEX "Service_idempotencyKey_key" ON "Service"("idempotencyKey");
CREATE INDEX "Service_organisationId_status_idx" ON "Service"("organisationId", "status");
CREATE INDEX "Service_userId_idx" ON "Service"("userId");
CREATE INDEX "ServiceEvent_serviceId_createdAt_idx" ON "ServiceEvent"("serviceId", "createdAt");
CREATE UNIQUE INDEX "SimCard_iccid_key" ON "SimCard"("iccid");
CREATE INDEX "SimCard_organisationId_state_idx" ON "SimCard"("organisationId", "state");
CREATE UNIQUE INDEX "PhoneNumber_e164_key" ON "PhoneNumber"("e164");
CREATE INDEX "PhoneNumber_kind_state_idx" ON "PhoneNumber"("kind", "state");
CREATE UNIQUE INDEX "PortingRequest_serviceId_attempt_key" ON "PortingRequest"("serviceId", "attempt");
CREATE INDEX "PortingRequest_state_idx" ON "PortingRequest"("state");
CREATE UNIQUE INDEX "AccessLink_tokenHash_key" ON "AccessLink"("tokenHash");
CREATE INDEX "ConversationReference_personId_idx" ON "ConversationReference"("personId");
CREATE UNIQUE INDEX "ConversationReference_channelId_conversationId_key" ON "ConversationReference"("channelId", "conversationId");
CREATE UNIQUE INDEX "Notification_idempotencyKey_key" ON "Notification"("idempotencyKey");
CREATE INDEX "Notification_state_nextAttemptAt_idx" ON "Notification"("state", "nextAttemptAt");
CREATE UNIQUE INDEX "Job_singletonKey_key" ON "Job"("singletonKey");
CREATE INDEX "Job_state_runAt_idx" ON "Job"("state", "runAt");
CREATE INDEX "AuditEvent_organisationId_createdAt_idx" ON "AuditEvent"("organisationId", "createdAt");
CREATE UNIQUE INDEX "WebChatConversation_tokenHash_key" ON "WebChatConversation"("tokenHash");
CREATE UNIQUE INDEX "WebChatActivity_conversationId_activityId_key" ON "WebChatActivity"("conversationId", "activityId");

-- AddForeignKey
ALTER TABLE "ContractProduct" ADD CONSTRAINT "ContractProduct_organisationId_fkey" FOREIGN KEY ("organisationId") REFERENCES "Organisation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ContractProduct" ADD CONSTRAINT "ContractProduct_productTypeCode_fkey" FOREIGN KEY ("productTypeCode") REFERENCES "ProductType"("code") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Person" ADD CONSTRAINT "Person_organisationId_fkey" FOREIGN KEY ("organisationId") REFERENCES "Organisation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "SupportScope" ADD CONSTRAINT "SupportScope_personId_fkey" FOREIGN KEY ("personId") REFERENCES "Person"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "SupportScope" ADD CONSTRAINT "SupportScope_organisationId_fkey" FOREIGN KEY ("organisationId") REFERENCES "Organisation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ServiceType" ADD CONSTRAINT "ServiceType_productTypeCode_fkey" FOREIGN KEY ("productTypeCode") REFERENCES "ProductType"("code") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Bundle" ADD CONSTRAINT "Bundle_serviceTypeCode_fkey" FOREIGN KEY ("serviceTypeCode") REFERENCES "ServiceType"("code") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "BundleOption" ADD CONSTRAINT "BundleOption_serviceTypeCode_fkey" FOREIGN KEY ("serviceTypeCode") REFERENCES "ServiceType"("code") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Service" ADD CONSTRAINT "Service_organisationId_fkey" FOREIGN KEY ("organisationId") REFERENCES "Organisation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Service" ADD CONSTRAINT "Service_userId_fkey" FOREIGN KEY ("userId") REFERENCES "Person"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Service" ADD CONSTRAINT "Service_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "Person"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Service" ADD CONSTRAINT "Service_mobileNumberId_fkey" FOREIGN KEY ("mobileNumberId") REFERENCES "PhoneNumber"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Service" ADD CONSTRAINT "Service_fixedNumberId_fkey" FOREIGN KEY ("fixedNumberId") REFERENCES "PhoneNumber"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Service" ADD CONSTRAINT "Service_simCardId_fkey" FOREIGN KEY ("simCardId") REFERENCES "SimCard"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Service" ADD CONSTRAINT "Service_movedFromServiceId_fkey" FOREIGN KEY ("movedFromServiceId") REFERENCES "Service"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "ServiceEvent" ADD CONSTRAINT "ServiceEvent_serviceId_fkey" FOREIGN KEY ("serviceId") REFERENCES "Service"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "SimCard" ADD CONSTRAINT "SimCard_organisationId_fkey" FOREIGN KEY ("organisationId") REFERENCES "Organisation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "PhoneNumber" ADD CONSTRAINT "PhoneNumber_organisationId_fkey" FOREIGN KEY ("organisationId") REFERENCES "Organisation"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "PortingRequest" ADD CONSTRAINT "PortingRequest_serviceId_fkey" FOREIGN KEY ("serviceId") REFERENCES "Service"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "AccessLink" ADD CONSTRAINT "AccessLink_personId_fkey" FOREIGN KEY ("personId") REFERENCES "Person"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "AccessLink" ADD CONSTRAINT "AccessLink_serviceId_fkey" FOREIGN KEY ("serviceId") REFERENCES "Service"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ConversationReference" ADD CONSTRAINT "ConversationReference_personId_fkey" FOREIGN KEY ("personId") REFERENCES "Person"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Notification" ADD CONSTRAINT "Notification_recipientId_fkey" FOREIGN KEY ("recipientId") REFERENCES "Person"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Notification" ADD CONSTRAINT "Notification_serviceId_fkey" FOREIGN KEY ("serviceId") REFERENCES "Service"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_organisationId_fkey" FOREIGN KEY ("organisationId") REFERENCES "Organisation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_actorId_fkey" FOREIGN KEY ("actorId") REFERENCES "Person"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "WebChatActivity" ADD CONSTRAINT "WebChatActivity_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "WebChatConversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
