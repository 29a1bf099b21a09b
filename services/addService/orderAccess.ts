import { z } from 'zod';
import { Role } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import { AccessDenied, recordRefusal, type Actor } from '../people/people';

/**
 * Who may order a service and for whom: only an administrator, only for a person of their own organisation. Every
 * refusal of the add-service flow is written to the audit trail.
 */

/** An AccessDenied already written to the audit trail. */
export class OrderRefused extends AccessDenied {}

/** Writes the AuditEvent of a refused add-service action (an AccessDenied from any service the flow called). */
export async function auditRefusal(db: Db, actor: Actor, reason: string, subject: { type: string; id?: string | null } = { type: 'Service' }): Promise<void> {
  await recordRefusal(db, actor, { action: 'addService.denied', subjectType: subject.type, subjectId: subject.id, reason });
}

/**
 * Refuses with an AuditEvent: a card naming another organisation's person, SIM card or number, a product outside
 * the contract, or a non-administrator ordering. Throws OrderRefused; nothing else was changed.
 */
export async function refuseOrder(db: Db, actor: Actor, reason: string, subject: { type: string; id?: string | null } = { type: 'Service' }): Promise<never> {
  await auditRefusal(db, actor, reason, subject);
  throw new OrderRefused(reason);
}

/** Refuses (with an AuditEvent) anyone but an administrator. */
export async function requireAdministrator(db: Db, actor: Actor): Promise<void> {
  if (actor.role !== Role.ADMINISTRATOR) await refuseOrder(db, actor, `role ${actor.role} may not add services`);
}

/** The person a service is for, if they belong to the administrator's organisation. */
export async function userForService(db: Db, actor: Actor, personId: string): Promise<{ id: string; displayName: string; email: string }> {
  await requireAdministrator(db, actor);
  const person = z.uuid().safeParse(personId).success
    ? await db.person.findFirst({ where: { id: personId, organisationId: actor.organisationId }, select: { id: true, displayName: true, email: true } })
    : null;
  return person ?? refuseOrder(db, actor, 'no such person in this organisation', { type: 'Person', id: personId.slice(0, 40) });
}
