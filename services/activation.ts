import { z } from 'zod';
import { Prisma, type Service } from '../prisma/generated/client';
import {
  ActivationMethod,
  LinkPurpose,
  NumberState,
  NumberOption,
  PortingState,
  Role,
  ServiceStatus,
  SimState,
} from '../prisma/generated/enums';
import { hashToken, newToken } from './accessLinks';
import { codeAsName, productNames, type Localised } from './catalog';
import type { Db } from './db/database';
import { submitToDonor } from './donorSimulator';
import { enqueue, jobHandler, type DbClient, type JobHandler } from './jobQueue';
import { completeNumberMove } from './numberMove';
import { queueNotification } from './notificationOutbox';
import { AccessDenied, canSeeOrganisation, recordRefusal, refuse, type Actor } from './people';
import { checkIccid, typoCandidates, type IccidProblem, type TypoCandidate } from './simNumber';

/**
 * A service's activation: starting what the administrator set it up to do (email the user, start automatically,
 * submit the porting), the SIM card number arriving, and the provisioning backend's answer. Every transition is one
 * transaction with its ServiceEvent, its notifications and its follow-up jobs, and is conditional on the state it
 * starts from, so a double click, a Teams retry or a second process changes nothing.
 *
 * waiting for activation → waiting for SIM → ready → activating → active | failed
 */

export const DEFAULT_ACTIVATION_LINK_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The background jobs of an activation; bot/background.ts maps each kind to its handler. */
export const ActivationJobs = {
  sendEmail: 'activation.sendEmail',
  submitPorting: 'activation.submitPorting',
  scheduledStart: 'activation.scheduledStart',
  provision: 'activation.provision',
  complete: 'activation.complete',
  startAll: 'activation.startAll',
} as const;

/** A bulk operation's one message to its administrator (the notifier's digest): its key and how many services it has. */
export const digestSchema = z.object({ key: z.string().min(1).max(200), total: z.number().int().positive() });
export const sendEmailJobSchema = z.object({ serviceId: z.uuid(), linkId: z.uuid(), digest: digestSchema.optional() });
export const submitPortingJobSchema = z.object({ requestId: z.uuid() });
export const scheduledStartJobSchema = z.object({ actorId: z.uuid(), serviceIds: z.array(z.uuid()).min(1).max(500) });
/** The services waiting when "Start all" was pressed; `requestKey` names the press, so a double click queues one job. */
export const startAllJobSchema = z.object({ actorId: z.uuid(), requestKey: z.string().min(1).max(64), serviceIds: z.array(z.uuid()).min(1).max(20_000) });
export const serviceJobSchema = z.object({ serviceId: z.uuid() });

