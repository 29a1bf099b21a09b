import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import type { Db } from './db/database';
import type { Prisma } from '../prisma/generated/client';

/**
 * Where to reach a person later (proactive messages). The reference itself is the channel's business: it is kept
 * as opaque JSON, keyed by channel and conversation.
 */
const conversationSchema = z.object({
  channelId: z.string().trim().min(1).max(100),
  conversationId: z.string().trim().min(1).max(500),
  personId: z.uuid().nullable(),
  reference: z.record(z.string(), z.unknown()),
});
export type StoredConversation = z.infer<typeof conversationSchema>;

export async function saveConversationReference(db: Db, conversation: StoredConversation): Promise<void> {
  const { channelId, conversationId, personId, reference } = conversationSchema.parse(conversation);
  const json = JSON.parse(JSON.stringify(reference)) as Prisma.InputJsonObject;
  await db.conversationReference.upsert({
    where: { channelId_conversationId: { channelId, conversationId } },
    create: { channelId, conversationId, personId, reference: json },
    update: { personId, reference: json },
  });
}

/** The person's conversations, most recently used first. */
export async function conversationsOf(db: Db, personId: string): Promise<StoredConversation[]> {
  const rows = await db.conversationReference.findMany({ where: { personId }, orderBy: { updatedAt: 'desc' } });
  return rows.map((row) => ({
    channelId: row.channelId,
    conversationId: row.conversationId,
    personId: row.personId,
    reference: row.reference as Record<string, unknown>,
  }));
}
