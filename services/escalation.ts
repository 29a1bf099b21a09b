import { z } from 'zod';
import { Role } from '../prisma/generated/enums';
import type { Db } from './db/database';
import { queueNotification } from './notificationOutbox';
import type { Actor } from './people';
import { findServicesOf, timelineOf, type ServiceSummary } from './serviceLookup';

export const escalationSchema = z.object({
  /** Carried by the card or the message that asked: the same key twice writes nothing more. */
  requestKey: z.string().trim().min(8).max(200),
  /** The service it is about; a user's own latest service when left out. */
  serviceId: z.uuid().optional(),
  /** What does not work (calls, data, sms, pin, or general). */
  topic: z.string().trim().min(1).max(40),
  /** What the person already tried, as they were shown it. */
  tried: z.array(z.string().max(500)).max(10),
});
export type EscalationRequest = z.input<typeof escalationSchema>;

export type EscalationResult =
  | { sent: true; administrators: string[] }
  | { sent: false; reason: 'already-sent'; administrators: string[] }
  | { sent: false; reason: 'no-administrator' };

export const ESCALATION_KIND = 'help.escalated' as const;

/**
 * "Contact my fleet administrator": one Notification per administrator of the organisation concerned, saying who
 * asked, for whom, what they tried, and the service's state; delivered by the notifier. A user escalates about
 * their own service; support and administrators about a service they may see.
 */
export async function escalateToAdministrators(db: Db, actor: Actor, request: EscalationRequest): Promise<EscalationResult> {
  const { requestKey, serviceId, topic, tried } = escalationSchema.parse(request);
  const service = await serviceConcerned(db, actor, serviceId);
  const organisationId = service?.organisationId ?? actor.organisationId;
  const administrators = await db.person.findMany({
    where: { organisationId, role: Role.ADMINISTRATOR },
    select: { id: true, displayName: true },
    orderBy: { displayName: 'asc' },
  });
  if (administrators.length === 0) return { sent: false, reason: 'no-administrator' };
  const names = administrators.map((admin) => admin.displayName);

  const payload = {
    requestedBy: { id: actor.id, name: actor.displayName, role: actor.role },
    user: service ? { id: service.user.id, name: service.user.displayName } : { id: actor.id, name: actor.displayName },
    topic,
    tried,
    service: service ? { id: service.id, product: service.product, status: service.status, porting: service.porting?.state ?? null } : null,
  };
  const written = await db.$transaction(async (tx) => {
    let count = 0;
    for (const admin of administrators) {
      const queued = await queueNotification(tx, {
        idempotencyKey: `${ESCALATION_KIND}:${requestKey}:${admin.id}`,
        recipientId: admin.id,
        serviceId: service?.id,
        kind: ESCALATION_KIND,
        audience: 'administrator',
        payload,
      });
      if (queued) count++;
    }
    if (count > 0 && service) {
      await tx.serviceEvent.create({ data: { serviceId: service.id, kind: 'escalated', detail: { topic }, actorId: actor.id } });
    }
    return count;
  });
  return written > 0 ? { sent: true, administrators: names } : { sent: false, reason: 'already-sent', administrators: names };
}

/** The service named, if the actor may see it; else the actor's own newest one, if any. */
async function serviceConcerned(db: Db, actor: Actor, serviceId: string | undefined): Promise<ServiceSummary | null> {
  if (serviceId) return (await timelineOf(db, actor, serviceId)).service;
  const [own] = await findServicesOf(db, actor);
  return own?.services[0] ?? null;
}
