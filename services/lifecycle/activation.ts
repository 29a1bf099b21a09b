import { z } from 'zod';
import type { Service } from '../../prisma/generated/client';
import { LinkPurpose, NumberOption, PortingState, Role, ServiceStatus, SimState } from '../../prisma/generated/enums';
import { codeAsName, productNames, type Localised } from '../catalog/catalog';
import type { Db } from '../platform/db/database';
import { submitToDonor } from '../simulators/donor';
import { enqueue, jobHandler, type DbClient, type JobHandler } from '../platform/jobQueue';
import { applyServiceEvent, DEFAULT_ACTIVATION_LINK_DAYS, queueActivationEmail } from './engine';
import { ActivationJobs, portingJobSchema, scheduledStartJobSchema, startAllJobSchema, type Digest } from './jobs';
import { AccessDenied, canSeeOrganisation, recordRefusal, refuse, type Actor } from '../people/people';
import { checkIccid, typoCandidates, type IccidProblem, type TypoCandidate } from '../simCards/simNumber';

/**
 * A service's activation as people and systems drive it: the administrator starting what they set it up to do, the
 * user entering the SIM card number or pressing Start, the provisioning backend's answer, the administrator's retry.
 * Each checks who may act, then applies the lifecycle's event (services/lifecycle/), which alone changes the status.
 */

// ---------------------------------------------------------------------------------------------------------------
// Access

/** The refusals here concern a service (none for a list): audited as `<action>.denied`. */
const refuseService = (db: Db, actor: Actor, action: string, subjectId: string | null, reason: string) =>
  refuse(db, actor, { action: `${action}.denied`, subjectType: 'Service', subjectId, reason });

type Permission = 'administrator' | 'administrator-or-support' | 'user-or-administrator' | 'user';

