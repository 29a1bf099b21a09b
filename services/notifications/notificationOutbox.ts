import { Prisma } from '../../prisma/generated/client';
import { NotificationState, Role } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import type { DbClient } from '../platform/jobQueue';
import { batchedRead } from '../platform/batchedRead';
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
  /** The user's eSIM, its QR code: only ever to the user; the administrator learns it was sent. */
  'esim.sent': ['administrator', 'user'],
  /** The user asked for a new eSIM and the stock had none: only an administrator can order more and send it. */
  'esim.outOfStock': ['administrator'],
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

/**
 * The same notification to each administrator of the organisation, as what only they can act on; `key` names the
 * event (each administrator's own key ends with their id). How many were new.
 */
export async function notifyAdministrators(
  client: DbClient,
  organisationId: string,
  key: string,
  notification: Omit<NewNotification, 'idempotencyKey' | 'recipientId' | 'audience'>,
): Promise<number> {
  const administrators = await client.person.findMany({ where: { organisationId, role: Role.ADMINISTRATOR }, select: { id: true } });
  return queueNotifications(client, administrators.map(({ id }) => ({ ...notification, idempotencyKey: `${key}:${id}`, recipientId: id, audience: 'administrator' })));
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
  /** Recipients whose earlier notifications this deliverer is still sending: none of theirs is claimed, so theirs stay in order. */
  busyRecipients?: readonly string[];
  /** Tries, the first included, before a notification is DEAD. */
  maxAttempts?: number;
  /** The time of this run: what is due, when retries end and when it is recorded as delivered. */
  now?: Date;
  /**
   * How long a claimed notification is hidden from other deliverers. It is renewed while the delivery runs, so only a
   * deliverer that dies is replaced, after it.
   */
  leaseMs?: number;
  backoff?: BackoffPolicy;
}

export interface DeliveryReport {
  claimed: number;
  delivered: number;
  retrying: number;
  dead: number;
}

/** What became of one claimed notification; 'lost' when another deliverer took it over meanwhile. */
type Outcome = keyof Omit<DeliveryReport, 'claimed'> | 'lost';

interface ClaimedRow {
  id: string;
  idempotencyKey: string;
  recipientId: string;
  serviceId: string | null;
  kind: string;
  payload: unknown;
  /** Our claim: the attempt count the claim set. Any record of ours requires it unchanged. */
  attempts: number;
  /** The order notifications were written in. */
  sequence: number;
}

/** Notifications claimed by one deliverer (claimDueNotifications), to be sent with deliverClaimed. */
export interface Claim {
  readonly rows: readonly ClaimedRow[];
  readonly options: { maxAttempts: number; now: Date; leaseMs: number; backoff: BackoffPolicy };
  /** When it was claimed, by this process's clock: the run's time moves on from `now` with it. */
  readonly claimedAtMs: number;
}

const LOOK_AHEAD_BATCHES = 4;
/** Renewals per lease: two can fail (a busy database) before another deliverer may take a delivery over. */
const RENEWALS_PER_LEASE = 3;

/** A JavaScript time as the UTC TIMESTAMP(3) values Prisma stores, whatever the session's time zone. */
const utc = (at: Date) => Prisma.sql`(to_timestamp(${at.getTime()}::double precision / 1000) AT TIME ZONE 'UTC')`;

/** Claims and delivers one batch of due notifications (claimDueNotifications, then deliverClaimed). */
export async function deliverDueNotifications(db: Db, deliver: DeliverNotification, options: DeliveryOptions = {}): Promise<DeliveryReport> {
  return deliverClaimed(db, await claimDueNotifications(db, options), deliver);
}

/**
 * Claims a batch of due notifications. The claim (FOR UPDATE SKIP LOCKED, then a lease pushed into nextAttemptAt and
 * the attempt count raised) keeps concurrent deliverers, in this process or others, off each other's notifications.
 */
