import type { Db } from '../platform/db/database';

/**
 * Attempts counted per key in fixed time windows, in the database so that every process counts in the same place.
 * An attempt takes its slot before it is checked (one atomic upsert, so concurrent attempts cannot slip past the
 * limit together) and gives it back when it turns out right: what stays counted are the wrong ones.
 */

export interface AttemptLimit {
  limit: number;
  windowMs: number;
}

export type AttemptSlot =
  /** `count`: attempts in the window so far, this one included. */
  | { allowed: true; windowStart: Date; count: number; retryAfterMs: number }
  | { allowed: false; retryAfterMs: number };

export async function takeAttempt(db: Db, key: string, { limit, windowMs }: AttemptLimit, now = new Date()): Promise<AttemptSlot> {
  const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
  // Windows that ended are of no use to anyone; dropping them here keeps the table as small as the traffic.
  await db.attemptWindow.deleteMany({ where: { windowStart: { lt: new Date(windowStart.getTime() - windowMs) } } });
  const rows = await db.$queryRaw<{ count: number }[]>`
    INSERT INTO "AttemptWindow" ("key", "windowStart", "count") VALUES (${key}, ${windowStart}, 1)
    ON CONFLICT ("key", "windowStart") DO UPDATE SET "count" = "AttemptWindow"."count" + 1
    RETURNING "count"`;
  const count = rows[0]!.count;
  const retryAfterMs = windowStart.getTime() + windowMs - now.getTime();
  if (count <= limit) return { allowed: true, windowStart, count, retryAfterMs };
  return { allowed: false, retryAfterMs };
}

/** The attempt was a right one after all: it no longer counts against the key. */
export async function giveBackAttempt(db: Db, key: string, windowStart: Date): Promise<void> {
  await db.attemptWindow.updateMany({ where: { key, windowStart, count: { gt: 0 } }, data: { count: { decrement: 1 } } });
}
