import { z } from 'zod';
import type { Db } from '../platform/db/database';
import { enqueue, jobHandler, type JobHandler } from '../platform/jobQueue';
import type { Person } from '../../prisma/generated/client';
import { hashToken, newToken } from './accessLinks';

/**
 * A signed-in web chat: the one-time sign-in link is exchanged once for a session, which the browser keeps as a
 * cookie holding a random token; only the token's hash is stored. A session lasts twelve hours from signing in,
 * as long as its conversation may (never extended), and ends earlier when its person signs out, is removed, or
 * their organisation is deactivated.
 */
export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;

const tokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

/** What decides whether a session still acts; selected with the session (`liveSessionSelect`). */
export interface SessionFacts {
  revokedAt: Date | null;
  expiresAt: Date;
  person: { removedAt: Date | null; organisation: { deactivatedAt: Date | null } };
}

export const liveSessionSelect = {
  revokedAt: true,
  expiresAt: true,
  person: { select: { removedAt: true, organisation: { select: { deactivatedAt: true } } } },
} as const;

/** Not signed out, not expired, and its person still recognised (the rule of people.ts `recognise`). */
export function isLive(session: SessionFacts, now = new Date()): boolean {
  return !session.revokedAt && session.expiresAt > now && !session.person.removedAt && !session.person.organisation.deactivatedAt;
}

/** Starts a session for a person and the conversation it resumes; the token goes into the cookie, never stored. */
export async function startWebSession(db: Db, owner: { personId: string; conversationId: string }, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken();
  const expiresAt = new Date(now.getTime() + SESSION_LIFETIME_MS);
  await db.webSession.create({ data: { tokenHash: hashToken(token), personId: owner.personId, conversationId: owner.conversationId, createdAt: now, expiresAt } });
  return { token, expiresAt };
}

export interface LiveSession {
  id: string;
  conversationId: string;
  expiresAt: Date;
  person: Person;
}

/** The live session a cookie's token names, else null: unknown, malformed, ended and expired all alike. */
export async function findWebSession(db: Db, token: string, now = new Date()): Promise<LiveSession | null> {
  if (!tokenSchema.safeParse(token).success) return null;
  const session = await db.webSession.findUnique({
    where: { tokenHash: hashToken(token) },
    select: { id: true, conversationId: true, revokedAt: true, expiresAt: true, person: { include: { organisation: true } } },
  });
  if (!session || !isLive(session, now)) return null;
  const { organisation: _organisation, ...person } = session.person;
  return { id: session.id, conversationId: session.conversationId, expiresAt: session.expiresAt, person };
}

/** Signs out: the session, and with it its conversation's tokens, stop acting. False when there was none to end. */
export async function endWebSession(db: Db, token: string, now = new Date()): Promise<boolean> {
  if (!tokenSchema.safeParse(token).success) return false;
  const ended = await db.webSession.updateMany({ where: { tokenHash: hashToken(token), revokedAt: null }, data: { revokedAt: now } });
  return ended.count === 1;
}

/**
 * What no longer opens anything is removed: a signed-out or expired session, and the further tokens of a
 * conversation whose session ended (or that has none). Only once the conversation's own token has expired too: from
 * then on no request can extend it (a refresh needs a token that acts, a new page a live session), so nothing
 * removed here could have acted again, and a conversation left without its session cannot come back to life.
 */
export async function removeEndedSessions(db: Db, now = new Date()): Promise<{ sessions: number; tokens: number }> {
  const ended = { OR: [{ revokedAt: { not: null } }, { expiresAt: { lte: now } }] };
  const tokens = await db.webChatToken.deleteMany({
    where: { conversation: { expiresAt: { lte: now }, OR: [{ session: null }, { session: ended }] } },
  });
  const sessions = await db.webSession.deleteMany({ where: { ...ended, conversation: { expiresAt: { lte: now } } } });
  return { sessions: sessions.count, tokens: tokens.count };
}

export const WebSessionJobs = { removeEnded: 'people.removeEndedWebSessions' } as const;

/** Hourly: a signed-out session's rows go within about two hours (its token's hour, then this one). */
export const SESSION_REMOVAL_INTERVAL_MS = 60 * 60 * 1000;

/** The hour a moment falls in, counted from the epoch: it names that hour's removal job. */
const hourOf = (at: Date) => Math.floor(at.getTime() / SESSION_REMOVAL_INTERVAL_MS);
const removalPayload = z.object({ hour: z.number().int().nonnegative() });

/**
 * Queues the removal of `hour` (by default the next one: a process's start adds no work to its first minutes), once
 * whoever asks (every process at its start, and each run for the hour after its own): one job per hour in the queue,
 * however many processes share it.
 */
export async function scheduleSessionRemoval(db: Db, hour = hourOf(new Date()) + 1): Promise<void> {
  await enqueue(db, {
    kind: WebSessionJobs.removeEnded,
    payload: { hour },
    runAt: new Date(Math.max(Date.now(), hour * SESSION_REMOVAL_INTERVAL_MS)),
    singletonKey: `${WebSessionJobs.removeEnded}:${hour}`,
  });
}

/**
 * The hourly job. The next hour's run is queued first, so that a failing removal does not end the round; it is
 * the hour after this job's own, or after now when this one ran late (a process down for a day catches up once).
 */
export function removeEndedSessionsJob(db: Db): JobHandler<z.infer<typeof removalPayload>> {
  return jobHandler(removalPayload, async ({ hour }) => {
    const now = new Date();
    await scheduleSessionRemoval(db, Math.max(hour, hourOf(now)) + 1);
    await removeEndedSessions(db, now);
  });
}
