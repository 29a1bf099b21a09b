-- A signed-in web chat survives reloads and new tabs: the one-time sign-in link is exchanged for a session cookie
-- (only its hash stored), tied to one conversation that every page load resumes with a token of its own.
CREATE TABLE "WebSession" (
    "id" UUID NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "personId" UUID NOT NULL,
    "conversationId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),
    CONSTRAINT "WebSession_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "WebSession_tokenHash_key" ON "WebSession"("tokenHash");
CREATE UNIQUE INDEX "WebSession_conversationId_key" ON "WebSession"("conversationId");
CREATE INDEX "WebSession_personId_idx" ON "WebSession"("personId");
ALTER TABLE "WebSession" ADD CONSTRAINT "WebSession_personId_fkey" FOREIGN KEY ("personId") REFERENCES "Person"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "WebSession" ADD CONSTRAINT "WebSession_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "WebChatConversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "WebChatToken" (
    "tokenHash" TEXT NOT NULL,
    "conversationId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "WebChatToken_pkey" PRIMARY KEY ("tokenHash")
);
CREATE INDEX "WebChatToken_conversationId_idx" ON "WebChatToken"("conversationId");
ALTER TABLE "WebChatToken" ADD CONSTRAINT "WebChatToken_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "WebChatConversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
