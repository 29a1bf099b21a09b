import { z } from 'zod';
import type { Prisma } from '../../prisma/generated/client';
import type { PortingState, ServiceStatus } from '../../prisma/generated/enums';
import { Role } from '../../prisma/generated/enums';
import { nameOrCode, type Localised } from '../catalog/catalog';
import type { Db } from '../platform/db/database';
import { refuse, type Actor } from '../people/people';
import { normaliseIccid } from '../simCards/simNumber';
import { checkBelgianNumber } from '../numbers/phoneNumbers';
import { refusalCodeSchema, type RefusalCode } from '../numbers/portingEvents';
import { mostNamed } from '../people/userSearch';

/**
 * The checked reads behind "status of my service" and support's look-ups. Users see only their own services;
 * support sees the people of its own organisation and of those in its SupportScope; administrators their own
 * organisation's. A look-up outside these is refused and audited.
 */

/** Whom to look up: nothing means the actor themselves. */
export const lookupQuerySchema = z
  .object({
    email: z.email().max(200).optional(),
    phoneNumber: z.string().trim().min(6).max(40).optional(),
    iccid: z.string().trim().min(15).max(30).optional(),
    name: z.string().trim().min(2).max(100).optional(),
    /** One person picked among several matches (a card's button). */
    personId: z.uuid().optional(),
  })
  .strict();
export type LookupQuery = z.input<typeof lookupQuerySchema>;

export interface ServiceSummary {
  id: string;
  organisationId: string;
  organisationName: string;
  user: { id: string; displayName: string; email: string };
  /** The product type the service is of ("Dstny Mobile"). */
  productType: Localised;
  /** Its service type ("Mobile", "Data SIM"). */
  product: Localised;
  bundle: Localised | null;
  status: ServiceStatus;
  activationMethod: string;
  mobileNumber: string | null;
  createdAt: Date;
  activationStartedAt: Date | null;
  activatedAt: Date | null;
  failureReason: string | null;
  /**
   * The latest porting request, when the number moves from another operator: why its donor refused it as a code
   * (null for rows older than the codes, or a code this version does not know), and the donor's own words if any.
   */
  porting: {
    id: string;
    state: PortingState;
    operator: string;
    scheduledAt: Date | null;
    refusalCode: RefusalCode | null;
    refusalReason: string | null;
  } | null;
}

export interface TimelineEntry {
  kind: string;
  at: Date;
}

