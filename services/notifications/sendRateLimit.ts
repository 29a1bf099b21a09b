import { Prisma } from '../../prisma/generated/client';
import type { Db } from '../platform/db/database';

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
  return (await takeSendSlots(db, [limits], now))[0]!;
}

/**
 * Several sends at once, in the order given, each taking a slot in every one of its keys or none: one transaction
 * for all of them, so that the senders of one tenant do not queue one by one for its lock.
 */
export async function takeSendSlots(db: Db, requests: ReadonlyArray<readonly RateLimit[]>, now: Date = new Date()): Promise<SlotResult[]> {
  const windowsOf = new Map<string, readonly RateWindow[]>();
  for (const limits of requests) for (const { key, windows } of limits) windowsOf.set(key, windows);
  if (windowsOf.size === 0) return requests.map(() => ({ taken: true }));
  // One lock order for every process, so two senders sharing two keys cannot deadlock.
  const keys = [...windowsOf.keys()].sort();
  const counted = Prisma.join(keys.flatMap((key) => windowsOf.get(key)!.map((window) => Prisma.sql`(${key}, ${window.perMs}::int)`)));
  return db.$transaction(async (tx) => {
    // unnest keeps the array's (sorted) order.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(${keys}::text[]) AS k`;
    const rows = await tx.$queryRaw<Array<{ key: string; perMs: number; sent: number }>>`
      SELECT w.key, w.per_ms AS "perMs",
        (SELECT count(*)::int FROM "SendSlot" AS s WHERE s.key = w.key AND s.at > ${utc(now, Prisma.sql`w.per_ms`)}) AS sent
      FROM (VALUES ${counted}) AS w(key, per_ms)`;
    const sent = new Map(rows.map((row) => [`${row.key} ${row.perMs}`, row.sent]));
    const room = (limits: readonly RateLimit[]) =>
      limits.every(({ key, windows }) => windows.every((window) => sent.get(`${key} ${window.perMs}`)! < window.limit));
    const taken = requests.map((limits) => {
      if (!room(limits)) return false;
      for (const { key, windows } of limits) for (const window of windows) sent.set(`${key} ${window.perMs}`, sent.get(`${key} ${window.perMs}`)! + 1);
      return true;
    });
    const slots = requests.flatMap((limits, i) => (taken[i] ? limits.map(({ key }) => key) : []));
    if (slots.length > 0) {
      const longest = Prisma.join(
        [...new Set(slots)].map((key) => Prisma.sql`(${key}, ${Math.max(...windowsOf.get(key)!.map((window) => window.perMs))}::int)`),
      );
      // Pruning what no window still counts.
      await tx.$executeRaw`
        WITH pruned AS (
          DELETE FROM "SendSlot" AS s USING (VALUES ${longest}) AS p(key, per_ms)
          WHERE s.key = p.key AND s.at <= ${utc(now, Prisma.sql`p.per_ms`)}
        )
        INSERT INTO "SendSlot" (id, key, at) SELECT gen_random_uuid(), k, ${utc(now)} FROM unnest(${slots}::text[]) AS k`;
    }
    const results: SlotResult[] = [];
    for (const [i, limits] of requests.entries()) results.push(taken[i] ? { taken: true } : { taken: false, retryAfterMs: await untilRoom(tx, limits, now) });
    return results;
  });
}

/** How long until every window of every key has room: per window, when the `limit`-th most recent send in it leaves. */
async function untilRoom(tx: Prisma.TransactionClient, limits: readonly RateLimit[], now: Date): Promise<number> {
  const windows = Prisma.join(
    limits.flatMap(({ key, windows }) => windows.map((window) => Prisma.sql`(${key}, ${window.limit}::int, ${window.perMs}::int)`)),
  );
  const full = await tx.$queryRaw<Array<{ leavesAtMs: number }>>`
    SELECT (extract(epoch FROM s.at) * 1000)::float8 + w.per_ms AS "leavesAtMs"
    FROM (VALUES ${windows}) AS w(key, lim, per_ms)
    CROSS JOIN LATERAL (
      SELECT at FROM "SendSlot"
      WHERE key = w.key AND at > ${utc(now, Prisma.sql`w.per_ms`)}
      ORDER BY at DESC OFFSET w.lim - 1 LIMIT 1
    ) AS s`;
  return Math.max(0, ...full.map((row) => Math.round(row.leavesAtMs - now.getTime())));
}

/**
 * The slots of this process's senders asking at the same moment (the deliveries of one notification batch), taken
 * together in one transaction; those asking while it runs go together in the next.
 */
export function sendSlotTaker(db: Db): (limits: readonly RateLimit[]) => Promise<SlotResult> {
  let asked: Array<{ limits: readonly RateLimit[]; resolve(result: SlotResult): void; reject(error: unknown): void }> = [];
  let busy = false;
  const flush = async () => {
    busy = true;
    while (asked.length > 0) {
      const batch = asked;
      asked = [];
      await takeSendSlots(db, batch.map(({ limits }) => limits)).then(
        (results) => batch.forEach(({ resolve }, i) => resolve(results[i]!)),
        (error: unknown) => batch.forEach(({ reject }) => reject(error)),
      );
    }
    busy = false;
  };
  return (limits) =>
    new Promise<SlotResult>((resolve, reject) => {
      asked.push({ limits, resolve, reject });
      if (!busy && asked.length === 1) setImmediate(() => void flush());
    });
}
