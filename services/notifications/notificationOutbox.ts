import { Prisma } from '../../prisma/generated/client';
import { NotificationState } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import type { DbClient } from '../platform/jobQueue';
import { defaultBackoff, describeError, isPermanent, retryDelayMs, type BackoffPolicy } from '../platform/retry';

/**
 * The Notification outbox. Services write notifications in the same transaction as the state change they announce
 * (queueNotification); a deliverer in bot/ sends them (deliverDueNotifications) with whatever channel it has.
 */

/** How the recipient relates to what a notification is about; the words differ for each. */
export type Audience = 'administrator' | 'user' | 'previousUser' | 'support';

/**
 * Every kind of notification the domain writes, and to whom each goes. The notifier must have words for every pair in
 * every language (test/unit/notificationWords.test.ts derives its cases from this table), and a notification without
 * words is dead, never delivered.
 */
export const notificationAudiences = {
  'activation.emailSent': ['administrator'],
  'activation.simEntered': ['administrator'],
  'activation.started': ['administrator', 'user'],
  'activation.provisioned': ['administrator', 'user'],
  'activation.completed': ['administrator', 'user'],
  'activation.failed': ['administrator', 'user'],
  'activation.overdue': ['administrator', 'support', 'user'],
  'activation.linkLocked': ['administrator'],
  'porting.submitted': ['administrator'],
  'porting.accepted': ['administrator'],
  'porting.scheduled': ['administrator', 'user'],
  'porting.completed': ['administrator', 'user'],
  'porting.refused': ['administrator'],
  'porting.cancelled': ['administrator'],
  'porting.held': ['administrator', 'user'],
  'porting.overdue': ['administrator'],
  'number.movePlanned': ['previousUser'],
  'number.moved': ['administrator', 'previousUser'],
  'fixedNumber.takePlanned': ['previousUser'],
  'fixedNumber.taken': ['administrator', 'previousUser'],
  'help.escalated': ['administrator'],
  'help.escalationOpen': ['administrator'],
  'notification.undeliverable': ['administrator'],
} as const satisfies Record<string, readonly Audience[]>;
export type NotificationKind = keyof typeof notificationAudiences;

export const notificationKinds = Object.keys(notificationAudiences) as NotificationKind[];

export function isNotificationKind(kind: string): kind is NotificationKind {
  return Object.hasOwn(notificationAudiences, kind);
}

export interface NewNotification {
  /** Names the event and recipient (e.g. `activation.completed:<serviceId>:<personId>`): writing it twice is harmless. */
  idempotencyKey: string;
  recipientId: string;
  serviceId?: string;
  kind: NotificationKind;
  /** Whom the recipient is to this notification; stored in the payload, which the notifier words it from. */
  audience: Audience;
  payload: Prisma.InputJsonObject;
}

/** Writes a notification unless one with the same idempotency key exists; true when it was written. */
export async function queueNotification(client: DbClient, notification: NewNotification): Promise<boolean> {
  return (await queueNotifications(client, [notification])) === 1;
}

/** Writes several at once; how many were new. Of two with the same key, the first is kept. */
export async function queueNotifications(client: DbClient, all: NewNotification[]): Promise<number> {
  const keys = new Set<string>();
  const notifications = all.filter(({ idempotencyKey }) => !keys.has(idempotencyKey) && keys.add(idempotencyKey));
  if (notifications.length === 0) return 0;
  // skipDuplicates is ON CONFLICT DO NOTHING: a duplicate neither throws nor aborts the caller's transaction.
  const { count } = await client.notification.createMany({
    data: notifications.map(({ audience, payload, ...notification }) => ({ ...notification, payload: { ...payload, audience } })),
    skipDuplicates: true,
  });
  return count;
}

/** A claimed notification, as the delivery function receives it. */
export interface OutboxNotification {
  id: string;
  idempotencyKey: string;
  recipientId: string;
  serviceId: string | null;
  kind: string;
  payload: unknown;
  /** 1 on the first try. */
  attempt: number;
}

/**
 * Sends one notification and says through which channel (e.g. "teams", "webchat", "email"). Throws a
 * RetryableError (with retryAfterMs from a 429's Retry-After) to be called again later, a PermanentError to give
 * up at once; any other error is treated as transient.
 */
export type DeliverNotification = (notification: OutboxNotification) => Promise<{ via: string }>;

export interface DeliveryOptions {
  /** Notifications claimed in this run. */
  batch?: number;
  /**
   * At most this many of them for one recipient: theirs go out one after the other, so a flood to one person (a bulk
   * operation's updates to its administrator) must not hold everyone else's for as long.
   */
  perRecipient?: number;
  /** Tries, the first included, before a notification is DEAD. */
  maxAttempts?: number;
  /** The time of this run: what is due, and when retries and leases end. */
  now?: Date;
  /** How long a claimed notification is hidden from other deliverers; a deliverer that dies is replaced after it. */
  leaseMs?: number;
  backoff?: BackoffPolicy;
}

export interface DeliveryReport {
  claimed: number;
  delivered: number;
  retrying: number;
  dead: number;
}

/** A delivery's channel, recorded with the batch's; or what became of a failed one. */
type Outcome = { via: string } | Exclude<keyof DeliveryReport, 'claimed' | 'delivered'> | 'lost';

interface ClaimedRow {
  id: string;
  idempotencyKey: string;
  recipientId: string;
  serviceId: string | null;
  kind: string;
  payload: unknown;
  attempts: number;
  createdAt: Date;
}

const LOOK_AHEAD_BATCHES = 4;

