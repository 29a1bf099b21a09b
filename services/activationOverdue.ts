import { Role, ServiceStatus } from '../prisma/generated/enums';
import type { Db } from './db/database';
import { ACTIVATION_MAX_MS } from './lifecycle/table';
import { queueNotification } from './notificationOutbox';

export { ACTIVATION_MAX_MS };

/**
 * Activation normally takes an hour and at most two days (the operator's help page). A service still activating
 * after that gets one notice each to its administrator (what to do), to support, and to the user (reassuring).
 */

export const OVERDUE_KIND = 'activation.overdue' as const;
const TIMELINE_KIND = 'activation_overdue';

/**
 * Queues the notices for services activating for longer than `afterMs` (two days, divided by the clock speed in
 * the demo). Idempotent per activation, across processes: the notifications' keys name the activation's start.
 */
export async function queueOverdueActivationNotices(db: Db, options: { afterMs: number; now?: Date }): Promise<number> {
  const now = options.now ?? new Date();
  const candidates = await db.service.findMany({
    where: { status: ServiceStatus.ACTIVATING, activationStartedAt: { lte: new Date(now.getTime() - options.afterMs) } },
    select: {
      id: true,
      userId: true,
      createdById: true,
      organisationId: true,
      activationStartedAt: true,
      events: { where: { kind: TIMELINE_KIND }, select: { createdAt: true } },
    },
  });
  let noticed = 0;
  for (const service of candidates) {
    const startedAt = service.activationStartedAt!;
    if (service.events.some((event) => event.createdAt >= startedAt)) continue;
    const support = await db.person.findMany({
      where: {
        role: Role.SUPPORT,
        OR: [{ organisationId: service.organisationId }, { supportScopes: { some: { organisationId: service.organisationId } } }],
      },
      select: { id: true },
    });
    const recipients = [service.userId, service.createdById, ...support.map((person) => person.id)];
    await db.$transaction(async (tx) => {
      let first = false;
      for (const recipientId of new Set(recipients.filter((id): id is string => !!id))) {
        const written = await queueNotification(tx, {
          idempotencyKey: `${OVERDUE_KIND}:${service.id}:${startedAt.getTime()}:${recipientId}`,
          recipientId,
          serviceId: service.id,
          kind: OVERDUE_KIND,
          audience: recipientId === service.userId ? 'user' : recipientId === service.createdById ? 'administrator' : 'support',
          payload: { serviceId: service.id, activationStartedAt: startedAt.toISOString() },
        });
        first ||= written;
      }
      // Only the process whose notices were new writes the timeline line.
      if (first) {
        await tx.serviceEvent.create({ data: { serviceId: service.id, kind: TIMELINE_KIND, detail: { startedAt: startedAt.toISOString() }, createdAt: now } });
        noticed++;
      }
    });
  }
  return noticed;
}
