import { Prisma, type PortingRequest } from '../../prisma/generated/client';
import { PortingState, Role, ServiceStatus } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import { codeAsName, nameOrCode, productNames, type Localised } from '../catalog/catalog';
import { AccessDenied, canSeeOrganisation, refuse, requireRole, type Actor } from '../people/people';
import { precheckPortingFor, type PortingDetails, type PortingDetailsInput, type PortingField, type PrecheckWarning } from './portingDetails';
import {
  ACTIVE_STATES,
  needsCorrection,
  refusalCodeSchema,
  refusalField,
  STOPPED_STATES,
  type InTransaction,
  type RefusalCode,
} from './portingEvents';
import { fromCalendarDate } from '../platform/workingDays';

/**
 * The administrator's side of porting a number: request it for a service, fix and resubmit a refused request, list
 * the refused ones.
 */

async function serviceForAdministrator(db: Db, actor: Actor, serviceId: string) {
  requireRole(actor, Role.ADMINISTRATOR);
  const service = await db.service.findUnique({ where: { id: serviceId }, select: { id: true, organisationId: true, status: true } });
  if (!service || !(await canSeeOrganisation(db, actor, service.organisationId))) {
    throw new AccessDenied('no such service in this organisation');
  }
  return service;
}

export type PortingRequestResult =
  | { ok: true; request: PortingRequest; warnings: PrecheckWarning[] }
  | { ok: false; warnings: PrecheckWarning[] };

/**
 * Records a porting request for a service as its next attempt (a fix after a refusal keeps the earlier ones as
 * history). With `submit`, the donor gets it at once, as when the service's activation has already started; then
 * `alsoInTransaction` brings the donor's answer (the donor operators' `requestSent`, services/lifecycle/gateways.ts).
 */
export async function requestPorting(
  db: Db,
  actor: Actor,
  serviceId: string,
  input: PortingDetailsInput,
  options: { submit: boolean; now?: Date; alsoInTransaction?: InTransaction },
): Promise<PortingRequestResult> {
  const now = options.now ?? new Date();
  const service = await serviceForAdministrator(db, actor, serviceId);
  const checked = await precheckPortingFor(db, actor, input, now);
  if (!checked.ok) return checked;
  const state = options.submit ? PortingState.SUBMITTED : PortingState.REQUESTED;
  const request = await recordAttempt(db, actor, service, checked.details, { state, now, alsoInTransaction: options.alsoInTransaction });
  return { ok: true, request, warnings: checked.warnings };
}

interface AttemptOptions {
  state: PortingState;
  now: Date;
  alsoInTransaction?: InTransaction;
  /** The attempt this one follows (a fix): refused when another attempt came in between. */
  after?: string;
}

function recordAttempt(db: Db, actor: Actor, service: { id: string; organisationId: string }, checked: PortingDetails, options: AttemptOptions): Promise<PortingRequest> {
  return db.$transaction((tx) => addPortingAttempt(tx, actor, service, checked, options));
}

/**
 * recordAttempt's writes, inside the caller's transaction: so that a new service and its porting request are
 * committed together (services/addService/addService.ts).
 */
export async function addPortingAttempt(
  tx: Prisma.TransactionClient,
  actor: Actor,
  service: { id: string; organisationId: string },
  checked: PortingDetails,
  options: AttemptOptions,
): Promise<PortingRequest> {
  const { wishDate, ...details } = checked;
  const { state, now } = options;
  const serviceId = service.id;
  const previous = await tx.portingRequest.findFirst({ where: { serviceId }, orderBy: { attempt: 'desc' } });
  if (previous && ACTIVE_STATES.includes(previous.state)) {
    throw new PortingConflict('this service already has a porting request in progress');
  }
  if (options.after !== undefined && previous?.id !== options.after) {
    throw new PortingConflict('this porting request was already followed by another attempt');
  }
  const created = await tx.portingRequest.create({
    data: {
      ...details,
      serviceId,
      attempt: (previous?.attempt ?? 0) + 1,
      wishDate: wishDate ? fromCalendarDate(wishDate) : null,
      state,
      createdAt: now,
      updatedAt: now,
    },
  });
  await tx.serviceEvent.create({
    data: {
      serviceId,
      kind: `porting_${state.toLowerCase()}`,
      detail: { requestId: created.id, attempt: created.attempt, operator: created.donorOperator },
      actorId: actor.id,
      createdAt: now,
    },
  });
  await tx.auditEvent.create({
    data: {
      organisationId: service.organisationId,
      actorId: actor.id,
      action: previous ? 'porting.resubmitted' : 'porting.requested',
      subjectType: 'PortingRequest',
      subjectId: created.id,
      before: previous ? { requestId: previous.id, attempt: previous.attempt, refusalCode: previous.refusalCode } : Prisma.DbNull,
      after: { attempt: created.attempt, state, operator: created.donorOperator, lineType: created.lineType },
      createdAt: now,
    },
  });
  await options.alsoInTransaction?.(tx, created);
  return created;
}

export type ResubmitResult =
  | { status: 'resubmitted'; request: PortingRequest; warnings: PrecheckWarning[] }
  /** A repeated click (or a second administrator) after the fix went out: nothing new was sent. */
  | { status: 'already-resubmitted'; request: PortingRequest }
  | { status: 'blocked'; warnings: PrecheckWarning[] };

