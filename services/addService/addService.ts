import { z } from 'zod';
import { Prisma, type Service } from '../../prisma/generated/client';
import {
  ActivationMethod,
  ActivationTiming,
  NumberKind,
  NumberOption,
  NumberState,
  PortingState,
  Role,
  ServiceStatus,
  SimState,
} from '../../prisma/generated/enums';
import { startService, type StartResult } from '../lifecycle/activation';
import { codeAsName, contractCatalog, findServiceType, type CatalogProduct, type CatalogServiceType, type Localised } from '../catalog/catalog';
import type { Db } from '../platform/db/database';
import type { DbClient } from '../platform/jobQueue';
import { listFixedNumbersInUse, listFreeFixedNumbers, releaseNumber, type FixedNumberInUse } from '../numbers/numberPool';
import { finalStates } from '../lifecycle/table';
import { AccessDenied, recordRefusal, requireRole, type Actor } from '../people/people';
import { addPortingAttempt, portingDetailsSchema, precheckPortingFor, type PortingDetails, type PrecheckWarning } from '../numbers/porting';
import { checkIccid, typoCandidates, type IccidProblem } from '../simCards/simNumber';

/**
 * An administrator's order for a new service (the portal's "Add Service"): the inputs of each step as zod schemas,
 * the draft the flow fills in, and `saveService`, which turns a complete draft into a Service with its number, SIM
 * card and fixed number in one transaction. Messages are string keys (cards/strings/<language>/addService.json):
 * the dialog shows them in the administrator's language.
 */

const code = z.string().trim().min(1).max(40);
const choice = (message: string) => z.string({ error: message }).trim().min(1, { error: message }).max(60);

export const SimOption = { USER_ENTERS: 'USER_ENTERS', ADMIN_ENTERS: 'ADMIN_ENTERS' } as const;
export type SimOption = (typeof SimOption)[keyof typeof SimOption];
export const FixedOption = { FREE: 'FREE', IN_USE: 'IN_USE' } as const;
export type FixedOption = (typeof FixedOption)[keyof typeof FixedOption];

/** One schema per step's card inputs; an empty or missing choice gets the step's own sentence. */
export const stepInputSchemas = {
  product: z.object({ productTypeCode: choice('addService.error.chooseProduct') }),
  serviceType: z.object({ serviceTypeCode: choice('addService.error.chooseServiceType') }),
  bundle: z.object({
    bundleCode: choice('addService.error.chooseBundle'),
    // A multi-select ChoiceSet submits its values comma-separated.
    optionCodes: z.string().max(400).default('').transform((text) => text.split(',').map((item) => item.trim()).filter(Boolean)),
  }),
  number: z.object({ numberOption: z.enum(NumberOption, { error: 'addService.error.chooseNumberOption' }) }),
  move: z.object({ fromServiceId: z.uuid({ error: 'addService.error.chooseMove' }) }),
  sim: z.object({
    simOption: z.enum(SimOption, { error: 'addService.error.chooseSimOption' }),
    iccid: z.string().trim().max(60).default(''),
  }),
  fixedNumber: z.object({ fixedOption: z.enum(FixedOption, { error: 'addService.error.chooseFixedOption' }) }),
  fixedPick: z.object({ fixedNumberId: z.uuid({ error: 'addService.error.chooseFixedNumber' }) }),
  activation: z.object({
    activationMethod: z.enum(ActivationMethod, { error: 'addService.error.chooseMethod' }),
    activationTiming: z.enum(ActivationTiming, { error: 'addService.error.chooseTiming' }),
  }),
} as const;

/** The order as the flow keeps it: each value optional until its step is done. */
export const serviceDraftSchema = z.object({
  userId: z.uuid().optional(),
  productTypeCode: code.optional(),
  serviceTypeCode: code.optional(),
  bundleCode: code.optional(),
  optionCodes: z.array(code).max(20).default([]),
  numberOption: z.enum(NumberOption).optional(),
  /** A new number reserved at step 5 (released on cancel). */
  reservedNumberId: z.uuid().optional(),
  porting: portingDetailsSchema.optional(),
  moveFromServiceId: z.uuid().optional(),
  simOption: z.enum(SimOption).optional(),
  iccid: z.string().max(60).optional(),
  fixedOption: z.enum(FixedOption).optional(),
  fixedNumberId: z.uuid().optional(),
  /** The administrator confirmed taking a fixed number from its current user. */
  takeOverConfirmed: z.boolean().optional(),
  activationMethod: z.enum(ActivationMethod).optional(),
  activationTiming: z.enum(ActivationTiming).optional(),
});
export type ServiceDraft = z.output<typeof serviceDraftSchema>;

