import { z } from 'zod';
import { Prisma, type Service } from '../../prisma/generated/client';
import { ActivationMethod, ActivationTiming, NumberKind, NumberOption, NumberState, PortingState, ServiceStatus, SimState } from '../../prisma/generated/enums';
import { startService, type StartResult } from '../lifecycle/activation';
import { contractCatalog, findServiceType, type CatalogProduct, type CatalogServiceType } from '../catalog/catalog';
import type { Db } from '../platform/db/database';
import { releaseNumber } from '../numbers/numberPool';
import { finalStates } from '../lifecycle/table';
import type { Actor } from '../people/people';
import { addPortingAttempt } from '../numbers/portingRequests';
import { precheckPortingFor, type PortingDetails, type PrecheckWarning } from '../numbers/portingDetails';
import { fixedNumberFor, movableNumberFor } from './numberChoices';
import { refuseOrder, requireAdministrator, userForService } from './orderAccess';
import { automaticActivationAllowed, FixedOption, serviceDraftSchema, SimOption, stepsOf, type OrderProblem, type OrderStep, type ServiceDraft } from './orderDraft';
import { checkSimForService } from './simCheck';
import { esimsInStock } from '../simCards/esimProfiles';
import { takeEsimFromStock } from '../simCards/esimStock';

/**
 * Saving an order: `saveService` checks a complete draft against the contract and the step rules, then turns it
 * into a Service with its number, SIM card and fixed number in one transaction.
 */

export interface SavedService {
  service: Service;
  /** False when the key had already saved it (a double click, a Teams retry). */
  created: boolean;
  /** When activation was chosen to start now. */
  started?: StartResult;
  portingWarnings: PrecheckWarning[];
}

export type SaveResult = ({ ok: true } & SavedService) | { ok: false; problem: OrderProblem };

class OrderConflict extends Error {
  constructor(readonly problem: OrderProblem) {
    super(problem.message);
  }
}

interface CheckedOrder {
  type: CatalogServiceType;
  userId: string;
  numberOption: NumberOption | null;
  /** The porting details as checked, and what the administrator was warned of. */
  porting?: { details: PortingDetails; warnings: PrecheckWarning[] };
  simCardId: string | null;
}

/**
 * Creates the service the draft describes, once per `idempotencyKey`: the number (a reserved new one attached, a
 * porting request, or another active service's number to move when this one is activated), the SIM card from
 * stock, the fixed number (free, or taken from its current user, who is told), the porting request (not submitted
 * before the service starts), the timeline and the audit trail, in one transaction. Then, when activation is to
 * start now, the start itself. Saving again with the same key returns the same service and finishes what a crash
 * may have left undone.
 */
export async function saveService(db: Db, actor: Actor, draft: ServiceDraft, idempotencyKey: string, now = new Date()): Promise<SaveResult> {
  await requireAdministrator(db, actor);
  const key = z.string().min(8).max(200).parse(idempotencyKey);
  const existing = await db.service.findUnique({ where: { idempotencyKey: key } });
  if (existing) {
    if (existing.organisationId !== actor.organisationId) return refuseOrder(db, actor, 'replayed order of another organisation');
    return { ok: true, ...(await finishSave(db, actor, existing, draft, false, [], now)) };
  }
  const parsed = serviceDraftSchema.parse(draft);
  const checked = await checkOrder(db, actor, parsed, now);
  if (!checked.ok) return checked;
  try {
    const service = await db.$transaction((tx) => createService(tx, actor, parsed, checked.order, key, now));
    return { ok: true, ...(await finishSave(db, actor, service, parsed, true, checked.order.porting?.warnings ?? [], now)) };
  } catch (error) {
    if (error instanceof OrderConflict) return { ok: false, problem: error.problem };
    // The same key saved at the same moment by a concurrent request: that one created it.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      const winner = await db.service.findUnique({ where: { idempotencyKey: key } });
      if (winner) return { ok: true, ...(await finishSave(db, actor, winner, parsed, false, [], now)) };
    }
    throw error;
  }
}

