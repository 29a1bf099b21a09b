import { Prisma } from '../prisma/generated/client';
import type { Db } from './db/database';

/**
 * Rate limits shared by every bot process: each message sent is one SendSlot row per limited key (a conversation,
 * an app and tenant), and a send may go only while every sliding window of every key has room. A transaction-scoped
 * advisory lock per key makes "count, then take" atomic across processes, so several processes together stay under
 * the limits, which a per-process limiter could not promise.
 */

export interface RateWindow {
  limit: number;
  perMs: number;
}

export interface RateLimit {
  key: string;
  windows: readonly RateWindow[];
}

export type SlotResult = { taken: true } | { taken: false; retryAfterMs: number };

/** A JavaScript time as the UTC TIMESTAMP(3) values Prisma stores, `minusMs` earlier, whatever the session's time zone. */
const utc = (at: Date, minusMs: Prisma.Sql | number = 0) =>
  Prisma.sql`(to_timestamp((${at.getTime()}::double precision - ${minusMs}) / 1000) AT TIME ZONE 'UTC')`;

/** Takes one slot in every key at `now`, or none and says how long until all of them have room. */
export async function takeSendSlot(db: Db, limits: readonly RateLimit[], now: Date = new Date()): Promise<SlotResult> {
  if (limits.length === 0) return { taken: true };
  // One lock order for every process, so two senders sharing two keys cannot deadlock.
  const sorted = [...limits].sort((a, b) => a.key.localeCompare(b.key));
  const keys = sorted.map(({ key }) => key);
  const windows = Prisma.join(
    sorted.flatMap(({ key, windows }) => windows.map((window) => Prisma.sql`(${key}, ${window.limit}::int, ${window.perMs}::int)`)),
  );
  const longest = Prisma.join(sorted.map(({ key, windows }) => Prisma.sql`(${key}, ${Math.max(...windows.map((window) => window.perMs))}::int)`));
  // Every sender of a tenant waits for its lock, so the transaction holding it makes three statements in all:
  // lock, check every window at once, take the slots (pruning what no window still counts).
  return db.$transaction(async (tx) => {
    // unnest keeps the array's (sorted) order.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(${keys}::text[]) AS k`;
    // Per window: the `limit`-th most recent send in it, if there is one; the window is full until it leaves.
    const full = await tx.$queryRaw<Array<{ leavesAtMs: number }>>`
      SELECT (extract(epoch FROM s.at) * 1000)::float8 + w.per_ms AS "leavesAtMs"
      FROM (VALUES ${windows}) AS w(key, lim, per_ms)
      CROSS JOIN LATERAL (
        SELECT at FROM "SendSlot"
        WHERE key = w.key AND at > ${utc(now, Prisma.sql`w.per_ms`)}
        ORDER BY at DESC OFFSET w.lim - 1 LIMIT 1
      ) AS s`;
    const retryAfterMs = Math.max(0, ...full.map((row) => Math.round(row.leavesAtMs - now.getTime())));
    if (full.length > 0) return { taken: false, retryAfterMs };
    await tx.$executeRaw`
      WITH pruned AS (
        DELETE FROM "SendSlot" AS s USING (VALUES ${longest}) AS p(key, per_ms)
        WHERE s.key = p.key AND s.at <= ${utc(now, Prisma.sql`p.per_ms`)}
      )
      INSERT INTO "SendSlot" (id, key, at) SELECT gen_random_uuid(), k, ${utc(now)} FROM unnest(${keys}::text[]) AS k`;
    return { taken: true };
  });
}
