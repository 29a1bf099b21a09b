import crypto from 'node:crypto';
import type { Prisma } from '../../../prisma/generated/client';
import type { Db } from '../../../services/platform/db/database';
import { hashToken, newToken } from '../../../services/people/accessLinks';
import type { ChannelIdentity } from '../../../services/people/people';
import { isLive, liveSessionSelect } from '../../../services/people/webSessions';

/** How long a conversation token stays valid without a refresh (directlinejs refreshes every 15 minutes). */
export const TOKEN_LIFETIME_MS = 60 * 60 * 1000;

/**
 * How long a conversation may be refreshed at all, from its start. A personal activation page's chat is there for
 * the few minutes of typing a SIM card number or pressing Start, from a link that may have been forwarded or left
 * open on a shared computer: two hours, and reloading the page (which checks the link again) opens a new one. A
 * signed-in administrator, or a visitor asking general questions, works through a day of fleet tasks in one
 * conversation: twelve hours, after which an administrator signs in again with a new link.
 */
export const LINK_CHAT_MAX_AGE_MS = 2 * 60 * 60 * 1000;
export const CHAT_MAX_AGE_MS = 12 * 60 * 60 * 1000;

/** At most this many activities per poll; a client with more to read gets the rest on its next poll. */
const PAGE_SIZE = 100;

export interface WebChatConversation {
  id: string;
  personId: string | null;
  serviceId: string | null;
  /** The activation link a personal page's chat was opened with: the chat acts only while that link can. */
  accessLinkId: string | null;
  /** Set when the link stopped acting through this chat: activities up to it can still be read, none after. */
  closedAtSeq: number | null;
  createdAt: Date;
  expiresAt: Date;
}

/** A conversation's activity as a client reads it: the stored JSON with its id. */
export type StoredActivity = Record<string, unknown> & { id: string };

const selectConversation = { id: true, personId: true, serviceId: true, accessLinkId: true, closedAtSeq: true, createdAt: true, expiresAt: true } as const;

/** The person a conversation is tied to, as the bot sees it; never taken from what the browser sends. */
export function identityOf(conversation: Pick<WebChatConversation, 'personId' | 'serviceId'>): ChannelIdentity {
  if (!conversation.personId) return { kind: 'anonymous' };
  return conversation.serviceId ? { kind: 'person', personId: conversation.personId, linkServiceId: conversation.serviceId } : { kind: 'person', personId: conversation.personId };
}

/** The user's channel account: fixed by the server so that a browser cannot speak as someone else. */
export function userIdOf(conversation: Pick<WebChatConversation, 'id' | 'personId'>): string {
  return conversation.personId ? `person:${conversation.personId}` : `anonymous:${conversation.id}`;
}

/** Opens a conversation and returns its token; only the token's hash is stored. */
export async function openConversation(
  db: Db,
  owner: { personId?: string; serviceId?: string; accessLinkId?: string } = {},
): Promise<{ conversation: WebChatConversation; token: string }> {
  const token = newToken();
  const conversation = await db.webChatConversation.create({
    data: {
      id: crypto.randomBytes(16).toString('base64url'),
      tokenHash: hashToken(token),
      personId: owner.personId,
      serviceId: owner.serviceId,
      accessLinkId: owner.accessLinkId,
      expiresAt: new Date(Date.now() + TOKEN_LIFETIME_MS),
    },
    select: selectConversation,
  });
  return { conversation, token };
}

/**
 * The conversation a token opens, or null for an unknown token, or one expired or past its conversation's age, or
 * of a signed-in conversation whose session no longer acts (signed out, expired, its person removed).
 */
export async function conversationForToken(db: Db, token: string, now = new Date()): Promise<WebChatConversation | null> {
  const tokenHash = hashToken(token);
  const select = { ...selectConversation, session: { select: liveSessionSelect } } as const;
  // The conversation's own token first (every poll of most chats); a further token of a signed-in page second.
  const conversation =
    (await db.webChatConversation.findUnique({ where: { tokenHash }, select })) ??
    (await db.webChatToken.findUnique({ where: { tokenHash }, select: { conversation: { select } } }))?.conversation;
  if (!conversation || conversation.expiresAt <= now || endOf(conversation) <= now) return null;
  const { session, ...found } = conversation;
  return session && !isLive(session, now) ? null : found;
}

/**
 * A further token for a conversation, for one more page showing it (a reload, a new tab): the tokens other pages
 * hold keep working, since directlinejs stops for good on a refused one. Valid while the conversation's own token
 * is, whose life it extends as a refresh would.
 */
export async function issueToken(db: Db, conversation: WebChatConversation, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken();
  await db.webChatToken.create({ data: { tokenHash: hashToken(token), conversationId: conversation.id } });
  return { token, expiresAt: await extendToken(db, conversation, now) };
}

/** True once the conversation was started (its welcome sent): a page then resumes it rather than starting it. */
export async function isStarted(db: Db, conversationId: string): Promise<boolean> {
  const conversation = await db.webChatConversation.findUnique({ where: { id: conversationId }, select: { nextSeq: true } });
  return (conversation?.nextSeq ?? 0) > 0;
}