/** Notification kinds written by the activation; the notifier in bot/ turns them into messages. */
export const ActivationNotifications = {
  started: 'activation.started',
  completed: 'activation.completed',
  failed: 'activation.failed',
  simEntered: 'activation.simEntered',
  emailSent: 'activation.emailSent',
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Access

/** The refusals here concern a service (none for a list): audited as `<action>.denied`. */
const refuseService = (db: Db, actor: Actor, action: string, subjectId: string | null, reason: string) =>
  refuse(db, actor, { action: `${action}.denied`, subjectType: 'Service', subjectId, reason });

type Permission = 'administrator' | 'administrator-or-support' | 'user-or-administrator';

/** The service if `actor` may act on it as `permission` says; another organisation's service reads as missing. */
async function serviceFor(db: Db, actor: Actor, serviceId: string, permission: Permission, action: string): Promise<Service> {
  if (!z.uuid().safeParse(serviceId).success) return refuseService(db, actor, action, null, 'no such service');
  const service = await db.service.findUnique({ where: { id: serviceId } });
  if (!service) return refuseService(db, actor, action, serviceId, 'no such service');
  // Whatever their role, a person may enter the SIM card of their own service.
  if (permission === 'user-or-administrator' && service.userId === actor.id) return service;
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
  digest?: z.infer<typeof digestSchema>;
}

/**
 * Starts what the service was set up to do: an activation email with a personal link (the user enters the SIM card
 * number), or, when the administrator entered the SIM card and chose automatic activation, the activation itself;
 * and the porting request, if any, goes to the donor operator. Administrators of the service's organisation only.
 */
export async function startService(db: Db, actor: Actor, serviceId: string, options: StartOptions = {}): Promise<StartResult> {
  const now = options.now ?? new Date();
  const service = await serviceFor(db, actor, serviceId, 'administrator', 'service.start');
  return db.$transaction(async (tx) => {
    const status = firstStatus(service);
    const moved = await tx.service.updateMany({
      where: { id: service.id, status: ServiceStatus.WAITING_FOR_ACTIVATION },
      data: {
        status,
        scheduledStartAt: null,
        ...(status === ServiceStatus.ACTIVATING ? { activationStartedAt: now } : {}),
      },
    });
    if (moved.count !== 1) {
      const current = await tx.service.findUniqueOrThrow({ where: { id: service.id }, select: { status: true } });
      return { started: false, reason: 'already-started', status: current.status } as const;
    }
    await tx.serviceEvent.create({
      data: { serviceId: service.id, kind: 'service_started', detail: { method: service.activationMethod }, actorId: actor.id, createdAt: now },
    });
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
    // Before announceActivationStarted's own notice to the administrator, whose key this one takes.
    if (options.digest) {
      await notifyAll(tx, service, ActivationNotifications.started, { digestKey: options.digest.key, digestTotal: options.digest.total }, { recipients: [actor.id] });
    }
    let emailQueued = false;
    if (service.activationMethod === ActivationMethod.EMAIL) {
      await queueActivationEmail(tx, service, now, options.linkDays ?? DEFAULT_ACTIVATION_LINK_DAYS, options.digest);
      emailQueued = true;
    } else if (status === ServiceStatus.ACTIVATING) {
      await announceActivationStarted(tx, service, actor.id, now);
    }
    const porting = await tx.portingRequest.findFirst({
      where: { serviceId: service.id, state: PortingState.REQUESTED },
      orderBy: { attempt: 'desc' },
      select: { id: true },
    });
    // A job, committed with the start, so that the submission happens even if this process stops right after.
    if (porting) {
      await enqueue(tx, {
        kind: ActivationJobs.submitPorting,
        payload: { requestId: porting.id },
        runAt: now,
        singletonKey: `${ActivationJobs.submitPorting}:${porting.id}`,
      });
    }
    return { started: true, status, emailQueued, portingQueued: porting !== null } as const;
  });
}

function firstStatus(service: Service): ServiceStatus {
  if (service.activationMethod === ActivationMethod.AUTOMATIC) {
    // Automatic activation needs the SIM card; without it the service waits for the number like an emailed one.
    return service.simCardId ? ServiceStatus.ACTIVATING : ServiceStatus.WAITING_FOR_SIM;
  }
  return service.simCardId ? ServiceStatus.READY : ServiceStatus.WAITING_FOR_SIM;
}

/**
 * Creates the activation link row and the job that emails it. The token itself is only made by the job, just before
 * sending: no readable token ever sits in the database, not even in a job payload.
 */
async function queueActivationEmail(
  tx: Prisma.TransactionClient,
  service: Service,
  now: Date,
  linkDays: number,
  digest?: z.infer<typeof digestSchema>,
): Promise<string> {
  const link = await tx.accessLink.create({
    data: {
      tokenHash: hashToken(newToken()),
      purpose: LinkPurpose.ACTIVATION,
      personId: service.userId,
      serviceId: service.id,
      expiresAt: new Date(now.getTime() + linkDays * DAY_MS),
      createdAt: now,
    },
  });
  await enqueue(tx, {
    kind: ActivationJobs.sendEmail,
    payload: { serviceId: service.id, linkId: link.id, ...(digest ? { digest } : {}) },
    runAt: now,
    singletonKey: `${ActivationJobs.sendEmail}:${link.id}`,
  });
  return link.id;
}

/** ACTIVATING reached: the timeline, the user and the administrator are told, and the backend gets the order. */
async function announceActivationStarted(tx: Prisma.TransactionClient, service: Service, actorId: string | null, now: Date): Promise<void> {
  await tx.serviceEvent.create({ data: { serviceId: service.id, kind: 'activation_started', actorId, createdAt: now } });
  await notifyAll(tx, service, ActivationNotifications.started, {});
  await enqueue(tx, {
    kind: ActivationJobs.provision,
    payload: { serviceId: service.id },
    runAt: now,
    singletonKey: `${ActivationJobs.provision}:${service.id}:${now.getTime()}`,
  });
}

/**
 * Tells the user and the administrator who created the service. The key names the event, the service and the
 * person (plus `occurrence` for events that can happen again, like a resent email), so writing it twice is harmless.
 */
export async function notifyAll(
  tx: DbClient,
  service: Pick<Service, 'id' | 'userId' | 'createdById'>,
  kind: string,
  payload: Prisma.InputJsonObject,
  options: { recipients?: Array<string | null>; occurrence?: string } = {},
): Promise<void> {
  const recipients = options.recipients ?? [service.userId, service.createdById];
  for (const recipientId of new Set(recipients.filter((id): id is string => !!id))) {
    await queueNotification(tx, {
      idempotencyKey: [kind, service.id, options.occurrence, recipientId].filter(Boolean).join(':'),
      recipientId,
      serviceId: service.id,
      kind,
      payload: { serviceId: service.id, ...payload },
    });
  }
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
  options: { now?: Date; /** The service as servicesWaitingForSim just read it, saving a second read. */ read?: Service } = {},
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
    const moved = await tx.service.updateMany({
      where: { id: service.id, status: ServiceStatus.WAITING_FOR_SIM, simCardId: null },
      data: { status: ServiceStatus.READY, simCardId: sim.id },
    });
    if (moved.count !== 1) throw new ConcurrentChange();
    await tx.serviceEvent.create({
      data: { serviceId: service.id, kind: 'sim_submitted', detail: { by: actor.role, lastDigits: iccid.slice(-4) }, actorId: actor.id, createdAt: now },
    });
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
          after: { status: ServiceStatus.READY, simLastDigits: iccid.slice(-4) },
          createdAt: now,
        },
      });
    }
    // The administrator learns that the user did their part; the user is told when activation starts.
    const others = [service.createdById].filter((id) => id !== actor.id);
    await notifyAll(tx, service, ActivationNotifications.simEntered, { lastDigits: iccid.slice(-4) }, { recipients: others });
    await enqueue(tx, {
      kind: ActivationJobs.provision,
      payload: { serviceId: service.id },
      runAt: now,
      singletonKey: `${ActivationJobs.provision}:${service.id}:${now.getTime()}`,
    });
    return 'ok' as const;
  }).catch((error: unknown) => {
    if (error instanceof ConcurrentChange) return 'raced' as const;
    throw error;
  });
  // A concurrent submission won: answer from where it left the service.
  if (applied === 'raced') return submitSimNumber(db, actor, serviceId, input, { now: options.now });
  if (applied !== 'ok') return { ok: false, problem: applied };
  return { ok: true, status: ServiceStatus.READY, iccid, alreadyDone: false, portingPending: await portingPendingFor(db, service) };
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

