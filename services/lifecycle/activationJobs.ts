import type { z } from 'zod';
import { PortingState, ServiceStatus } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import { jobHandler, type JobHandler } from '../platform/jobQueue';
import { applyPortingEvent, submitPorting } from '../numbers/portingEvents';
import { startService, type StartOptions } from './activation';
import type { DonorOperators, ProvisioningBackend } from './gateways';
import { ActivationJobs, portingJobSchema, scheduledStartJobSchema, serviceJobSchema, startAllJobSchema } from './jobs';
import { AccessDenied } from '../people/people';

/**
 * The background jobs of a service's activation (their kinds in jobs.ts), for bot/background.ts. Those that reach the
 * donor operators or the provisioning backend are given them (gateways.ts): the domain never picks an implementation.
 */

/** Sends the porting request of a started service to its donor operator, whose answer then follows by itself. */
export function submitPortingJob(db: Db, donors: DonorOperators): JobHandler<{ requestId: string }> {
  return jobHandler(portingJobSchema, async ({ requestId }) => {
    await submitPorting(db, requestId, new Date(), donors.requestSent);
  });
}

/**
 * A porting held back at its window (the new line did not work then) goes back to the donor once the line works: the
 * donor accepts it again and announces a new window.
 */
export function resumePortingJob(db: Db, donors: DonorOperators): JobHandler<{ requestId: string }> {
  return jobHandler(portingJobSchema, async ({ requestId }) => {
    await applyPortingEvent(db, requestId, { to: PortingState.ACCEPTED }, { expectedFrom: PortingState.HELD, alsoInTransaction: donors.requestSent });
  });
}

/** Gives the backend the order of a service that is activating; a service that no longer is needs none. */
export function provisionJob(db: Db, backend: ProvisioningBackend): JobHandler<{ serviceId: string }> {
  return jobHandler(serviceJobSchema, async ({ serviceId }) => {
    const service = await db.service.findUnique({ where: { id: serviceId }, select: { status: true, activationStartedAt: true } });
    if (service?.status !== ServiceStatus.ACTIVATING || !service.activationStartedAt) return;
    await backend.order({ serviceId, activationStartedAt: service.activationStartedAt });
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

/** Starts them with the rights the administrator has now; their progress reaches them as one message, updated. */
export function startAllJob(db: Db, linkDays: number): JobHandler<z.infer<typeof startAllJobSchema>> {
  return jobHandler(startAllJobSchema, ({ actorId, requestKey, serviceIds }) =>
    startAs(db, actorId, serviceIds, { linkDays, digest: { key: `${ActivationJobs.startAll}:${requestKey}`, total: serviceIds.length } }));
}

/** Starts the services still waiting as `actorId`; a refusal (audited) skips that service only. Safe to run again. */
async function startAs(db: Db, actorId: string, serviceIds: string[], options: StartOptions): Promise<void> {
  const actor = await db.person.findUnique({ where: { id: actorId }, include: { organisation: true } });
  if (!actor) return;
  if (actor.organisation.deactivatedAt) {
    await dropScheduledStarts(db, actor.organisationId, serviceIds);
    return;
  }
  for (const serviceId of serviceIds) {
    try {
      await startService(db, actor, serviceId, options);
    } catch (error) {
      if (!(error instanceof AccessDenied)) throw error;
    }
  }
}

/**
 * Nothing starts for a deactivated organisation. Its services stay waiting, no longer shown as scheduled for a time
 * that has passed: once the organisation is active again, an administrator starts them.
 */
async function dropScheduledStarts(db: Db, organisationId: string, serviceIds: string[], now = new Date()): Promise<void> {
  await db.$transaction(async (tx) => {
    const dropped = await tx.service.findMany({
      where: { id: { in: serviceIds }, organisationId, status: ServiceStatus.WAITING_FOR_ACTIVATION, scheduledStartAt: { not: null } },
      select: { id: true, scheduledStartAt: true },
    });
    if (dropped.length === 0) return;
    await tx.service.updateMany({ where: { id: { in: dropped.map((s) => s.id) } }, data: { scheduledStartAt: null } });
    await tx.serviceEvent.createMany({
      data: dropped.map((s) => ({ serviceId: s.id, kind: 'activation_schedule_dropped', detail: { at: s.scheduledStartAt!.toISOString() }, createdAt: now })),
    });
  });
}
