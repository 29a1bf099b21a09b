import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { PortingState, Role, ServiceStatus } from '../../prisma/generated/enums';
import { nameOrCode, type Localised } from '../catalog/catalog';
import type { Db } from '../platform/db/database';
import { queueNotifications, type NotificationKind } from '../notifications/notificationOutbox';
import { canSeeOrganisation, refuse, type Actor } from '../people/people';
import { findServicesOf, timelineOf, type ServiceSummary } from '../fleet/lookUp';

/** What an escalation is about: a problem of the guided help, "something else", or support's own look-up. */
export const escalationTopics = ['calls', 'data', 'sms', 'pin', 'general', 'support'] as const;
export type EscalationTopic = (typeof escalationTopics)[number];
/** A topic as stored: one this version does not know reads as "something doesn't work". */
const storedTopic = z.enum(escalationTopics).catch('general');

export const escalationSchema = z.object({
  /** Carried by the card or the message that asked: the same key twice is one escalation. */
  requestKey: z.string().trim().min(8).max(200),
  /** The service it is about; a user's own latest service when left out. */
  serviceId: z.uuid().optional(),
  topic: z.enum(escalationTopics),
  /** What the person already tried, as they were shown it. */
  tried: z.array(z.string().max(500)).max(10),
});
export type EscalationRequest = z.input<typeof escalationSchema>;

export type EscalationResult =
  | { sent: true; administrators: string[] }
  | { sent: false; reason: 'already-sent'; administrators: string[] }
  | { sent: false; reason: 'no-administrator' };

export const ESCALATION_KIND = 'help.escalated' as const satisfies NotificationKind;

/**
 * What an escalation's notifications carry ('help.escalated', and 'help.escalationOpen' as its reminder): who asked,
 * for whom, what they tried, and where the service stood then, so that the administrator's message needs no more
 * reads.
 */
export const escalationPayloadSchema = z.looseObject({
  /** Absent from those written before escalations were kept. */
  escalationId: z.uuid().optional(),
  requestedBy: z.object({ id: z.string(), name: z.string().min(1), role: z.enum(Role) }),
  /** The service's user; the person who asked when they have no service. */
  user: z.object({ id: z.string(), name: z.string().min(1) }),
  topic: storedTopic,
  tried: z.array(z.string()),
  service: z
    .object({
      id: z.string(),
      product: z.record(z.string(), z.string()),
      status: z.enum(ServiceStatus),
      porting: z.enum(PortingState).nullable(),
    })
    .nullable(),
});
export type EscalationPayload = z.infer<typeof escalationPayloadSchema>;

/**
 * "Contact my fleet administrator", "Escalate to the administrator": an Escalation that stays open until an
 * administrator handles it, and one Notification per administrator of the organisation concerned, written together;
 * the notifier delivers them in Teams, the web chat or by email. A user escalates about their own service; support
 * and administrators about a service they may see.
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

  const escalationId = randomUUID();
  const payload = {
    escalationId,
    requestedBy: { id: actor.id, name: actor.displayName, role: actor.role },
    user: service ? { id: service.user.id, name: service.user.displayName } : { id: actor.id, name: actor.displayName },
    topic,
    tried,
    service: service ? { id: service.id, product: service.product, status: service.status, porting: service.porting?.state ?? null } : null,
  } satisfies EscalationPayload;
  const sent = await db.$transaction(async (tx) => {
    // A second press of the same card finds its escalation written (ON CONFLICT DO NOTHING), and writes nothing more.
    const { count } = await tx.escalation.createMany({
      data: [{ id: escalationId, organisationId, serviceId: service?.id ?? null, requestedById: actor.id, requestKey, topic, tried }],
      skipDuplicates: true,
    });
    if (count === 0) return false;
    await queueNotifications(
      tx,
      administrators.map((admin) => ({
        idempotencyKey: `${ESCALATION_KIND}:${requestKey}:${admin.id}`,
        recipientId: admin.id,
        serviceId: service?.id,
        kind: ESCALATION_KIND,
        audience: 'administrator' as const,
        payload,
      })),
    );
    if (service) await tx.serviceEvent.create({ data: { serviceId: service.id, kind: 'escalated', detail: { topic }, actorId: actor.id } });
    return true;
  });
  return sent ? { sent: true, administrators: names } : { sent: false, reason: 'already-sent', administrators: names };
}

/** The service named, if the actor may see it; else the actor's own newest one, if any. */
async function serviceConcerned(db: Db, actor: Actor, serviceId: string | undefined): Promise<ServiceSummary | null> {
  if (serviceId) return (await timelineOf(db, actor, serviceId)).service;
  const [own] = await findServicesOf(db, actor);
  return own?.services[0] ?? null;
}