/** A JavaScript time as the UTC TIMESTAMP(3) values Prisma stores, whatever the session's time zone. */
const utc = (at: Date) => Prisma.sql`(to_timestamp(${at.getTime()}::double precision / 1000) AT TIME ZONE 'UTC')`;

/**
 * Delivers one batch of due notifications. The claim (FOR UPDATE SKIP LOCKED, then a lease pushed into
 * nextAttemptAt) keeps concurrent deliverers, in this process or others, off each other's notifications; each
 * outcome is recorded only if the lease was not taken over meanwhile. Notifications to one recipient go out one
 * after the other, in the order they were written; different recipients in parallel. The deliveries are recorded
 * together at the end of the batch (a deliverer that stops before has them sent again after the lease: at least once).
 */
export async function deliverDueNotifications(
  db: Db,
  deliver: DeliverNotification,
  options: DeliveryOptions = {},
): Promise<DeliveryReport> {
  const { batch = 50, perRecipient = 10, maxAttempts = 8, now = new Date(), leaseMs = 60_000, backoff = defaultBackoff } = options;
  // The oldest due rows not claimed by another deliverer (SKIP LOCKED), looking a few batches ahead so that a flood
  // to one recipient leaves room for others; of those, at most `perRecipient` each.
  const claimed = await db.$queryRaw<ClaimedRow[]>`
    WITH due AS (
      SELECT id, "recipientId", "nextAttemptAt", "createdAt" FROM "Notification"
      WHERE state = 'PENDING' AND "nextAttemptAt" <= ${utc(now)}
      ORDER BY "nextAttemptAt", "createdAt"
      LIMIT ${batch * LOOK_AHEAD_BATCHES}
      FOR UPDATE SKIP LOCKED
    ), chosen AS (
      SELECT id FROM (
        SELECT id, "nextAttemptAt", "createdAt", row_number() OVER (PARTITION BY "recipientId" ORDER BY "nextAttemptAt", "createdAt") AS nth
        FROM due
      ) AS ranked
      WHERE nth <= ${perRecipient}
      ORDER BY "nextAttemptAt", "createdAt"
      LIMIT ${batch}
    )
    UPDATE "Notification"
    SET attempts = attempts + 1, "nextAttemptAt" = ${utc(new Date(now.getTime() + leaseMs))}
    WHERE id IN (SELECT id FROM chosen)
    RETURNING id, "idempotencyKey", "recipientId", "serviceId", kind, payload, attempts, "createdAt"`;

  const byRecipient = new Map<string, ClaimedRow[]>();
  for (const row of [...claimed].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())) {
    byRecipient.set(row.recipientId, [...(byRecipient.get(row.recipientId) ?? []), row]);
  }
  const report: DeliveryReport = { claimed: claimed.length, delivered: 0, retrying: 0, dead: 0 };
  const delivered: Array<{ row: ClaimedRow; via: string }> = [];
  await Promise.all(
    [...byRecipient.values()].map(async (rows) => {
      for (const row of rows) {
        const outcome = await deliverOne(db, deliver, row, { maxAttempts, now, backoff });
        if (typeof outcome === 'object') delivered.push({ row, via: outcome.via });
        else if (outcome !== 'lost') report[outcome]++;
      }
    }),
  );
  report.delivered = await recordDelivered(db, delivered, now);
  return report;
}

/** One update per channel and attempt count, each only for the rows whose claim still stands; how many it recorded. */
async function recordDelivered(db: Db, delivered: Array<{ row: ClaimedRow; via: string }>, now: Date): Promise<number> {
  const groups = new Map<string, { via: string; attempts: number; ids: string[] }>();
  for (const { row, via } of delivered) {
    const key = `${via} ${row.attempts}`;
    const group = groups.get(key) ?? { via, attempts: row.attempts, ids: [] };
    group.ids.push(row.id);
    groups.set(key, group);
  }
  let recorded = 0;
  for (const { via, attempts, ids } of groups.values()) {
    const { count } = await db.notification.updateMany({
      where: { id: { in: ids }, state: NotificationState.PENDING, attempts },
      data: { state: NotificationState.DELIVERED, deliveredVia: via, deliveredAt: now, lastError: null },
    });
    recorded += count;
  }
  return recorded;
}

async function deliverOne(
  db: Db,
  deliver: DeliverNotification,
  row: ClaimedRow,
  { maxAttempts, now, backoff }: { maxAttempts: number; now: Date; backoff: BackoffPolicy },
): Promise<Outcome> {
  // Only while our claim stands: same state and attempt count as we left them.
  const record = async (data: Prisma.NotificationUpdateManyMutationInput) =>
    (await db.notification.updateMany({ where: { id: row.id, state: NotificationState.PENDING, attempts: row.attempts }, data })).count === 1;

  if (row.attempts > maxAttempts) {
    // The deliverer of its last try stopped mid-way; whether it went out is unknown, and the tries are spent.
    const dead = await record({ state: NotificationState.DEAD, lastError: 'the deliverer stopped during the last try' });
    return dead ? 'dead' : 'lost';
  }
  try {
    return await deliver({
      id: row.id,
      idempotencyKey: row.idempotencyKey,
      recipientId: row.recipientId,
      serviceId: row.serviceId,
      kind: row.kind,
      payload: row.payload,
      attempt: row.attempts,
    });
  } catch (error) {
    const lastError = describeError(error);
    if (isPermanent(error) || row.attempts >= maxAttempts) {
      return (await record({ state: NotificationState.DEAD, lastError })) ? 'dead' : 'lost';
    }
    const nextAttemptAt = new Date(now.getTime() + retryDelayMs(error, row.attempts, backoff));
    return (await record({ nextAttemptAt, lastError })) ? 'retrying' : 'lost';
  }
}