/** The steps an order problem can send the administrator back to. */
export type OrderStep = 'product' | 'serviceType' | 'bundle' | 'number' | 'porting' | 'move' | 'sim' | 'fixedNumber' | 'activation';

export interface OrderProblem {
  step: OrderStep;
  /** A string key; `vars` fill its placeholders. */
  message: string;
  vars?: Record<string, string>;
  portingWarnings?: PrecheckWarning[];
}

/** Which steps a service type has: a UC user has neither number nor SIM; only fixed/mobile integration has a fixed number. */
export function stepsOf(type: Pick<CatalogServiceType, 'hasSim' | 'hasMobileNumber' | 'hasFixedNumber'>) {
  return { number: type.hasMobileNumber, sim: type.hasSim, fixedNumber: type.hasFixedNumber };
}

/** Automatic activation needs the SIM card number now; a service without SIM card has nothing to wait for. */
export function automaticActivationAllowed(type: Pick<CatalogServiceType, 'hasSim'>, draft: Pick<ServiceDraft, 'simOption'>): boolean {
  return !type.hasSim || draft.simOption === SimOption.ADMIN_ENTERS;
}

// ---------------------------------------------------------------------------------------------------------------
// Refusals

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

async function requireAdministrator(db: Db, actor: Actor): Promise<void> {
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

// ---------------------------------------------------------------------------------------------------------------
// What each step offers

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

export type SimCheck = { ok: true; simCardId: string; iccid: string } | { ok: false; message: string; vars?: Record<string, string> };

const iccidMessages: Record<IccidProblem, string> = {
  empty: 'addService.error.iccid.empty',
  'not-digits': 'addService.error.iccid.notDigits',
  length: 'addService.error.iccid.length',
  prefix: 'addService.error.iccid.prefix',
  'check-digit': 'addService.error.iccid.checkDigit',
};

/**
 * An unused SIM card of the organisation's stock, as typed by the administrator. Another organisation's card reads
 * as not in stock. A typo one digit (or one swap) away from a stock card is answered with that card.
 */
export async function checkSimForService(db: DbClient, actor: Actor, typed: string): Promise<SimCheck> {
  // Whether a SIM card is in the organisation's stock is the administrator's business only.
  requireRole(actor, Role.ADMINISTRATOR);
  const checked = checkIccid(typed);
  if (!checked.ok && checked.problem !== 'check-digit') {
    return { ok: false, message: iccidMessages[checked.problem], vars: { count: String(typed.replace(/[\s-]/g, '').length), prefix: typed.trim().slice(0, 2) } };
  }
  const sim = checked.ok
    ? await db.simCard.findFirst({ where: { iccid: checked.iccid, organisationId: actor.organisationId }, include: { service: { select: { id: true } } } })
    : null;
  if (sim && sim.state === SimState.IN_STOCK && !sim.service) return { ok: true, simCardId: sim.id, iccid: sim.iccid };
  if (sim) return { ok: false, message: 'addService.error.iccid.assigned' };
  const stock = await db.simCard.findMany({ where: { organisationId: actor.organisationId, state: SimState.IN_STOCK }, select: { iccid: true } });
  const [suggestion, ...others] = typoCandidates(typed, stock.map((card) => card.iccid));
  if (suggestion && others.length === 0) return { ok: false, message: 'addService.error.iccid.didYouMean', vars: { iccid: groupIccid(suggestion.iccid) } };
  return { ok: false, message: checked.ok ? 'addService.error.iccid.notInStock' : iccidMessages['check-digit'] };
}

/** As printed on the card, in groups of four. */
export function groupIccid(iccid: string): string {
  return iccid.replace(/(\d{4})(?=\d)/g, '$1 ');
}

// ---------------------------------------------------------------------------------------------------------------
// Saving

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
    // The reservation must still be this organisation's and unclaimed: an expired one may have gone to someone else.
    const kept = await tx.phoneNumber.updateMany({
      where: { id: draft.reservedNumberId, kind: NumberKind.MOBILE, state: NumberState.RESERVED, organisationId: actor.organisationId, mobileOf: { is: null }, fixedOf: { is: null } },
      data: { reservedUntil: null },
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

// ---------------------------------------------------------------------------------------------------------------
// The summary card's place

export const summaryCardPlaceSchema = z.object({
  channelId: z.string().min(1).max(100),
  conversationId: z.string().min(1).max(500),
  activityId: z.string().min(1).max(500),
});
export type SummaryCardPlace = z.infer<typeof summaryCardPlaceSchema>;

/**
 * Remembers where the service's summary card is, so that status changes can update that card in place: the latest
 * `summary_card_posted` event of the service names it.
 */
export async function recordSummaryCard(db: Db, actor: Actor, serviceId: string, place: SummaryCardPlace): Promise<void> {
  await requireAdministrator(db, actor);
  const service = await db.service.findFirst({ where: { id: serviceId, organisationId: actor.organisationId }, select: { id: true } });
  if (!service) return refuseOrder(db, actor, 'no such service in this organisation', { type: 'Service', id: serviceId });
  await db.serviceEvent.create({ data: { serviceId, kind: 'summary_card_posted', detail: summaryCardPlaceSchema.parse(place), actorId: actor.id } });
}

/** Where the service's summary card was last posted, if anywhere. */
export async function summaryCardOf(db: Db, serviceId: string): Promise<SummaryCardPlace | null> {
  const event = await db.serviceEvent.findFirst({ where: { serviceId, kind: 'summary_card_posted' }, orderBy: { createdAt: 'desc' } });
  const place = summaryCardPlaceSchema.safeParse(event?.detail);
  return place.success ? place.data : null;
}

export interface ServiceSummary {
  id: string;
  status: ServiceStatus;
  user: string;
  product: Localised;
  serviceType: Localised;
  bundle: Localised | null;
  options: Localised[];
  numberOption: NumberOption | null;
  mobileNumber: string | null;
  portingNumber: string | null;
  movedFrom: { user: string; e164: string | null } | null;
  simLastDigits: string | null;
  fixedNumber: string | null;
  activationMethod: ActivationMethod;
  activationTiming: ActivationTiming;
}

/** What the summary card shows, read fresh: the database, not the card, is the truth. */
export async function serviceSummary(db: Db, actor: Actor, serviceId: string): Promise<ServiceSummary> {
  await requireAdministrator(db, actor);
  const service = await db.service.findFirst({
    where: { id: serviceId, organisationId: actor.organisationId },
    include: {
      user: { select: { displayName: true } },
      mobileNumber: { select: { e164: true } },
      fixedNumber: { select: { e164: true } },
      simCard: { select: { iccid: true } },
      movedFrom: { select: { user: { select: { displayName: true } }, mobileNumber: { select: { e164: true } } } },
      portingRequests: { orderBy: { attempt: 'desc' }, take: 1, select: { e164: true } },
    },
  });
  if (!service) return refuseOrder(db, actor, 'no such service in this organisation', { type: 'Service', id: serviceId });
  const catalog = await contractCatalog(db, actor);
  const product = catalog.find((candidate) => candidate.code === service.productTypeCode);
  const type = findServiceType(catalog, service.serviceTypeCode);
  const bundle = type?.bundles.find((candidate) => candidate.code === service.bundleCode);
  return {
    id: service.id,
    status: service.status,
    user: service.user.displayName,
    product: product?.name ?? codeAsName(service.productTypeCode),
    serviceType: type?.name ?? codeAsName(service.serviceTypeCode),
    bundle: bundle?.name ?? (service.bundleCode ? codeAsName(service.bundleCode) : null),
    options: service.optionCodes.map((option) => type?.options.find((candidate) => candidate.code === option)?.name ?? codeAsName(option)),
    numberOption: service.numberOption,
    mobileNumber: service.mobileNumber?.e164 ?? null,
    portingNumber: service.portingRequests[0]?.e164 ?? null,
    movedFrom: service.movedFrom ? { user: service.movedFrom.user.displayName, e164: service.movedFrom.mobileNumber?.e164 ?? null } : null,
    simLastDigits: service.simCard ? service.simCard.iccid.slice(-4) : null,
    // A colleague's number to take over is shown from the start: it is this service's once it activates.
    fixedNumber: service.fixedNumber?.e164 ?? (service.plannedFixedNumberId ? (await db.phoneNumber.findUnique({ where: { id: service.plannedFixedNumberId } }))?.e164 ?? null : null),
    activationMethod: service.activationMethod,
    activationTiming: service.activationTiming,
  };
}