/** Everything that can be checked before writing: the contract, the people and things named, and the step rules. */
async function checkOrder(
  db: Db,
  actor: Actor,
  draft: ServiceDraft,
  now: Date,
): Promise<{ ok: true; order: CheckedOrder } | { ok: false; problem: OrderProblem }> {
  const problem = (step: OrderStep, message: string, extra: Partial<OrderProblem> = {}) => ({ ok: false as const, problem: { step, message, ...extra } });
  const catalog = await contractCatalog(db, actor);
  if (!draft.userId) return refuseOrder(db, actor, 'order without a person');
  const user = await userForService(db, actor, draft.userId);
  if (!draft.productTypeCode) return problem('product', 'addService.error.chooseProduct');
  if (!catalog.some((product) => product.code === draft.productTypeCode)) {
    return refuseOrder(db, actor, 'product type outside the contract', { type: 'ProductType', id: draft.productTypeCode });
  }
  const type = findServiceType(catalog, draft.serviceTypeCode, draft.productTypeCode);
  if (!type) return draft.serviceTypeCode ? refuseOutsideCatalog(db, actor, catalog, draft) : problem('serviceType', 'addService.error.chooseServiceType');
  if (!type.bundles.some((bundle) => bundle.code === draft.bundleCode)) {
    return draft.bundleCode ? refuseOutsideCatalog(db, actor, catalog, draft) : problem('bundle', 'addService.error.chooseBundle');
  }
  if (draft.optionCodes.some((option) => !type.options.some((offered) => offered.code === option))) return refuseOutsideCatalog(db, actor, catalog, draft);

  const steps = stepsOf(type);
  let numberOption: NumberOption | null = null;
  let porting: CheckedOrder['porting'];
  if (steps.number) {
    if (!draft.numberOption) return problem('number', 'addService.error.chooseNumberOption');
    numberOption = draft.numberOption;
    if (numberOption === NumberOption.NEW && !draft.reservedNumberId) return problem('number', 'addService.error.numberLost');
    if (numberOption === NumberOption.PORT) {
      if (!draft.porting) return problem('porting', 'addService.error.portingMissing');
      const precheck = await precheckPortingFor(db, actor, draft.porting, now);
      if (!precheck.ok) return problem('porting', 'addService.error.portingDetails', { portingWarnings: precheck.warnings });
      porting = { details: precheck.details, warnings: precheck.warnings };
    }
    if (numberOption === NumberOption.MOVE && !(await movableNumberFor(db, actor, draft.moveFromServiceId))) {
      return problem('move', 'addService.error.moveUnavailable');
    }
  }

  let simCardId: string | null = null;
  if (steps.sim) {
    if (!draft.simOption) return problem('sim', 'addService.error.chooseSimOption');
    if (draft.simOption === SimOption.ADMIN_ENTERS) {
      const sim = await checkSimForService(db, actor, draft.iccid ?? '');
      if (!sim.ok) return problem('sim', sim.message, { vars: sim.vars });
      simCardId = sim.simCardId;
    }
    if (draft.simOption === SimOption.ESIM && (await esimsInStock(db, actor.organisationId)) === 0) return problem('sim', 'addService.error.noEsimInStock');
  }

  if (steps.fixedNumber) {
    if (!draft.fixedOption) return problem('fixedNumber', 'addService.error.chooseFixedOption');
    if (!(await fixedNumberFor(db, actor, draft.fixedOption, draft.fixedNumberId, now))) return problem('fixedNumber', 'addService.error.fixedNumberGone');
    if (draft.fixedOption === FixedOption.IN_USE && draft.takeOverConfirmed !== true) return problem('fixedNumber', 'addService.error.confirmTakeOver');
  }

  if (!draft.activationMethod || !draft.activationTiming) return problem('activation', 'addService.error.chooseMethod');
  if (draft.activationMethod === ActivationMethod.AUTOMATIC && !automaticActivationAllowed(type, draft)) {
    return problem('activation', 'addService.error.automaticNeedsSim');
  }
  return { ok: true, order: { type, userId: user.id, numberOption, porting, simCardId } };
}

