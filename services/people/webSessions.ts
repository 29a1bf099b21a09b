import { z } from 'zod';
import type { Db } from '../platform/db/database';
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
