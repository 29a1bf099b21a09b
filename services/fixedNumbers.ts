import type { Prisma } from '../prisma/generated/client';
import { NumberKind, NumberState, Role, ServiceStatus } from '../prisma/generated/enums';
import { queueNotification } from './notificationOutbox';
import { AccessDenied, requireRole, type Actor } from './people';

/**
 * "Choose an active fixed number" (SmartMobile, FMC): the number is removed from the user it is linked to and
 * added to the new user's service, and the previous user is told.
 */

export type TakeFixedNumberResult =
  | { taken: true; fromServiceId: string; previousUserId: string }
  /** The service already has this number: a repeated save. */
  | { taken: false; reason: 'already' }
  /** No active service uses the number any more (ended, or taken by someone else meanwhile): pick again. */
  | { taken: false; reason: 'not-in-use' }
  | { taken: false; reason: 'service-has-fixed-number' };

/** Moves an active fixed number of the administrator's organisation to `toServiceId`, inside the caller's transaction. */
export async function takeFixedNumber(
  tx: Prisma.TransactionClient,
  actor: Actor,
  fixedNumberId: string,
  toServiceId: string,
  now = new Date(),
): Promise<TakeFixedNumberResult> {
  requireRole(actor, Role.ADMINISTRATOR);
  const number = await tx.phoneNumber.findUnique({
    where: { id: fixedNumberId },
    select: { id: true, e164: true, kind: true, state: true, organisationId: true, fixedOf: { select: { id: true, userId: true, status: true } } },
  });
  const to = await tx.service.findUnique({
    where: { id: toServiceId },
    select: { id: true, organisationId: true, fixedNumberId: true, user: { select: { displayName: true } } },
  });
  // Another organisation's number or service looks exactly like one that does not exist.
  if (!number || number.kind !== NumberKind.FIXED || number.organisationId !== actor.organisationId) {
    throw new AccessDenied('no such fixed number in this organisation');
  }
  if (!to || to.organisationId !== actor.organisationId) throw new AccessDenied('no such service in this organisation');
  if (to.fixedNumberId === number.id) return { taken: false, reason: 'already' };
  if (to.fixedNumberId) return { taken: false, reason: 'service-has-fixed-number' };
  const holder = number.fixedOf;
  if (!holder || holder.status !== ServiceStatus.ACTIVE || number.state !== NumberState.IN_USE) return { taken: false, reason: 'not-in-use' };

  // Conditional on the holder still having it: of two administrators taking it at once, one succeeds.
  const released = await tx.service.updateMany({ where: { id: holder.id, fixedNumberId: number.id }, data: { fixedNumberId: null } });
  if (released.count !== 1) return { taken: false, reason: 'not-in-use' };
  await tx.service.update({ where: { id: to.id }, data: { fixedNumberId: number.id } });
  await tx.serviceEvent.createMany({
    data: [
      { serviceId: holder.id, kind: 'fixed_number_taken', detail: { toServiceId: to.id }, actorId: actor.id, createdAt: now },
      { serviceId: to.id, kind: 'fixed_number_assigned', detail: { fromServiceId: holder.id }, actorId: actor.id, createdAt: now },
    ],
  });
  await tx.auditEvent.create({
    data: {
      organisationId: actor.organisationId,
      actorId: actor.id,
      action: 'fixedNumber.taken',
      subjectType: 'PhoneNumber',
      subjectId: number.id,
      before: { serviceId: holder.id },
      after: { serviceId: to.id },
      createdAt: now,
    },
  });
  await queueNotification(tx, {
    idempotencyKey: `fixedNumber.taken:${number.id}:${holder.id}`,
    recipientId: holder.userId,
    serviceId: holder.id,
    kind: 'fixedNumber.taken',
    payload: { audience: 'previousUser', number: number.e164, newUser: to.user.displayName },
  });
  return { taken: true, fromServiceId: holder.id, previousUserId: holder.userId };
}
