-- The chat of a personal activation page acts only while the link it was opened with can act: the conversation
-- names its link. A deleted link ends its chats.
ALTER TABLE "WebChatConversation" ADD COLUMN "accessLinkId" UUID;
-- Set by the turn after which the link no longer acts: its answer can still be read, nothing written later.
ALTER TABLE "WebChatConversation" ADD COLUMN "closedAtSeq" INTEGER;
CREATE INDEX "WebChatConversation_accessLinkId_idx" ON "WebChatConversation"("accessLinkId");
ALTER TABLE "WebChatConversation" ADD CONSTRAINT "WebChatConversation_accessLinkId_fkey" FOREIGN KEY ("accessLinkId") REFERENCES "AccessLink"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A page's chat opened before this cannot be checked against its link: it ends now, and reloading the page opens
-- one that can.
UPDATE "WebChatConversation" SET "expiresAt" = CURRENT_TIMESTAMP WHERE "serviceId" IS NOT NULL AND "expiresAt" > CURRENT_TIMESTAMP;
