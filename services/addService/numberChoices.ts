import { z } from 'zod';
import { ServiceStatus } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import { listFixedNumbersInUse, listFreeFixedNumbers, type FixedNumberInUse } from '../numbers/numberPool';
import type { Actor } from '../people/people';
import { refuseOrder, requireAdministrator } from './orderAccess';
import { FixedOption } from './orderDraft';

/**
 * The numbers the flow's number steps offer (another service's mobile number to move, a free fixed number or a
 * colleague's to take over), the check that a chosen one is still among them, and the new number reserved for
 * the flow.
 */

export interface MovableNumber {
  serviceId: string;
  e164: string;
  user: { id: string; displayName: string };
}

/** Active services of the organisation whose mobile number could move, and that no pending service already claims. */
export async function movableNumbers(db: Db, actor: Actor): Promise<MovableNumber[]> {
  await requireAdministrator(db, actor);
  const services = await db.service.findMany({
    where: {
      organisationId: actor.organisationId,
      status: ServiceStatus.ACTIVE,
      mobileNumberId: { not: null },
      movedTo: { none: { status: { notIn: [ServiceStatus.CANCELLED, ServiceStatus.ENDED, ServiceStatus.FAILED] } } },
    },
    select: { id: true, mobileNumber: { select: { e164: true } }, user: { select: { id: true, displayName: true } } },
    orderBy: { user: { displayName: 'asc' } },
  });
  return services.flatMap((service) => (service.mobileNumber ? [{ serviceId: service.id, e164: service.mobileNumber.e164, user: service.user }] : []));
}

export interface FixedNumberChoices {
  free: Array<{ id: string; e164: string }>;
  inUse: FixedNumberInUse[];
}

export async function fixedNumberChoices(db: Db, actor: Actor, now = new Date()): Promise<FixedNumberChoices> {
  await requireAdministrator(db, actor);
  const [free, inUse] = await Promise.all([
    listFreeFixedNumbers(db, actor, actor.organisationId, { now, limit: 30 }),
    listFixedNumbersInUse(db, actor, actor.organisationId),
  ]);
  return { free, inUse };
}

/**
 * The movable number of `serviceId`, or null when it cannot move (not active, already claimed). Another
 * organisation's service is refused with an AuditEvent: only a tampered card can name it.
 */
export async function movableNumberFor(db: Db, actor: Actor, serviceId: string | undefined): Promise<MovableNumber | null> {
  const found = (await movableNumbers(db, actor)).find((candidate) => candidate.serviceId === serviceId);
  if (found || !serviceId) return found ?? null;
  const other = z.uuid().safeParse(serviceId).success ? await db.service.findUnique({ where: { id: serviceId }, select: { organisationId: true } }) : null;
  if (other && other.organisationId !== actor.organisationId) return refuseOrder(db, actor, 'number of another organisation', { type: 'Service', id: serviceId });
  return null;
}

/** The fixed number `numberId` if it is among the offered ones of `option`, else null; another organisation's is refused. */
export async function fixedNumberFor(
  db: Db,
  actor: Actor,
  option: FixedOption,
  numberId: string | undefined,
  now = new Date(),
): Promise<{ id: string; e164: string; user?: { id: string; displayName: string } } | null> {
  const choices = await fixedNumberChoices(db, actor, now);
  const found = (option === FixedOption.FREE ? choices.free : choices.inUse).find((number) => number.id === numberId);
  if (found || !numberId) return found ?? null;
  const number = z.uuid().safeParse(numberId).success ? await db.phoneNumber.findUnique({ where: { id: numberId }, select: { organisationId: true } }) : null;
  if (number?.organisationId && number.organisationId !== actor.organisationId) {
    return refuseOrder(db, actor, 'fixed number of another organisation', { type: 'PhoneNumber', id: numberId });
  }
  return null;
}
/**
 * The new mobile number reserved for an unfinished order, while it is still held for it (`heldFor`, the flow's key):
 * the card names it. Null once it is not (an expired reservation may have gone to someone else).
 */
export async function reservedNumberOf(db: Db, organisationId: string, numberId: string, heldFor: string): Promise<{ e164: string } | null> {
  return db.phoneNumber.findFirst({ where: { id: numberId, organisationId, reservedFor: heldFor }, select: { e164: true } });
}
