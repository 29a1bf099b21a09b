import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import type { Db } from '../platform/db/database';
import type { Prisma } from '../../prisma/generated/client';

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
  // Every message brings the same reference but for its own activity id, which a later message does not need: a
  // read then, not a write, on most turns.
  const stored = await db.conversationReference.findUnique({ where: { channelId_conversationId: { channelId, conversationId } }, select: { personId: true, reference: true } });
  if (stored && stored.personId === personId && sameBesidesActivity(stored.reference, json)) return;
  await db.conversationReference.upsert({
    where: { channelId_conversationId: { channelId, conversationId } },
    create: { channelId, conversationId, personId, reference: json },
    update: { personId, reference: json },
  });
}

function sameBesidesActivity(stored: unknown, reference: Record<string, unknown>): boolean {
  const { activityId: _stored, ...before } = (stored ?? {}) as Record<string, unknown>;
  const { activityId: _new, ...after } = reference;
  return isDeepStrictEqual(before, after);
}

/** The person's conversations, most recently used first. */
export async function conversationsOf(db: Db, personId: string): Promise<StoredConversation[]> {
  return (await conversationsOfEach(db, [personId])).get(personId) ?? [];
}

/** Each person's conversations, most recently used first, in one query. */
export async function conversationsOfEach(db: Db, personIds: string[]): Promise<Map<string, StoredConversation[]>> {
  const rows = await db.conversationReference.findMany({ where: { personId: { in: personIds } }, orderBy: { updatedAt: 'desc' } });
  const each = new Map<string, StoredConversation[]>();
  for (const row of rows) {
    const personId = row.personId!;
    each.set(personId, [
      ...(each.get(personId) ?? []),
      { channelId: row.channelId, conversationId: row.conversationId, personId, reference: row.reference as Record<string, unknown> },
    ]);
  }
  return each;
}
