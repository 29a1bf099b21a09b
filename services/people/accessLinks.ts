import crypto from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../platform/db/database';
import type { AccessLink, Person } from '../../prisma/generated/client';
import { LinkPurpose } from '../../prisma/generated/enums';

export { LinkPurpose };

/** 256 random bits, URL-safe. Only the SHA-256 of a token is stored, so a database leak yields no usable link. */
export function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

const tokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

export interface NewLink {
  purpose: LinkPurpose;
  personId: string;
  serviceId?: string;
  ttlMs: number;
}

export async function createAccessLink(db: Db, link: NewLink): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken();
  const expiresAt = new Date(Date.now() + link.ttlMs);
  await db.accessLink.create({
    data: {
      tokenHash: hashToken(token),
      purpose: link.purpose,
      personId: link.personId,
      serviceId: link.serviceId,
      expiresAt,
    },
  });
  return { token, expiresAt };
}

export type ValidLink = AccessLink & { person: Person };

/**
 * The link behind a token if it can still be used, else null: unknown, malformed, expired, revoked and used links
 * all give the same answer, so links cannot be probed.
 */
export async function findUsableLink(db: Db, token: string, purpose: LinkPurpose, now = new Date()): Promise<ValidLink | null> {
  if (!tokenSchema.safeParse(token).success) return null;
  const link = await db.accessLink.findUnique({ where: { tokenHash: hashToken(token) }, include: { person: true } });
  return link && isUsable(link, purpose, now) ? link : null;
}

/** Not expired, revoked (a new email replaces the link) or used, and for this purpose. */
export function isUsable(link: Pick<AccessLink, 'purpose' | 'revokedAt' | 'usedAt' | 'expiresAt'>, purpose: LinkPurpose, now = new Date()): boolean {
  return link.purpose === purpose && !link.revokedAt && !link.usedAt && link.expiresAt > now;
}

/** Uses a one-time link: only the first of concurrent redemptions gets it. */
export async function redeemOneTimeLink(db: Db, token: string, purpose: LinkPurpose, now = new Date()): Promise<ValidLink | null> {
  const link = await findUsableLink(db, token, purpose, now);
  if (!link) return null;
  const claimed = await db.accessLink.updateMany({ where: { id: link.id, usedAt: null }, data: { usedAt: now } });
  return claimed.count === 1 ? { ...link, usedAt: now } : null;
}