async function refuseOutsideCatalog(db: Db, actor: Actor, catalog: CatalogProduct[], draft: ServiceDraft): Promise<never> {
  const offered = catalog.flatMap((product) => product.serviceTypes).map((type) => type.code);
  return refuseOrder(db, actor, 'service type, bundle or option outside the contract', {
    type: 'ServiceType',
    id: offered.includes(draft.serviceTypeCode ?? '') ? draft.bundleCode ?? null : draft.serviceTypeCode ?? null,
  });
}

async function createService(
  tx: Prisma.TransactionClient,
  actor: Actor,
  draft: ServiceDraft,
  order: CheckedOrder,
  idempotencyKey: string,
  now: Date,
): Promise<Service> {
  const steps = stepsOf(order.type);
  const service = await tx.service.create({
    data: {
      idempotencyKey,
      organisationId: actor.organisationId,
      userId: order.userId,
      createdById: actor.id,
      productTypeCode: order.type.productTypeCode,
      serviceTypeCode: order.type.code,
      bundleCode: draft.bundleCode,
      optionCodes: draft.optionCodes,
      status: ServiceStatus.WAITING_FOR_ACTIVATION,
      numberOption: order.numberOption,
      movedFromServiceId: order.numberOption === NumberOption.MOVE ? draft.moveFromServiceId : null,
      activationMethod: draft.activationMethod!,
      activationTiming: draft.activationTiming!,
      createdAt: now,
    },
  });
  const event = (kind: string, detail: Prisma.InputJsonObject = {}, serviceId = service.id) =>
    tx.serviceEvent.create({ data: { serviceId, kind, detail, actorId: actor.id, createdAt: now } });
  await event('service_created', { numberOption: order.numberOption });
  const attached: Prisma.ServiceUncheckedUpdateInput = {};

  if (order.numberOption === NumberOption.NEW && draft.reservedNumberId) {
    // The reservation must still be this organisation's, unclaimed and held for this order (or for no flow, as a bulk
    // import's): an expired one may have gone to someone else, or to another flow.
    const kept = await tx.phoneNumber.updateMany({
      where: {
        id: draft.reservedNumberId, kind: NumberKind.MOBILE, state: NumberState.RESERVED, organisationId: actor.organisationId, mobileOf: { is: null }, fixedOf: { is: null },
        OR: [{ reservedFor: null }, { reservedFor: idempotencyKey }],
      },
      data: { reservedUntil: null, reservedFor: null },
    });
    if (kept.count !== 1) throw new OrderConflict({ step: 'number', message: 'addService.error.numberLost' });
    attached.mobileNumberId = draft.reservedNumberId;
    await event('number_reserved');
  }
  if (order.numberOption === NumberOption.MOVE) await event('number_move_planned', { fromServiceId: draft.moveFromServiceId! });

  if (steps.sim && order.simCardId) {
    const taken = await tx.simCard.updateMany({
      where: { id: order.simCardId, organisationId: actor.organisationId, state: SimState.IN_STOCK, service: { is: null } },
      data: { state: SimState.ASSIGNED },
    });
    if (taken.count !== 1) throw new OrderConflict({ step: 'sim', message: 'addService.error.iccid.assigned' });
    attached.simCardId = order.simCardId;
    await event('sim_assigned');
  }
  if (steps.sim && draft.simOption === SimOption.ESIM) {
    // Reserved now, so that the start never waits for stock; another order saved meanwhile may have taken the last one.
    const esim = await takeEsimFromStock(tx, actor.organisationId);
    if (!esim) throw new OrderConflict({ step: 'sim', message: 'addService.error.noEsimInStock' });
    attached.simCardId = esim;
    await event('esim_reserved');
  }

  if (steps.fixedNumber && draft.fixedNumberId && draft.fixedOption === FixedOption.FREE) {
    await takeFreeFixedNumber(tx, actor, draft.fixedNumberId, now);
    attached.fixedNumberId = draft.fixedNumberId;
    await event('fixed_number_assigned');
  }
  if (steps.fixedNumber && draft.fixedNumberId && draft.fixedOption === FixedOption.IN_USE) {
    // The seed's option 2: the number leaves its current user when this service activates, not before; that user is
    // told when the activation starts and when it happens. One service at a time may plan to take a number.
    const holder = await tx.phoneNumber.findFirst({
      where: { id: draft.fixedNumberId, kind: NumberKind.FIXED, state: NumberState.IN_USE, organisationId: actor.organisationId, fixedOf: { is: { status: ServiceStatus.ACTIVE } } },
      select: { id: true },
    });
    const claimed = await tx.service.count({ where: { plannedFixedNumberId: draft.fixedNumberId, status: { notIn: [...finalStates] }, id: { not: service.id } } });
    if (!holder || claimed > 0) throw new OrderConflict({ step: 'fixedNumber', message: 'addService.error.fixedNumberGone' });
    attached.plannedFixedNumberId = draft.fixedNumberId;
    await event('fixed_number_take_planned');
  }

  if (draft.activationTiming === ActivationTiming.LATER) await event('activation_deferred');
  const updated = await tx.service.update({ where: { id: service.id }, data: attached });
  await tx.auditEvent.create({
    data: {
      organisationId: actor.organisationId,
      actorId: actor.id,
      action: 'service.created',
      subjectType: 'Service',
      subjectId: service.id,
      after: {
        userId: order.userId,
        productTypeCode: order.type.productTypeCode,
        serviceTypeCode: order.type.code,
        bundleCode: draft.bundleCode ?? null,
        optionCodes: draft.optionCodes,
        numberOption: order.numberOption,
        simEntered: order.simCardId !== null,
        // A draft may still hold a SIM choice from before its service type changed to one without a SIM card.
        esim: steps.sim && draft.simOption === SimOption.ESIM,
        fixedNumber: draft.fixedOption ?? null,
        activationMethod: draft.activationMethod ?? null,
        activationTiming: draft.activationTiming ?? null,
      },
      createdAt: now,
    },
  });
  if (order.porting) await addPortingAttempt(tx, actor, updated, order.porting.details, { state: PortingState.REQUESTED, now });
  return updated;
}