/**
 * The backend took the order: READY → ACTIVATING. Returns the service when it is activating (now or already), so the
 * caller can wait for the backend's answer; null when there is nothing to activate.
 */
export async function beginProvisioning(db: Db, serviceId: string, options: { now?: Date } = {}): Promise<Service | null> {
  const now = options.now ?? new Date();
  return db.$transaction(async (tx) => {
    const service = await tx.service.findUnique({ where: { id: serviceId } });
    if (!service) return null;
    if (service.status === ServiceStatus.ACTIVATING) return service;
    if (service.status !== ServiceStatus.READY || !service.simCardId) return null;
    const moved = await tx.service.updateMany({
      where: { id: serviceId, status: ServiceStatus.READY },
      data: { status: ServiceStatus.ACTIVATING, activationStartedAt: now },
    });
    if (moved.count !== 1) return null;
    await tx.serviceEvent.create({ data: { serviceId, kind: 'activation_started', createdAt: now } });
    await notifyAll(tx, service, ActivationNotifications.started, {});
    return { ...service, status: ServiceStatus.ACTIVATING, activationStartedAt: now };
  });
}

export const activationResultSchema = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('ACTIVE') }),
  z.object({ outcome: z.literal('FAILED'), reason: z.string().trim().min(1).max(500).optional() }),
]);
export type ActivationResult = z.input<typeof activationResultSchema>;

