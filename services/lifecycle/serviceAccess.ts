import { z } from 'zod';
import type { Service } from '../../prisma/generated/client';
import { Role } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import { canSeeOrganisation, refuse, type Actor } from '../people/people';

/** Who may act on a service, and how: every refusal is audited, another organisation's service reads as missing. */

/** The refusals here concern a service (none for a list): audited as `<action>.denied`. */
export const refuseService = (db: Db, actor: Actor, action: string, subjectId: string | null, reason: string) =>
  refuse(db, actor, { action: `${action}.denied`, subjectType: 'Service', subjectId, reason });

export type Permission = 'administrator' | 'administrator-or-support' | 'user-or-administrator' | 'user';

/** The service if `actor` may act on it as `permission` says; another organisation's service reads as missing. */
export async function serviceFor(db: Db, actor: Actor, serviceId: string, permission: Permission, action: string): Promise<Service> {
  if (!z.uuid().safeParse(serviceId).success) return refuseService(db, actor, action, null, 'no such service');
  const service = await db.service.findUnique({ where: { id: serviceId } });
  if (!service) return refuseService(db, actor, action, serviceId, 'no such service');
  // Whatever their role, a person may enter the SIM card of their own service.
  if ((permission === 'user-or-administrator' || permission === 'user') && service.userId === actor.id) return service;
  if (permission === 'user') return refuseService(db, actor, action, serviceId, 'only the service\'s user may do this');
  const allowedRoles: Role[] = permission === 'administrator-or-support' ? [Role.ADMINISTRATOR, Role.SUPPORT] : [Role.ADMINISTRATOR];
  if (!allowedRoles.includes(actor.role)) return refuseService(db, actor, action, serviceId, `role ${actor.role} may not do this`);
  if (!(await canSeeOrganisation(db, actor, service.organisationId))) return refuseService(db, actor, action, serviceId, 'no such service');
  return service;
}