export async function claimDueNotifications(db: Db, options: DeliveryOptions = {}): Promise<Claim> {
  const { batch = 50, perRecipient = 10, busyRecipients = [], maxAttempts = 8, now = new Date(), leaseMs = 60_000, backoff = defaultBackoff } = options;
  const claimedAtMs = Date.now();
  // The oldest due rows not claimed by another deliverer (SKIP LOCKED), looking a few batches ahead so that a flood
  // to one recipient leaves room for others; of those, at most `perRecipient` each.
  const claimed = await db.$queryRaw<ClaimedRow[]>`
    WITH due AS (
      SELECT id, "recipientId", "nextAttemptAt", sequence FROM "Notification"
      WHERE state = 'PENDING' AND "nextAttemptAt" <= ${utc(now)} AND NOT ("recipientId" = ANY(${[...busyRecipients]}::uuid[]))
      ORDER BY "nextAttemptAt", sequence
      LIMIT ${batch * LOOK_AHEAD_BATCHES}
      FOR UPDATE SKIP LOCKED
    ), chosen AS (
      SELECT id FROM (
        SELECT id, "nextAttemptAt", sequence, row_number() OVER (PARTITION BY "recipientId" ORDER BY "nextAttemptAt", sequence) AS nth
        FROM due
      ) AS ranked
      WHERE nth <= ${perRecipient}
      ORDER BY "nextAttemptAt", sequence
      LIMIT ${batch}
    )
    UPDATE "Notification"
    SET attempts = attempts + 1, "nextAttemptAt" = ${utc(new Date(now.getTime() + leaseMs))}
    WHERE id IN (SELECT id FROM chosen)
    RETURNING id, "idempotencyKey", "recipientId", "serviceId", kind, payload, attempts, sequence`;
  const rows = [...claimed].sort((a, b) => a.sequence - b.sequence);
  return { rows, options: { maxAttempts, now, leaseMs, backoff }, claimedAtMs };
}

/**
 * Delivers what was claimed. Notifications to one recipient go out one after the other, in the order they were
 * written; different recipients in parallel, none waiting for another. Each outcome is recorded as soon as it is
 * known, and only if the claim still stands; a recipient's next notification is checked to be still ours just before
 * it is sent, and the lease of those not done yet is renewed meanwhile, so that no other deliverer sends them too.
 */
export async function deliverClaimed(
  db: Db,
  claim: Claim,
  deliver: DeliverNotification,
  /** Told of each notification once its outcome is recorded (or it turned out not to be ours any more). */
  onSettled: (notification: Claim['rows'][number]) => void = () => undefined,
): Promise<DeliveryReport> {
  const { rows, options } = claim;
  const report: DeliveryReport = { claimed: rows.length, delivered: 0, retrying: 0, dead: 0 };
  if (rows.length === 0) return report;
  const byRecipient = new Map<string, ClaimedRow[]>();
  for (const row of rows) byRecipient.set(row.recipientId, [...(byRecipient.get(row.recipientId) ?? []), row]);

  const unfinished = new Map(rows.map((row) => [row.id, row]));
  const elapsedNow = () => new Date(options.now.getTime() + Date.now() - claim.claimedAtMs);
  const renewal = setInterval(() => {
    // A renewal that fails leaves the lease to run out; every record of ours still requires our claim.
    renewLeases(db, [...unfinished.values()], new Date(elapsedNow().getTime() + options.leaseMs)).catch(() => undefined);
  }, options.leaseMs / RENEWALS_PER_LEASE);
  // Deliveries finishing together are recorded in one statement.
  const recordDelivered = batchedRead((delivered: Array<{ row: ClaimedRow; via: string }>) => markDelivered(db, delivered, options.now));
  try {
    await Promise.all(
      [...byRecipient.values()].map(async (recipientRows) => {
        for (const [nth, row] of recipientRows.entries()) {
          // The first was claimed a moment ago; the next ones waited for it, long enough for a lease to be lost.
          const outcome =
            nth > 0 && !(await stillClaimed(db, row))
              ? 'lost'
              : await deliverOne(db, deliver, row, options, async (via) => (await recordDelivered({ row, via })) ?? false);
          unfinished.delete(row.id);
          if (outcome !== 'lost') report[outcome]++;
          onSettled(row);
        }
      }),
    );
  } finally {
    clearInterval(renewal);
  }
  return report;
}

