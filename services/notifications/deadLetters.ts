import { NotificationState } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import { queueNotification, type NotificationKind } from './notificationOutbox';
import { AccessDenied, Role, canSeeOrganisation, requireRole, type Actor } from '../people/people';

/**
 * Notifications that could not be delivered after the last try (DEAD) are not silently dropped: each gets a line
 * in its service's timeline, and the administrator who set the service up is told whom an update did not reach.
 */

export const UNDELIVERABLE_KIND = 'notification.undeliverable' as const satisfies NotificationKind;
const TIMELINE_KIND = 'notification_undeliverable';
// One number for every process: recording dead letters is done by one of them at a time.
const DEAD_LETTER_LOCK = 0x6e6f7464;

/** Records the dead letters not recorded yet; returns how many. Safe to run from several processes at once. */
export async function recordDeadLetters(db: Db, now: Date = new Date()): Promise<number> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${DEAD_LETTER_LOCK})`;
    const dead = await tx.$queryRaw<Array<{ id: string; kind: string; recipientId: string; serviceId: string }>>`
      SELECT n.id, n.kind, n."recipientId", n."serviceId" FROM "Notification" n
      WHERE n.state = 'DEAD' AND n."serviceId" IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM "ServiceEvent" e
                        WHERE e."serviceId" = n."serviceId" AND e.kind = ${TIMELINE_KIND} AND e.detail->>'notificationId' = n.id::text)
      ORDER BY n.sequence`;
    for (const letter of dead) {
      const service = await tx.service.findUniqueOrThrow({ where: { id: letter.serviceId }, select: { createdById: true } });
      await tx.serviceEvent.create({
        data: {
          serviceId: letter.serviceId,
          kind: TIMELINE_KIND,
          detail: { notificationId: letter.id, kind: letter.kind, recipientId: letter.recipientId },
          createdAt: now,
        },
      });
      // Telling the administrator about their own unreachable messages would only add another one.
      if (service.createdById && service.createdById !== letter.recipientId && letter.kind !== UNDELIVERABLE_KIND) {
        await queueNotification(tx, {
          idempotencyKey: `${UNDELIVERABLE_KIND}:${letter.id}`,
          recipientId: service.createdById,
          serviceId: letter.serviceId,
          kind: UNDELIVERABLE_KIND,
          audience: 'administrator',
          payload: { notificationId: letter.id, recipientId: letter.recipientId, kind: letter.kind },
        });
      }
    }
    return dead.length;
  });
}

export interface UndeliveredUpdate {
  kind: string;
  recipientName: string;
  lastError: string | null;
}

/** The updates about a service that reached nobody, for its card and timeline: its organisation's staff only. */
export async function undeliveredUpdatesOf(db: Db, actor: Actor, serviceId: string): Promise<UndeliveredUpdate[]> {
  requireRole(actor, Role.ADMINISTRATOR, Role.SUPPORT);
  const service = await db.service.findUnique({ where: { id: serviceId }, select: { organisationId: true } });
  if (!service || !(await canSeeOrganisation(db, actor, service.organisationId))) {
    throw new AccessDenied('no such service in this organisation');
  }
  const rows = await db.notification.findMany({
    where: { serviceId, state: NotificationState.DEAD },
    orderBy: { sequence: 'asc' },
    select: { kind: true, lastError: true, recipient: { select: { displayName: true } } },
  });
  return rows.map((row) => ({ kind: row.kind, recipientName: row.recipient.displayName, lastError: row.lastError }));
}
