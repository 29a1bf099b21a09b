import { LinkPurpose, NumberOption, PortingState, ServiceStatus } from '../../prisma/generated/enums';
import type { Service } from '../../prisma/generated/client';
import type { Db } from '../platform/db/database';
import { enqueue } from '../platform/jobQueue';
import { applyServiceEvent, DEFAULT_ACTIVATION_LINK_DAYS, queueActivationEmail } from './engine';
import { ActivationJobs, type Digest } from './jobs';
import { serviceFor } from './serviceAccess';
import { allWaitingServiceIds } from './serviceLists';
import type { Actor } from '../people/people';
import { waitingForUser } from './table';

/**
 * A service's activation as the administrator drives it: starting what they set it up to do (now, at a set time, or
 * all waiting services at once), resending the activation email, retrying a failed activation. Each checks who may
 * act, then applies the lifecycle's event (services/lifecycle/engine.ts), which alone changes the status. The user's
 * side is in userActivation.ts, the provisioning backend's answer in activationResult.ts.
 */

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
    return { started: true, status, emailQueued: waitingForUser.includes(status), portingQueued } as const;
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
    if (!waitingForUser.includes(status)) {
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
// Retrying and starting all

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