/**
 * "Fix" on a refused request: the corrected details go to the donor as the service's next attempt. Idempotent on the
 * refused request's id, which the fix card carries: only one attempt can follow it.
 */
export async function resubmitPorting(
  db: Db,
  actor: Actor,
  refusedRequestId: string,
  input: PortingDetailsInput,
  options: { now?: Date; alsoInTransaction: InTransaction },
): Promise<ResubmitResult> {
  const now = options.now ?? new Date();
  const refused = await refusedRequestFor(db, actor, refusedRequestId);
  const followUp = await attemptAfter(db, refused);
  if (followUp) return { status: 'already-resubmitted', request: followUp };
  if (!needsCorrection(refused.state)) throw new PortingConflict('this porting request was not refused');
  const checked = await precheckPortingFor(db, actor, input, now);
  if (!checked.ok) return { status: 'blocked', warnings: checked.warnings };
  try {
    const request = await recordAttempt(db, actor, refused.service, checked.details, {
      state: PortingState.SUBMITTED,
      now,
      alsoInTransaction: options.alsoInTransaction,
      after: refused.id,
    });
    return { status: 'resubmitted', request, warnings: checked.warnings };
  } catch (error) {
    // Two clicks at once: the other one created the next attempt (or hit the unique attempt number first).
    const raced = error instanceof PortingConflict || (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002');
    const next = raced ? await attemptAfter(db, refused) : null;
    if (next) return { status: 'already-resubmitted', request: next };
    throw error;
  }
}

/**
 * A request of the actor's organisation with its service and user, for "Fix". Another organisation's request reads
 * as missing; every refusal leaves an AuditEvent, since card data that gets here unowned was tampered with or replayed.
 */
export async function refusedRequestFor(db: Db, actor: Actor, requestId: string) {
  const request = await db.portingRequest.findUnique({
    where: { id: requestId },
    include: { service: { select: { id: true, organisationId: true, user: { select: { id: true, displayName: true } } } } },
  });
  const allowed = actor.role === Role.ADMINISTRATOR && request !== null && (await canSeeOrganisation(db, actor, request.service.organisationId));
  if (!request || !allowed) {
    const reason = actor.role === Role.ADMINISTRATOR ? 'no such porting request in this organisation' : `role ${actor.role} may not fix porting requests`;
    return refuse(db, actor, { action: 'porting.fix.denied', subjectType: 'PortingRequest', subjectId: requestId, reason });
  }
  return request;
}

/** The attempt that followed `request` for its service, if any: a refused request that has one is fixed already. */
export function attemptAfter(db: Db, request: Pick<PortingRequest, 'serviceId' | 'attempt'>): Promise<PortingRequest | null> {
  return db.portingRequest.findFirst({
    where: { serviceId: request.serviceId, attempt: { gt: request.attempt } },
    orderBy: { attempt: 'desc' },
  });
}

export class PortingConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PortingConflict';
  }
}

export interface PortingIssue {
  requestId: string;
  serviceId: string;
  attempt: number;
  user: { id: string; displayName: string };
  /** The service's product and service type, to tell two services of one person apart. */
  product: Localised;
  serviceType: Localised;
  e164: string;
  donorOperator: string;
  refusalCode: RefusalCode | null;
  refusalReason: string | null;
  /** The field to mark when the form opens pre-filled. */
  field: PortingField | null;
  refusedAt: Date;
}

/** "Mobile porting issues": the organisation's services whose latest porting attempt was refused or cancelled. */
export async function listPortingIssues(db: Db, actor: Actor, organisationId: string): Promise<PortingIssue[]> {
  requireRole(actor, Role.ADMINISTRATOR, Role.SUPPORT);
  if (!(await canSeeOrganisation(db, actor, organisationId))) throw new AccessDenied('not allowed to see this organisation');
  const services = await db.service.findMany({
    where: {
      organisationId,
      status: { notIn: [ServiceStatus.CANCELLED, ServiceStatus.ENDED] },
      portingRequests: { some: { state: { in: STOPPED_STATES } } },
    },
    select: {
      id: true,
      productTypeCode: true,
      serviceTypeCode: true,
      user: { select: { id: true, displayName: true } },
      portingRequests: { orderBy: { attempt: 'desc' }, take: 1 },
    },
  });
  const [products, types] = await Promise.all([
    productNames(db, services.map((service) => service.productTypeCode)),
    db.serviceType.findMany({ where: { code: { in: services.map((service) => service.serviceTypeCode) } }, select: { code: true, name: true, translations: true } }),
  ]);
  return services
    .flatMap(({ id, productTypeCode, serviceTypeCode, user, portingRequests: [latest] }) => {
      if (!latest || !needsCorrection(latest.state)) return [];
      const code = refusalCodeSchema.safeParse(latest.refusalCode);
      return [{
        requestId: latest.id,
        serviceId: id,
        attempt: latest.attempt,
        user,
        product: products.get(productTypeCode) ?? codeAsName(productTypeCode),
        serviceType: nameOrCode(types.find((type) => type.code === serviceTypeCode), serviceTypeCode),
        e164: latest.e164,
        donorOperator: latest.donorOperator,
        refusalCode: code.success ? code.data : null,
        refusalReason: latest.refusalReason,
        field: code.success ? refusalField[code.data] : null,
        refusedAt: latest.updatedAt,
      }];
    })
    .sort((a, b) => b.refusedAt.getTime() - a.refusedAt.getTime());
}