/** When the conversation's token stops being refreshed, whatever its refreshes. */
function endOf(conversation: Pick<WebChatConversation, 'accessLinkId' | 'createdAt'>): Date {
  return new Date(conversation.createdAt.getTime() + (conversation.accessLinkId ? LINK_CHAT_MAX_AGE_MS : CHAT_MAX_AGE_MS));
}

export async function findConversation(db: Db, id: string): Promise<WebChatConversation | null> {
  return db.webChatConversation.findUnique({ where: { id }, select: selectConversation });
}

/**
 * Extends the token's life, at most to the conversation's end (`endOf`). The token itself stays the same: a poll still in flight with a replaced token would get
 * a 403, which directlinejs takes as "expired" for good, and the chat would stop.
 */
export async function extendToken(db: Db, conversation: WebChatConversation, now = new Date()): Promise<Date> {
  const expiresAt = new Date(Math.min(now.getTime() + TOKEN_LIFETIME_MS, endOf(conversation).getTime()));
  await db.webChatConversation.update({ where: { id: conversation.id }, data: { expiresAt } });
  return expiresAt;
}

/**
 * The turn just run made the chat's link stop acting (the right number, the lock): its answers, already stored, can
 * still be read, and nothing written later.
 */
export async function closeConversation(db: Db, conversationId: string): Promise<void> {
  await db.$executeRaw`UPDATE "WebChatConversation" SET "closedAtSeq" = "nextSeq" WHERE "id" = ${conversationId} AND "closedAtSeq" IS NULL`;
}

/** True for the first caller only: claims sequence number 1 (which holds no activity) as the "started" mark. */
export async function markStarted(db: Db, conversationId: string): Promise<boolean> {
  const claimed = await db.webChatConversation.updateMany({
    where: { id: conversationId, nextSeq: 0 },
    data: { nextSeq: 1 },
  });
  return claimed.count === 1;
}

/**
 * Appends an activity and returns its id, "<conversationId>|<seq>". Allocating the sequence number and inserting
 * the row is one statement, so a row becomes visible only after every row with a lower number: a poller that
 * moves its watermark past a number never misses a row that commits later with a lower one.
 */
export async function appendActivity(db: Db, conversationId: string, activity: object): Promise<string> {
  const rows = await db.$queryRaw<{ activityId: string }[]>`
    WITH next AS (
      UPDATE "WebChatConversation" SET "nextSeq" = "nextSeq" + 1 WHERE "id" = ${conversationId} RETURNING "id", "nextSeq"
    )
    INSERT INTO "WebChatActivity" ("conversationId", "seq", "activityId", "activity")
    SELECT next."id", next."nextSeq", next."id" || '|' || lpad(next."nextSeq"::text, 7, '0'), ${JSON.stringify(activity)}::jsonb
    FROM next
    RETURNING "activityId"`;
  const row = rows[0];
  if (!row) throw new Error(`No web chat conversation ${conversationId}`);
  return row.activityId;
}

/**
 * Replaces an activity's content and moves it to a new sequence number, so that pollers past its old place receive
 * it again; Web Chat replaces an activity it already shows when one with the same id arrives. The original
 * timestamp is kept because Web Chat orders the transcript by it. False when there is no such activity.
 */
export async function replaceActivity(db: Db, conversationId: string, activityId: string, activity: object): Promise<boolean> {
  const rows = await db.$queryRaw<{ seq: number }[]>`
    WITH next AS (
      UPDATE "WebChatConversation" SET "nextSeq" = "nextSeq" + 1 WHERE "id" = ${conversationId} RETURNING "nextSeq"
    )
    UPDATE "WebChatActivity" AS a
    SET "seq" = next."nextSeq",
        "activity" = ${JSON.stringify(activity)}::jsonb || jsonb_strip_nulls(jsonb_build_object('timestamp', a."activity"->'timestamp'))
    FROM next
    WHERE a."conversationId" = ${conversationId} AND a."activityId" = ${activityId}
    RETURNING a."seq"`;
  return rows.length === 1;
}

/** Deletes an activity; clients that already received it keep showing it (Direct Line has no deletion event). */
export async function deleteActivity(db: Db, conversationId: string, activityId: string): Promise<void> {
  await db.webChatActivity.deleteMany({ where: { conversationId, activityId } });
}

/** Activities after `watermark`, oldest first, and the watermark to ask with next time. */
export async function activitiesAfter(
  db: Db,
  conversationId: string,
  watermark: number,
  upTo?: number,
): Promise<{ activities: StoredActivity[]; watermark: number }> {
  const rows = await db.webChatActivity.findMany({
    where: { conversationId, seq: { gt: watermark, ...(upTo === undefined ? {} : { lte: upTo }) } },
    orderBy: { seq: 'asc' },
    take: PAGE_SIZE,
    select: { seq: true, activityId: true, activity: true },
  });
  return {
    activities: rows.map((row) => ({ ...(row.activity as Prisma.JsonObject), id: row.activityId })),
    watermark: rows.at(-1)?.seq ?? watermark,
  };
}