export interface OpenEscalation {
  id: string;
  createdAt: Date;
  topic: EscalationTopic;
  tried: string[];
  /** Who asked; null when they are no longer in the assistant. */
  requestedBy: { id: string; name: string; role: Role } | null;
  /** Whom it is for: the service's user, or the person who asked when there is no service. */
  user: { id: string; name: string } | null;
  service: { id: string; product: Localised; status: ServiceStatus } | null;
}

const refuseEscalation = (db: Db, actor: Actor, subjectType: string, subjectId: string | null, reason: string) =>
  refuse(db, actor, { action: 'escalation.denied', subjectType, subjectId, reason });

/**
 * The organisation's escalations that no administrator has handled yet, oldest first: for its administrators and for
 * support with that organisation in scope. Refusals are audited.
 */
export async function openEscalations(db: Db, actor: Actor, organisationId: string): Promise<OpenEscalation[]> {
  if (actor.role === Role.USER) return refuseEscalation(db, actor, 'Organisation', organisationId, 'a user may not see escalations');
  const id = z.uuid().safeParse(organisationId);
  if (!id.success) return refuseEscalation(db, actor, 'Organisation', null, 'no such organisation');
  if (!(await canSeeOrganisation(db, actor, id.data))) {
    return refuseEscalation(db, actor, 'Organisation', id.data, 'this organisation is not one the actor may see');
  }
  const rows = await db.escalation.findMany({
    where: { organisationId: id.data, handledAt: null },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    include: { service: { select: { id: true, status: true, serviceTypeCode: true, user: { select: { id: true, displayName: true } } } } },
  });
  const requesterIds = rows.flatMap((row) => (row.requestedById ? [row.requestedById] : []));
  const [requesters, types] = await Promise.all([
    db.person.findMany({ where: { id: { in: requesterIds } }, select: { id: true, displayName: true, role: true } }),
    db.serviceType.findMany({
      where: { code: { in: rows.flatMap((row) => (row.service ? [row.service.serviceTypeCode] : [])) } },
      select: { code: true, name: true, translations: true },
    }),
  ]);
  return rows.map((row) => {
    const requester = requesters.find((person) => person.id === row.requestedById);
    const requestedBy = requester ? { id: requester.id, name: requester.displayName, role: requester.role } : null;
    const service = row.service;
    return {
      id: row.id,
      createdAt: row.createdAt,
      topic: storedTopic.parse(row.topic),
      tried: z.array(z.string()).catch([]).parse(row.tried),
      requestedBy,
      user: service ? { id: service.user.id, name: service.user.displayName } : requestedBy && { id: requestedBy.id, name: requestedBy.name },
      service: service
        ? { id: service.id, status: service.status, product: nameOrCode(types.find((type) => type.code === service.serviceTypeCode), service.serviceTypeCode) }
        : null,
    };
  });
}

export interface HandledResult {
  /** It had been handled before this call. */
  already: boolean;
  handledAt: Date;
  handledById: string | null;
}

/**
 * An administrator of the escalation's organisation marks it handled: once, with an AuditEvent; pressing again
 * changes nothing. Another organisation's escalation reads as missing, and the attempt is refused and audited.
 */
export async function markEscalationHandled(db: Db, actor: Actor, escalationId: string): Promise<HandledResult> {
  const id = z.uuid().safeParse(escalationId);
  if (!id.success) return refuseEscalation(db, actor, 'Escalation', null, 'no such escalation');
  if (actor.role !== Role.ADMINISTRATOR) {
    return refuseEscalation(db, actor, 'Escalation', id.data, 'only an administrator handles escalations');
  }
  const escalation = await db.escalation.findUnique({ where: { id: id.data }, select: { organisationId: true } });
  if (escalation?.organisationId !== actor.organisationId) {
    return refuseEscalation(db, actor, 'Escalation', id.data, 'no such escalation in this organisation');
  }
  return db.$transaction(async (tx) => {
    const now = new Date();
    // Conditional on still being open: of two administrators pressing at once, one handles it.
    const { count } = await tx.escalation.updateMany({ where: { id: id.data, handledAt: null }, data: { handledAt: now, handledById: actor.id } });
    if (count === 1) {
      await tx.auditEvent.create({
        data: {
          organisationId: actor.organisationId,
          actorId: actor.id,
          action: 'escalation.handled',
          subjectType: 'Escalation',
          subjectId: id.data,
          before: { handledAt: null },
          after: { handledAt: now.toISOString() },
        },
      });
      return { already: false, handledAt: now, handledById: actor.id };
    }
    // Not open any more, so handled: when and by whom it was.
    const current = await tx.escalation.findUniqueOrThrow({ where: { id: id.data }, select: { handledAt: true, handledById: true } });
    return { already: true, handledAt: current.handledAt!, handledById: current.handledById };
  });
}