/** Pushes the lease of notifications still being delivered to `until`, where our claim stands. */
async function renewLeases(db: Db, rows: ClaimedRow[], until: Date): Promise<void> {
  if (rows.length === 0) return;
  await db.$executeRaw`
    UPDATE "Notification" AS n SET "nextAttemptAt" = ${utc(until)}
    FROM (VALUES ${Prisma.join(rows.map((row) => Prisma.sql`(${row.id}::uuid, ${row.attempts}::int)`))}) AS c(id, attempts)
    WHERE n.id = c.id AND n.state = 'PENDING' AND n.attempts = c.attempts`;
}

async function stillClaimed(db: Db, row: ClaimedRow): Promise<boolean> {
  return (await db.notification.count({ where: { id: row.id, state: NotificationState.PENDING, attempts: row.attempts } })) === 1;
}

/** Marks deliveries DELIVERED, each only if its claim still stands; whether each was. */
async function markDelivered(db: Db, delivered: Array<{ row: ClaimedRow; via: string }>, now: Date): Promise<Map<{ row: ClaimedRow; via: string }, boolean>> {
  const values = Prisma.join(delivered.map(({ row, via }) => Prisma.sql`(${row.id}::uuid, ${row.attempts}::int, ${via})`));
  const marked = await db.$queryRaw<Array<{ id: string }>>`
    UPDATE "Notification" AS n
    SET state = 'DELIVERED', "deliveredVia" = d.via, "deliveredAt" = ${utc(now)}, "lastError" = NULL
    FROM (VALUES ${values}) AS d(id, attempts, via)
    WHERE n.id = d.id AND n.state = 'PENDING' AND n.attempts = d.attempts
    RETURNING n.id`;
  const ids = new Set(marked.map(({ id }) => id));
  return new Map(delivered.map((item) => [item, ids.has(item.row.id)]));
}

async function deliverOne(
  db: Db,
  deliver: DeliverNotification,
  row: ClaimedRow,
  { maxAttempts, now, backoff }: Claim['options'],
  recordDelivered: (via: string) => Promise<boolean>,
): Promise<Outcome> {
  // Only while our claim stands: same state and attempt count as we left them.
  const record = async (data: Prisma.NotificationUpdateManyMutationInput) =>
    (await db.notification.updateMany({ where: { id: row.id, state: NotificationState.PENDING, attempts: row.attempts }, data })).count === 1;

  if (row.attempts > maxAttempts) {
    // The deliverer of its last try stopped mid-way; whether it went out is unknown, and the tries are spent.
    const dead = await record({ state: NotificationState.DEAD, lastError: 'the deliverer stopped during the last try' });
    return dead ? 'dead' : 'lost';
  }
  let via: string;
  try {
    ({ via } = await deliver({
      id: row.id,
      idempotencyKey: row.idempotencyKey,
      recipientId: row.recipientId,
      serviceId: row.serviceId,
      kind: row.kind,
      payload: row.payload,
      attempt: row.attempts,
    }));
  } catch (error) {
    const lastError = describeError(error);
    if (isPermanent(error) || row.attempts >= maxAttempts) {
      return (await record({ state: NotificationState.DEAD, lastError })) ? 'dead' : 'lost';
    }
    const nextAttemptAt = new Date(now.getTime() + retryDelayMs(error, row.attempts, backoff));
    return (await record({ nextAttemptAt, lastError })) ? 'retrying' : 'lost';
  }
  return (await recordDelivered(via)) ? 'delivered' : 'lost';
}