export type RecordResult =
  | { applied: true; status: ServiceStatus }
  | { applied: false; reason: 'not-found' }
  | { applied: false; reason: 'already' | 'not-activating'; status: ServiceStatus };

/**
 * The provisioning backend's answer for an activating service (the simulator's job, or the real backend's
 * webhook): ACTIVE, or FAILED with the reason. Applying the same answer again changes nothing.
 */
export async function recordActivationResult(
  db: Db,
  serviceId: string,
  result: ActivationResult,
  options: { now?: Date } = {},
): Promise<RecordResult> {
  const parsed = activationResultSchema.parse(result);
  const now = options.now ?? new Date();
  const target = parsed.outcome === 'ACTIVE' ? ServiceStatus.ACTIVE : ServiceStatus.FAILED;
  return db.$transaction(async (tx) => {
    const service = await tx.service.findUnique({ where: { id: serviceId } });
    if (!service) return { applied: false, reason: 'not-found' } as const;
    if (service.status === target) return { applied: false, reason: 'already', status: service.status } as const;
    // The backend's own words if it gave any; without them the views say so in the reader's language.
    const failureReason = parsed.outcome === 'FAILED' ? parsed.reason ?? null : null;
    const moved = await tx.service.updateMany({
      where: { id: serviceId, status: ServiceStatus.ACTIVATING },
      data: target === ServiceStatus.ACTIVE ? { status: target, activatedAt: now, failureReason: null } : { status: target, failureReason },
    });
    if (moved.count !== 1) return { applied: false, reason: 'not-activating', status: service.status } as const;
    if (target === ServiceStatus.ACTIVE) {
      await tx.serviceEvent.create({ data: { serviceId, kind: 'activated', createdAt: now } });
      if (service.simCardId) await tx.simCard.update({ where: { id: service.simCardId }, data: { state: SimState.ACTIVE } });
      // "Port an existing Dstny service": the number leaves the old service now.
      const move = await completeNumberMove(tx, serviceId, now);
      const mobileNumberId = move.moved ? move.numberId : service.mobileNumberId;
      if (mobileNumberId) {
        await tx.phoneNumber.update({ where: { id: mobileNumberId }, data: { state: NumberState.IN_USE, reservedUntil: null } });
      }
      // Activation done: the personal link has served its purpose.
      await tx.accessLink.updateMany({
        where: { serviceId, purpose: LinkPurpose.ACTIVATION, usedAt: null, revokedAt: null },
        data: { usedAt: now },
      });
      await notifyAll(tx, service, ActivationNotifications.completed, { portingPending: await portingPending(tx, serviceId) });
    } else {
      await tx.serviceEvent.create({ data: { serviceId, kind: 'activation_failed', detail: { reason: failureReason }, createdAt: now } });
      await notifyAll(tx, service, ActivationNotifications.failed, { reason: failureReason });
    }
    return { applied: true, status: target } as const;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Jobs

/** Sends the porting request of a started service to its donor operator, whose answer then follows by itself. */
export function submitPortingJob(db: Db, clockSpeed: number): JobHandler<{ requestId: string }> {
  return jobHandler(submitPortingJobSchema, async ({ requestId }) => {
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

/** The user's own services still waiting for their SIM card number, oldest first. */
export async function servicesWaitingForSim(db: Db, actor: Actor): Promise<Service[]> {
  return db.service.findMany({ where: { userId: actor.id, status: ServiceStatus.WAITING_FOR_SIM }, orderBy: { createdAt: 'asc' } });
}

export const WAITING_PAGE_SIZE = 10;

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
 * user's SIM card number (whose email can be resent), oldest first, a page at a time.
 */
export async function listWaitingServices(
  db: Db,
  actor: Actor,
  page = 0,
): Promise<{ services: WaitingService[]; total: number; page: number; pages: number }> {
  if (actor.role !== Role.ADMINISTRATOR && actor.role !== Role.SUPPORT) {
    return refuseService(db, actor, 'service.list', null, `role ${actor.role} may not do this`);
  }
  const where = { organisationId: actor.organisationId, status: { in: [ServiceStatus.WAITING_FOR_ACTIVATION, ServiceStatus.WAITING_FOR_SIM] } };
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
