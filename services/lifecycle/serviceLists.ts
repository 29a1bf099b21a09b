import type { Service } from '../../prisma/generated/client';
import { Role, ServiceStatus } from '../../prisma/generated/enums';
import { codeAsName, nameOrCode, productNames, type Localised } from '../catalog/catalog';
import type { Db } from '../platform/db/database';
import { refuseService } from './serviceAccess';
import type { Actor } from '../people/people';
import { waitingForUser } from './table';

/** Services as lists: the user's own, and their organisation's services waiting for activation. */

/** All of the user's own services, oldest first, with their SIM card's number: what the chat needs in one read. */
export async function servicesOfUser(db: Db, actor: Actor): Promise<Array<Service & { simCard: { iccid: string } | null }>> {
  return db.service.findMany({ where: { userId: actor.id }, include: { simCard: { select: { iccid: true } } }, orderBy: { createdAt: 'asc' } });
}

/** The display name of a service's user; null if there is no such service. */
export async function serviceUserName(db: Db, serviceId: string): Promise<string | null> {
  const service = await db.service.findUnique({ where: { id: serviceId }, select: { user: { select: { displayName: true } } } });
  return service?.user.displayName ?? null;
}

export const WAITING_PAGE_SIZE = 10;

/** Not started yet, then started and waiting for the user: their SIM card number, their Start, or their eSIM's install. */
const waitingStates: ServiceStatus[] = [ServiceStatus.WAITING_FOR_ACTIVATION, ...waitingForUser];

export interface WaitingService {
  id: string;
  userName: string;
  product: Localised;
  serviceType: Localised;
  /** Its number, reserved or to be ported; null before it has one. */
  mobileNumber: string | null;
  status: ServiceStatus;
  createdAt: Date;
  scheduledStartAt: Date | null;
}

/**
 * "Services waiting for activation": the organisation's services not started yet, then those waiting for their
 * user's SIM card number or Start (whose email can be resent), oldest first, a page at a time.
 */
export async function listWaitingServices(
  db: Db,
  actor: Actor,
  page = 0,
): Promise<{ services: WaitingService[]; total: number; page: number; pages: number }> {
  if (actor.role !== Role.ADMINISTRATOR && actor.role !== Role.SUPPORT) {
    return refuseService(db, actor, 'service.list', null, `role ${actor.role} may not do this`);
  }
  const where = { organisationId: actor.organisationId, status: { in: waitingStates } };
  const total = await db.service.count({ where });
  const pages = Math.max(1, Math.ceil(total / WAITING_PAGE_SIZE));
  const current = Math.min(Math.max(0, page), pages - 1);
  const rows = await db.service.findMany({
    where,
    orderBy: [{ status: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
    skip: current * WAITING_PAGE_SIZE,
    take: WAITING_PAGE_SIZE,
    include: {
      user: { select: { displayName: true } },
      mobileNumber: { select: { e164: true } },
      portingRequests: { orderBy: { attempt: 'desc' }, take: 1, select: { e164: true } },
    },
  });
  const [products, types] = await Promise.all([
    productNames(db, rows.map((row) => row.productTypeCode)),
    db.serviceType.findMany({ where: { code: { in: rows.map((row) => row.serviceTypeCode) } }, select: { code: true, name: true, translations: true } }),
  ]);
  return {
    services: rows.map((row) => ({
      id: row.id,
      userName: row.user.displayName,
      product: products.get(row.productTypeCode) ?? codeAsName(row.productTypeCode),
      serviceType: nameOrCode(types.find((type) => type.code === row.serviceTypeCode), row.serviceTypeCode),
      mobileNumber: row.mobileNumber?.e164 ?? row.portingRequests[0]?.e164 ?? null,
      status: row.status,
      createdAt: row.createdAt,
      scheduledStartAt: row.scheduledStartAt,
    })),
    total,
    page: current,
    pages,
  };
}

/** Every service of the administrator's organisation still waiting to be started: "Start all". */
export async function allWaitingServiceIds(db: Db, actor: Actor): Promise<string[]> {
  if (actor.role !== Role.ADMINISTRATOR) return refuseService(db, actor, 'service.list', null, `role ${actor.role} may not do this`);
  const rows = await db.service.findMany({
    where: { organisationId: actor.organisationId, status: ServiceStatus.WAITING_FOR_ACTIVATION },
    select: { id: true },
  });
  return rows.map((row) => row.id);
}
