import type { Db } from '../platform/db/database';
import { RetryableError } from '../platform/retry';

/**
 * A bulk operation's updates to its administrator (the notifications of one `digestKey`) reach them as one message,
 * posted once and then updated in place (bot/notifier.ts): what was posted where, who posts it, and what the
 * updates say so far.
 */

const DIGEST_CLAIM_MS = 60_000;

/** One digest's updates so far, counted by what happened. */
export interface DigestTally {
  /** The services the updates are about. */
  services: number;
  started: number;
  /** Activation emails sent to the users, who enter their SIM card number themselves. */
  emailed: number;
  completed: number;
  /** The users whose activation did not succeed. */
  failed: string[];
  other: number;
}

/** Whether a later update of the same digest is still to be delivered: it will make this one's change anyway. */
export async function supersededInDigest(db: Db, notificationId: string, recipientId: string, digestKey: string): Promise<boolean> {
  const { sequence } = await db.notification.findUniqueOrThrow({ where: { id: notificationId }, select: { sequence: true } });
  const later = await db.notification.count({
    where: { recipientId, payload: { path: ['digestKey'], equals: digestKey }, state: 'PENDING', sequence: { gt: sequence } },
  });
  return later > 0;
}

const COUNTED = ['activation.started', 'activation.emailSent', 'activation.completed', 'activation.failed'];

export async function digestTally(db: Db, recipientId: string, digestKey: string): Promise<DigestTally> {
  const rows = await db.notification.findMany({
    where: { recipientId, payload: { path: ['digestKey'], equals: digestKey } },
    select: { kind: true, serviceId: true, service: { select: { user: { select: { displayName: true } } } } },
  });
  const count = (kind: string) => rows.filter((row) => row.kind === kind).length;
  return {
    services: new Set(rows.map((row) => row.serviceId)).size,
    started: count('activation.started'),
    emailed: count('activation.emailSent'),
    completed: count('activation.completed'),
    failed: rows.filter((row) => row.kind === 'activation.failed').map((row) => row.service?.user.displayName ?? ''),
    other: rows.filter((row) => !COUNTED.includes(row.kind)).length,
  };
}

/** Where the digest's message was posted: a conversation and activity, 'email', or not yet (claimed, or not even that). */
export async function digestPosted(db: Db, recipientId: string, digestKey: string): Promise<{ reference: unknown; activityId: string | null; claimedAt: Date } | null> {
  return db.notificationDigest.findUnique({
    where: { recipientId_digestKey: { recipientId, digestKey } },
    select: { reference: true, activityId: true, claimedAt: true },
  });
}

/** Only one deliverer posts a digest's first message; another waits for it, or takes over when it stopped. */
export async function claimDigest(db: Db, recipientId: string, digestKey: string, claimedAt: Date | undefined): Promise<void> {
  const now = new Date();
  if (!claimedAt) {
    const { count } = await db.notificationDigest.createMany({ data: [{ recipientId, digestKey, claimedAt: now }], skipDuplicates: true });
    if (count === 1) return;
  } else if (claimedAt.getTime() < now.getTime() - DIGEST_CLAIM_MS) {
    const { count } = await db.notificationDigest.updateMany({ where: { recipientId, digestKey, claimedAt, activityId: null }, data: { claimedAt: now } });
    if (count === 1) return;
  }
  throw new RetryableError('the digest message is being posted by another deliverer', { retryAfterMs: 1_000 });
}

/** Where the first message went: the conversation and activity to update later, or email (one is enough then). */
export async function recordDigestPosted(
  db: Db,
  recipientId: string,
  digestKey: string,
  posted: { via: 'email' } | { via: string; reference: object; activityId: string | undefined },
): Promise<void> {
  await db.notificationDigest.update({
    where: { recipientId_digestKey: { recipientId, digestKey } },
    data: 'reference' in posted ? { reference: { ...posted.reference }, activityId: posted.activityId ?? null } : { activityId: 'email' },
  });
}