async function takeFreeFixedNumber(tx: Prisma.TransactionClient, actor: Actor, numberId: string, now: Date): Promise<void> {
  const taken = await tx.phoneNumber.updateMany({
    where: {
      id: numberId,
      kind: NumberKind.FIXED,
      OR: [
        { state: NumberState.FREE, OR: [{ organisationId: null }, { organisationId: actor.organisationId }] },
        { state: NumberState.RESERVED, reservedUntil: { lt: now }, mobileOf: { is: null }, fixedOf: { is: null } },
      ],
    },
    data: { state: NumberState.RESERVED, organisationId: actor.organisationId, reservedUntil: null },
  });
  if (taken.count !== 1) throw new OrderConflict({ step: 'fixedNumber', message: 'addService.error.fixedNumberGone' });
}

/** After the commit: the start, when it is to be now. */
async function finishSave(
  db: Db,
  actor: Actor,
  service: Service,
  draft: ServiceDraft,
  created: boolean,
  portingWarnings: PrecheckWarning[],
  now: Date,
): Promise<SavedService> {
  // A number reserved at step 5 before the administrator went back and chose otherwise is given back.
  if (created && draft.reservedNumberId && draft.reservedNumberId !== service.mobileNumberId) await releaseNumber(db, actor, draft.reservedNumberId);
  let started: StartResult | undefined;
  if (service.activationTiming === ActivationTiming.NOW && service.status === ServiceStatus.WAITING_FOR_ACTIVATION) {
    started = await startService(db, actor, service.id, { now });
  }
  const current = await db.service.findUniqueOrThrow({ where: { id: service.id } });
  return { service: current, created, started, portingWarnings };
}