/** The service if `actor` may act on it as `permission` says; another organisation's service reads as missing. */
async function serviceFor(db: Db, actor: Actor, serviceId: string, permission: Permission, action: string): Promise<Service> {
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

// ---------------------------------------------------------------------------------------------------------------
// Starting a service

export type StartResult =
  | { started: true; status: ServiceStatus; emailQueued: boolean; portingQueued: boolean }
  | { started: false; reason: 'already-started'; status: ServiceStatus };

export interface StartOptions {
  now?: Date;
  /** How long the activation link stays valid (ACTIVATION_LINK_DAYS). */
  linkDays?: number;
  /** One service of a bulk start: the administrator hears of it, and of its email, in that operation's one message. */
  digest?: Digest;
}

/**
 * Starts what the service was set up to do (the lifecycle's `start`): an activation email with a personal link, in
 * which the user enters the SIM card number or, when it is known or there is none, presses Start; or the activation
 * itself when the administrator chose automatic; and the porting request, if any, goes to the donor operator.
 * Administrators of the service's organisation only.
 */
export async function startService(db: Db, actor: Actor, serviceId: string, options: StartOptions = {}): Promise<StartResult> {
  const now = options.now ?? new Date();
  const service = await serviceFor(db, actor, serviceId, 'administrator', 'service.start');
  return db.$transaction(async (tx) => {
    const result = await applyServiceEvent(tx, service.id, 'start', {
      now,
      actorId: actor.id,
      detail: { method: service.activationMethod },
      linkDays: options.linkDays,
      digest: options.digest,
    });
    if (!result.applied) {
      return { started: false, reason: 'already-started', status: result.reason === 'not-found' ? service.status : result.status } as const;
    }
    const status = result.service.status;
    await tx.auditEvent.create({
      data: {
        organisationId: service.organisationId,
        actorId: actor.id,
        action: 'service.started',
        subjectType: 'Service',
        subjectId: service.id,
        before: { status: ServiceStatus.WAITING_FOR_ACTIVATION },
        after: { status },
        createdAt: now,
      },
    });
    const portingQueued = service.numberOption === NumberOption.PORT && (await tx.portingRequest.count({ where: { serviceId: service.id, state: PortingState.REQUESTED } })) > 0;
    return { started: true, status, emailQueued: status === ServiceStatus.WAITING_FOR_SIM || status === ServiceStatus.READY, portingQueued } as const;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Scheduling and resending

export interface ScheduleResult {
  scheduled: number;
  /** False when the same start was already scheduled (a double click). */
  created: boolean;
}

/**
 * Starts the given services at `at` (e.g. Monday 08:00): one job that runs once, whichever process claims it, and
 * starts those still waiting then.
 */
export async function scheduleStart(
  db: Db,
  actor: Actor,
  serviceIds: string[],
  at: Date,
  options: { now?: Date } = {},
): Promise<ScheduleResult> {
  const now = options.now ?? new Date();
  const services: Service[] = [];
  for (const id of [...new Set(serviceIds)].sort()) services.push(await serviceFor(db, actor, id, 'administrator', 'service.schedule'));
  const waiting = services.filter((service) => service.status === ServiceStatus.WAITING_FOR_ACTIVATION);
  if (waiting.length === 0) return { scheduled: 0, created: false };
  const ids = waiting.map((service) => service.id);
  return db.$transaction(async (tx) => {
    const job = await enqueue(tx, {
      kind: ActivationJobs.scheduledStart,
      payload: { actorId: actor.id, serviceIds: ids },
      runAt: at,
      singletonKey: `${ActivationJobs.scheduledStart}:${at.toISOString()}:${ids.join(',')}`,
    });
    if (job.created) {
      await tx.service.updateMany({ where: { id: { in: ids } }, data: { scheduledStartAt: at } });
      await tx.serviceEvent.createMany({
        data: ids.map((serviceId) => ({ serviceId, kind: 'activation_scheduled', detail: { at: at.toISOString() }, actorId: actor.id, createdAt: now })),
      });
      await tx.auditEvent.createMany({
        data: waiting.map((service) => ({
          organisationId: service.organisationId,
          actorId: actor.id,
          action: 'service.scheduled',
          subjectType: 'Service',
          subjectId: service.id,
          before: { scheduledStartAt: service.scheduledStartAt?.toISOString() ?? null },
          after: { scheduledStartAt: at.toISOString() },
          createdAt: now,
        })),
      });
    }
    return { scheduled: ids.length, created: job.created };
  });
}

export type ResendResult =
  | { sent: true; revoked: number; /** This request key had sent it already (a double click, a retry). */ repeated: boolean }
  | { sent: false; reason: 'not-waiting-for-sim'; status: ServiceStatus };

/** A new activation email with a new link; the links sent before stop working. Administrators and support. */
export async function resendActivationEmail(
  db: Db,
  actor: Actor,
  serviceId: string,
  options: StartOptions & { requestKey?: string } = {},
): Promise<ResendResult> {
  const now = options.now ?? new Date();
  const service = await serviceFor(db, actor, serviceId, 'administrator-or-support', 'activation.resend');
  const requestKey = options.requestKey;
  return db.$transaction(async (tx) => {
    // The same button pressed twice at once (or retried by Teams) sends one email: the second press waits for the
    // service row here, then finds the first one's event.
    const [locked] = await tx.$queryRaw<Array<{ status: ServiceStatus }>>`SELECT status FROM "Service" WHERE id = ${service.id}::uuid FOR UPDATE`;
    if (requestKey) {
      const done = await tx.serviceEvent.findFirst({ where: { serviceId: service.id, kind: 'activation_email_resent', detail: { path: ['requestKey'], equals: requestKey } } });
      if (done) return { sent: true, revoked: 0, repeated: true } as const;
    }
    const status = locked?.status ?? service.status;
    if (status !== ServiceStatus.WAITING_FOR_SIM && status !== ServiceStatus.READY) {
      return { sent: false, reason: 'not-waiting-for-sim', status } as const;
    }
    const revoked = await tx.accessLink.updateMany({
      where: { serviceId: service.id, purpose: LinkPurpose.ACTIVATION, revokedAt: null, usedAt: null },
      data: { revokedAt: now },
    });
    const linkId = await queueActivationEmail(tx, service, now, options.linkDays ?? DEFAULT_ACTIVATION_LINK_DAYS);
    await tx.serviceEvent.create({
      data: { serviceId: service.id, kind: 'activation_email_resent', detail: { linkId, revoked: revoked.count, ...(requestKey ? { requestKey } : {}) }, actorId: actor.id, createdAt: now },
    });
    await tx.auditEvent.create({
      data: {
        organisationId: service.organisationId,
        actorId: actor.id,
        action: 'activation.resent',
        subjectType: 'Service',
        subjectId: service.id,
        after: { revokedLinks: revoked.count },
        createdAt: now,
      },
    });
    return { sent: true, revoked: revoked.count, repeated: false } as const;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The SIM card number

export type SimProblem = IccidProblem | 'not-in-stock' | 'assigned-elsewhere' | 'not-waiting';

export type SubmitSimResult =
  | { ok: true; status: ServiceStatus; iccid: string; alreadyDone: boolean; portingPending: boolean }
  | { ok: false; problem: SimProblem; suggestion?: TypoCandidate; status?: ServiceStatus };

/** The service whose SIM card number `actor` may enter (their own, or their organisation's as administrator). */
export async function serviceForSim(db: Db, actor: Actor, serviceId: string): Promise<Service> {
  return serviceFor(db, actor, serviceId, 'user-or-administrator', 'activation.sim');
}

/**
 * The SIM card number for a service waiting for it: the user for their own service, an administrator for their
 * organisation's. The number must be well formed, in the organisation's unused stock and not another service's.
 * When it fails its check digit or is not in stock, the stock card one typo away is offered as a suggestion.
 */
export async function submitSimNumber(
  db: Db,
  actor: Actor,
  serviceId: string,
  input: string,
  options: { now?: Date; /** The service as the caller just read it (servicesOfUser), saving a second read. */ read?: Service } = {},
): Promise<SubmitSimResult> {
  const now = options.now ?? new Date();
  const { read } = options;
  const service = read && read.id === serviceId && read.userId === actor.id ? read : await serviceForSim(db, actor, serviceId);
  const checked = checkIccid(input);
  if (!checked.ok) {
    if (checked.problem !== 'check-digit') return { ok: false, problem: checked.problem };
    return { ok: false, problem: checked.problem, suggestion: await nearestStockCard(db, service.organisationId, input) };
  }
  const iccid = checked.iccid;
  const sim = await db.simCard.findUnique({ where: { iccid } });
  if (sim && sim.id === service.simCardId) {
    // The user typing the card the administrator entered is their go, as the Start button would be.
    if (service.status === ServiceStatus.READY && service.userId === actor.id) {
      const started = await startActivationAsUser(db, actor, service.id, { now });
      return { ok: true, status: started.status, iccid, alreadyDone: !started.started, portingPending: await portingPendingFor(db, service) };
    }
    return { ok: true, status: service.status, iccid, alreadyDone: true, portingPending: await portingPendingFor(db, service) };
  }
  if (service.status !== ServiceStatus.WAITING_FOR_SIM) return { ok: false, problem: 'not-waiting', status: service.status };
  // Another organisation's card reads as "not in stock": its existence is none of this organisation's business.
  // Typing one is how a SIM swap onto a stolen card would start, so the attempt is audited.
  if (sim && sim.organisationId !== service.organisationId) {
    await recordRefusal(db, actor, { action: 'activation.sim.denied', subjectType: 'Service', subjectId: service.id, reason: "another organisation's SIM card" });
  }
  if (!sim || sim.organisationId !== service.organisationId) {
    return { ok: false, problem: 'not-in-stock', suggestion: await nearestStockCard(db, service.organisationId, iccid) };
  }
  if (sim.state !== SimState.IN_STOCK) return { ok: false, problem: 'assigned-elsewhere' };

  const applied = await db.$transaction(async (tx) => {
    const taken = await tx.simCard.updateMany({ where: { id: sim.id, state: SimState.IN_STOCK }, data: { state: SimState.ASSIGNED } });
    if (taken.count !== 1) return 'assigned-elsewhere' as const;
    // The number is also the user's go: the seed's step 3 is followed by the activation itself.
    const moved = await applyServiceEvent(tx, service.id, 'simEntered', {
      now,
      actorId: actor.id,
      data: { simCardId: sim.id },
      detail: { by: actor.role, lastDigits: iccid.slice(-4) },
    });
    if (!moved.applied) throw new ConcurrentChange();
    // An administrator putting a SIM card on someone else's line is an administrative change: audited.
    if (actor.id !== service.userId) {
      await tx.auditEvent.create({
        data: {
          organisationId: service.organisationId,
          actorId: actor.id,
          action: 'activation.sim.entered',
          subjectType: 'Service',
          subjectId: service.id,
          before: { status: ServiceStatus.WAITING_FOR_SIM, simLastDigits: null },
          after: { status: moved.service.status, simLastDigits: iccid.slice(-4) },
          createdAt: now,
        },
      });
    }
    return moved.service.status;
  }).catch((error: unknown) => {
    if (error instanceof ConcurrentChange) return 'raced' as const;
    throw error;
  });
  // A concurrent submission won: answer from where it left the service.
  if (applied === 'raced') return submitSimNumber(db, actor, serviceId, input, { now: options.now });
  if (applied === 'assigned-elsewhere') return { ok: false, problem: applied };
  return { ok: true, status: applied, iccid, alreadyDone: false, portingPending: await portingPendingFor(db, service) };
}

export type StartByUserResult =
  | { started: true; status: ServiceStatus; portingPending: boolean }
  | { started: false; status: ServiceStatus };

/**
 * "Start activation", pressed by the user on the link's page or in the chat, for a service whose SIM card the
 * administrator entered (or that has none): the lifecycle's `userStarts`. Pressed again, it changes nothing.
 */
export async function startActivationAsUser(db: Db, actor: Actor, serviceId: string, options: { now?: Date } = {}): Promise<StartByUserResult> {
  const now = options.now ?? new Date();
  const service = await serviceFor(db, actor, serviceId, 'user', 'activation.userStart');
  const result = await db.$transaction((tx) => applyServiceEvent(tx, service.id, 'userStarts', { now, actorId: actor.id }));
  if (!result.applied) return { started: false, status: result.reason === 'not-found' ? service.status : result.status };
  return { started: true, status: result.service.status, portingPending: await portingPendingFor(db, service) };
}

export type RetryResult = { retried: true } | { retried: false; status: ServiceStatus };

/** "Try again" on a failed activation: the backend gets the order once more. Administrators of the organisation. */
export async function retryActivation(db: Db, actor: Actor, serviceId: string, options: { now?: Date } = {}): Promise<RetryResult> {
  const now = options.now ?? new Date();
  const service = await serviceFor(db, actor, serviceId, 'administrator', 'activation.retry');
  return db.$transaction(async (tx) => {
    const result = await applyServiceEvent(tx, service.id, 'retry', { now, actorId: actor.id });
    if (!result.applied) return { retried: false, status: result.reason === 'not-found' ? service.status : result.status } as const;
    await tx.auditEvent.create({
      data: {
        organisationId: service.organisationId,
        actorId: actor.id,
        action: 'activation.retried',
        subjectType: 'Service',
        subjectId: service.id,
        before: { status: ServiceStatus.FAILED },
        after: { status: result.service.status },
        createdAt: now,
      },
    });
    return { retried: true } as const;
  });
}

/** Only a service whose number comes from another operator has porting requests: the others need no look-up. */
function portingPendingFor(db: Db, service: Service): Promise<boolean> {
  return service.numberOption === NumberOption.PORT ? portingPending(db, service.id) : Promise.resolve(false);
}

class ConcurrentChange extends Error {}

/** The organisation's unused card one typo away from what was typed, when exactly one is that close. */
async function nearestStockCard(db: Db, organisationId: string, typed: string): Promise<TypoCandidate | undefined> {
  const stock = await db.simCard.findMany({ where: { organisationId, state: SimState.IN_STOCK }, select: { iccid: true } });
  const candidates = typoCandidates(typed, stock.map((sim) => sim.iccid));
  return candidates.length === 1 ? candidates[0] : undefined;
}

/** Is a number transfer still under way? Then the SIM works before the number moves to it. */
export async function portingPending(db: DbClient, serviceId: string): Promise<boolean> {
  const latest = await db.portingRequest.findFirst({ where: { serviceId }, orderBy: { attempt: 'desc' }, select: { state: true } });
  return latest !== null && latest.state !== PortingState.COMPLETED && latest.state !== PortingState.CANCELLED;
}

// ---------------------------------------------------------------------------------------------------------------
// Provisioning

export const activationResultSchema = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('ACTIVE') }),
  z.object({ outcome: z.literal('FAILED'), reason: z.string().trim().min(1).max(500).optional() }),
]);
export type ActivationResult = z.input<typeof activationResultSchema>;

export type RecordResult =
  | { applied: true; status: ServiceStatus }
  | { applied: false; reason: 'not-found' }
  | { applied: false; reason: 'already' | 'not-activating'; status: ServiceStatus };

/** Where a service may stand once the backend reported the line working. */
const provisionedStates: ServiceStatus[] = [ServiceStatus.WAITING_FOR_PORTING, ServiceStatus.ACTIVE, ServiceStatus.ENDED];

/**
 * The provisioning backend's answer for an activating service (the simulator's job, or the real backend's
 * webhook): the line works (`provisioned`: active, or waiting for its ported number), or FAILED with the reason.
 * Applying the same answer again changes nothing.
 */
export async function recordActivationResult(
  db: Db,
  serviceId: string,
  result: ActivationResult,
  options: { now?: Date } = {},
): Promise<RecordResult> {
  const parsed = activationResultSchema.parse(result);
  const now = options.now ?? new Date();
  return db.$transaction(async (tx) => {
    // The backend's own words if it gave any; without them the views say so in the reader's language.
    const moved = parsed.outcome === 'ACTIVE'
      ? await applyServiceEvent(tx, serviceId, 'provisioned', { now })
      : await applyServiceEvent(tx, serviceId, 'provisioningFailed', { now, data: { failureReason: parsed.reason ?? null }, detail: { reason: parsed.reason ?? null } });
    if (moved.applied) return { applied: true, status: moved.service.status } as const;
    if (moved.reason === 'not-found') return { applied: false, reason: 'not-found' } as const;
    const already = parsed.outcome === 'ACTIVE' ? provisionedStates.includes(moved.status) : moved.status === ServiceStatus.FAILED;
    return { applied: false, reason: already ? 'already' : 'not-activating', status: moved.status } as const;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Jobs

/** Sends the porting request of a started service to its donor operator, whose answer then follows by itself. */
export function submitPortingJob(db: Db, clockSpeed: number): JobHandler<{ requestId: string }> {
  return jobHandler(portingJobSchema, async ({ requestId }) => {
    await submitToDonor(db, requestId, clockSpeed);
  });
}

/**
 * A scheduled start, as the administrator who scheduled it, with the rights they have when it fires: services
 * started meanwhile are skipped, and a service they may no longer start is refused (and audited) without stopping
 * the others.
 */
export function scheduledStartJob(db: Db, linkDays: number): JobHandler<{ actorId: string; serviceIds: string[] }> {
  return jobHandler(scheduledStartJobSchema, ({ actorId, serviceIds }) => startAs(db, actorId, serviceIds, { linkDays }));
}

/**
 * "Start all" pressed: one job starts the services waiting then, so the button is answered at once (Teams waits about
 * five seconds; a thousand starts take longer). Returns how many services the job starts.
 */
export async function queueStartAll(db: Db, actor: Actor, requestKey: string, now = new Date()): Promise<number> {
  const serviceIds = await allWaitingServiceIds(db, actor);
  if (serviceIds.length === 0) return 0;
  await enqueue(db, {
    kind: ActivationJobs.startAll,
    payload: { actorId: actor.id, requestKey, serviceIds },
    runAt: now,
    singletonKey: `${ActivationJobs.startAll}:${actor.id}:${requestKey}`,
  });
  return serviceIds.length;
}

/** Starts them with the rights the administrator has now; their progress reaches them as one message, updated. */
export function startAllJob(db: Db, linkDays: number): JobHandler<z.infer<typeof startAllJobSchema>> {
  return jobHandler(startAllJobSchema, ({ actorId, requestKey, serviceIds }) =>
    startAs(db, actorId, serviceIds, { linkDays, digest: { key: `${ActivationJobs.startAll}:${requestKey}`, total: serviceIds.length } }));
}

/** Starts the services still waiting as `actorId`; a refusal (audited) skips that service only. Safe to run again. */
async function startAs(db: Db, actorId: string, serviceIds: string[], options: StartOptions): Promise<void> {
  const actor = await db.person.findUnique({ where: { id: actorId }, include: { organisation: true } });
  if (!actor) return;
  for (const serviceId of serviceIds) {
    try {
      await startService(db, actor, serviceId, options);
    } catch (error) {
      if (!(error instanceof AccessDenied)) throw error;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

/** All of the user's own services, oldest first, with their SIM card's number: what the chat needs in one read. */
export async function servicesOfUser(db: Db, actor: Actor): Promise<Array<Service & { simCard: { iccid: string } | null }>> {
  return db.service.findMany({ where: { userId: actor.id }, include: { simCard: { select: { iccid: true } } }, orderBy: { createdAt: 'asc' } });
}

export const WAITING_PAGE_SIZE = 10;

/** Not started yet, then started and waiting for the user: their SIM card number, or their Start. */
const waitingStates: ServiceStatus[] = [ServiceStatus.WAITING_FOR_ACTIVATION, ServiceStatus.WAITING_FOR_SIM, ServiceStatus.READY];

export interface WaitingService {
  id: string;
  userName: string;
  product: Localised;
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
    include: { user: { select: { displayName: true } } },
  });
  const products = await productNames(db, rows.map((row) => row.productTypeCode));
  return {
    services: rows.map((row) => ({
      id: row.id,
      userName: row.user.displayName,
      product: products.get(row.productTypeCode) ?? codeAsName(row.productTypeCode),
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
