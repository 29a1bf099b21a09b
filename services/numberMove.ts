import type { Prisma } from '../prisma/generated/client';
import { NumberOption, ServiceStatus, SimState } from '../prisma/generated/enums';

/**
 * "Port an existing Dstny service": a number moves from one of the organisation's services to a new one. Nothing
 * happens when the new service is saved; the number moves, and the old service ends, when the new one is activated.
 */

export type NumberMoveResult =
  | { moved: true; numberId: string; fromServiceId: string }
  | { moved: false; reason: 'not-a-move' | 'already' | 'no-number' };

/**
 * Moves the number of the service the new one was created from, in the activation's completion transaction: the
 * new service takes the number, the old one ends (ENDED, endedAt) and its SIM card is deactivated, each with its
 * timeline entry. Running it again changes nothing.
 */
export async function completeNumberMove(tx: Prisma.TransactionClient, newServiceId: string, now = new Date()): Promise<NumberMoveResult> {
  const service = await tx.service.findUnique({
    where: { id: newServiceId },
    select: { id: true, organisationId: true, numberOption: true, movedFrom: true },
  });
  const old = service?.movedFrom;
  if (!service || service.numberOption !== NumberOption.MOVE || !old || old.organisationId !== service.organisationId) {
    return { moved: false, reason: 'not-a-move' };
  }
  if (old.status === ServiceStatus.ENDED) return { moved: false, reason: 'already' };
  const numberId = old.mobileNumberId;
  if (!numberId) return { moved: false, reason: 'no-number' };

  // The old service lets go first: a number belongs to one service at a time (unique mobileNumberId).
  const ended = await tx.service.updateMany({
    where: { id: old.id, status: { not: ServiceStatus.ENDED }, mobileNumberId: numberId },
    data: { status: ServiceStatus.ENDED, endedAt: now, mobileNumberId: null },
  });
  if (ended.count !== 1) return { moved: false, reason: 'already' };
  await tx.service.update({ where: { id: service.id }, data: { mobileNumberId: numberId } });
  if (old.simCardId) await tx.simCard.update({ where: { id: old.simCardId }, data: { state: SimState.DEACTIVATED } });
  await tx.serviceEvent.createMany({
    data: [
      { serviceId: service.id, kind: 'number_moved_in', detail: { fromServiceId: old.id }, createdAt: now },
      { serviceId: old.id, kind: 'number_moved_out', detail: { toServiceId: service.id }, createdAt: now },
      { serviceId: old.id, kind: 'service_ended', detail: { reason: 'number_moved', toServiceId: service.id }, createdAt: now },
    ],
  });
  return { moved: true, numberId, fromServiceId: old.id };
}