/** One administrative change of the audit trail: who, what, when, and the values before and after. */
export interface ChangeEntry {
  at: Date;
  /** Null when the person has since been removed. */
  who: string | null;
  action: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

const jsonObject = z.record(z.string(), z.unknown()).nullable().catch(null);

const serviceInclude = {
  organisation: { select: { name: true } },
  user: { select: { id: true, displayName: true, email: true } },
  mobileNumber: { select: { e164: true } },
  portingRequests: { orderBy: { attempt: 'desc' as const }, take: 1 },
} as const;

type Where = Prisma.ServiceWhereInput;

async function loadServices(db: Db, where: Where): Promise<ServiceSummary[]> {
  const services = await db.service.findMany({ where, include: serviceInclude, orderBy: { createdAt: 'desc' } });
  // The catalog names the product and bundle codes a service keeps.
  const [products, types, bundles] = await Promise.all([
    db.productType.findMany({ where: { code: { in: services.map((s) => s.productTypeCode) } }, select: { code: true, name: true, translations: true } }),
    db.serviceType.findMany({ where: { code: { in: services.map((s) => s.serviceTypeCode) } }, select: { code: true, name: true, translations: true } }),
    db.bundle.findMany({ where: { code: { in: services.flatMap((s) => (s.bundleCode ? [s.bundleCode] : [])) } }, select: { code: true, name: true, translations: true } }),
  ]);
  return services.map((service) => summarise(service, products, types, bundles));
}

type LoadedService = Prisma.ServiceGetPayload<{ include: typeof serviceInclude }>;
type Named = Array<{ code: string; name: string; translations: unknown }>;

function summarise(service: LoadedService, products: Named, types: Named, bundles: Named): ServiceSummary {
  const porting = service.portingRequests[0];
  return {
    id: service.id,
    organisationId: service.organisationId,
    organisationName: service.organisation.name,
    user: service.user,
    productType: nameOrCode(products.find((product) => product.code === service.productTypeCode), service.productTypeCode),
    product: nameOrCode(types.find((type) => type.code === service.serviceTypeCode), service.serviceTypeCode),
    bundle: service.bundleCode ? nameOrCode(bundles.find((bundle) => bundle.code === service.bundleCode), service.bundleCode) : null,
    status: service.status,
    activationMethod: service.activationMethod,
    mobileNumber: service.mobileNumber?.e164 ?? porting?.e164 ?? null,
    createdAt: service.createdAt,
    activationStartedAt: service.activationStartedAt,
    activatedAt: service.activatedAt,
    failureReason: service.failureReason,
    porting: porting
      ? {
          id: porting.id,
          state: porting.state,
          operator: porting.donorOperator,
          scheduledAt: porting.scheduledAt,
          refusalCode: refusalCodeSchema.safeParse(porting.refusalCode).data ?? null,
          refusalReason: porting.refusalReason,
        }
      : null,
  };
}

/** The organisations whose people `actor` may look up. */
async function visibleOrganisations(db: Db, actor: Actor): Promise<string[]> {
  if (actor.role === Role.USER) return [];
  if (actor.role === Role.ADMINISTRATOR) return [actor.organisationId];
  const scopes = await db.supportScope.findMany({ where: { personId: actor.id }, select: { organisationId: true } });
  return [...new Set([actor.organisationId, ...scopes.map((scope) => scope.organisationId)])];
}

export interface PersonServices {
  person: { id: string; displayName: string; email: string; organisationName: string };
  services: ServiceSummary[];
}

/**
 * The services of the people `query` names, among those `actor` may see, newest first; with an empty query, the
 * actor's own. A user naming anyone but themselves is refused (and audited).
 */
export async function findServicesOf(db: Db, actor: Actor, query: LookupQuery = {}): Promise<PersonServices[]> {
  const wanted = lookupQuerySchema.parse(query);
  const namesSomeone = Object.values(wanted).some((value) => value !== undefined);
  const namesSelf = wanted.email === actor.email.toLowerCase() || wanted.personId === actor.id;
  if (!namesSomeone || (actor.role === Role.USER && namesSelf)) {
    const services = await loadServices(db, { userId: actor.id });
    return [{ person: { ...personOf(actor), organisationName: actor.organisation.name }, services }];
  }
  if (actor.role === Role.USER) {
    return refuse(db, actor, { action: 'service.lookup.denied', subjectType: 'Person', subjectId: wanted.personId, reason: 'a user may look up only their own services' });
  }

  const organisationIds = await visibleOrganisations(db, actor);
  const people = await db.person.findMany({
    where: { organisationId: { in: organisationIds } },
    select: { id: true, displayName: true, email: true, organisation: { select: { name: true } } },
    orderBy: { displayName: 'asc' },
  });
  let matchedIds: string[];
  if (wanted.personId) {
    // A person id comes from a card, never from typing: one the actor may not look up is a forged card.
    if (!people.some((person) => person.id === wanted.personId)) {
      return refuse(db, actor, { action: 'service.lookup.denied', subjectType: 'Person', subjectId: wanted.personId, reason: 'this person is not one the actor may look up' });
    }
    matchedIds = [wanted.personId];
  } else if (wanted.email) {
    matchedIds = people.filter((person) => person.email.toLowerCase() === wanted.email!.toLowerCase()).map((person) => person.id);
  } else if (wanted.phoneNumber || wanted.iccid) {
    const services = await db.service.findMany({
      where: {
        organisationId: { in: organisationIds },
        OR: [
          ...(wanted.phoneNumber ? phoneConditions(wanted.phoneNumber) : []),
          ...(wanted.iccid ? [{ simCard: { iccid: normaliseIccid(wanted.iccid) } }] : []),
        ],
      },
      select: { userId: true },
    });
    matchedIds = services.map((service) => service.userId);
  } else {
    matchedIds = mostNamed(people, wanted.name!).map((person) => person.id);
  }
  const matched = people.filter((person) => matchedIds.includes(person.id)).slice(0, 8);
  const services = await loadServices(db, { userId: { in: matched.map((person) => person.id) } });
  return matched.map((person) => ({
    person: { id: person.id, displayName: person.displayName, email: person.email, organisationName: person.organisation.name },
    services: services.filter((service) => service.user.id === person.id),
  }));
}

function personOf(actor: Actor) {
  return { id: actor.id, displayName: actor.displayName, email: actor.email };
}

function phoneConditions(input: string) {
  const checked = checkBelgianNumber(input);
  if (!checked.ok) return [];
  return [{ mobileNumber: { e164: checked.e164 } }, { portingRequests: { some: { e164: checked.e164 } } }];
}

/**
 * One service with every event of its timeline, oldest first, if `actor` may see it; refused and audited if not.
 * Support and administrators also get the audit trail of the changes made to it (refused attempts stay out: they
 * may name another organisation's people).
 */
export async function timelineOf(
  db: Db,
  actor: Actor,
  serviceId: string,
): Promise<{ service: ServiceSummary; events: TimelineEntry[]; changes: ChangeEntry[] }> {
  const id = z.uuid().safeParse(serviceId);
  const [service] = id.success ? await loadServices(db, { id: id.data }) : [];
  const allowed =
    service &&
    (service.user.id === actor.id || (actor.role !== Role.USER && (await visibleOrganisations(db, actor)).includes(service.organisationId)));
  if (!service || !allowed) {
    const subjectId = id.success ? id.data : null;
    return refuse(db, actor, { action: 'service.timeline.denied', subjectType: 'Service', subjectId, reason: 'this service is not one the actor may see' });
  }
  const events = await db.serviceEvent.findMany({
    where: { serviceId: service.id },
    select: { kind: true, createdAt: true },
    orderBy: [{ createdAt: 'asc' }, { sequence: 'asc' }],
  });
  return { service, events: events.map((event) => ({ kind: event.kind, at: event.createdAt })), changes: actor.role === Role.USER ? [] : await changesOf(db, service.id) };
}

async function changesOf(db: Db, serviceId: string): Promise<ChangeEntry[]> {
  const requests = await db.portingRequest.findMany({ where: { serviceId }, select: { id: true } });
  const rows = await db.auditEvent.findMany({
    where: {
      NOT: { action: { endsWith: '.denied' } },
      OR: [
        { subjectType: 'Service', subjectId: serviceId },
        { subjectType: 'PortingRequest', subjectId: { in: requests.map((request) => request.id) } },
      ],
    },
    include: { actor: { select: { displayName: true } } },
    orderBy: [{ createdAt: 'asc' }, { sequence: 'asc' }],
  });
  return rows.map((row) => ({
    at: row.createdAt,
    who: row.actor?.displayName ?? null,
    action: row.action,
    before: jsonObject.parse(row.before),
    after: jsonObject.parse(row.after),
  }));
}
