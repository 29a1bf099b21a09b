import { z } from 'zod';
import type { Db } from '../platform/db/database';
import { jobHandler, type JobHandler } from '../platform/jobQueue';
import type { ProvisioningBackend } from '../lifecycle/gateways';

/** The jobs that tell the provisioning backend about an eSIM profile; bot/background.ts maps each kind to its handler. */
export const EsimJobs = {
  /** The profile may now be downloaded by the user's phone. */
  release: 'esim.release',
  /** The profile is revoked: a lost phone's eSIM stops working. */
  revoke: 'esim.revoke',
} as const;

export const esimJobSchema = z.object({ simCardId: z.uuid() });

/** Asks the backend to release a profile sent to its user, unless it was revoked meanwhile. */
export function releaseEsimJob(db: Db, backend: ProvisioningBackend): JobHandler<{ simCardId: string }> {
  return jobHandler(esimJobSchema, async ({ simCardId }) => {
    const sim = await db.simCard.findUnique({ where: { id: simCardId }, select: { iccid: true, state: true, service: { select: { id: true } } } });
    if (!sim?.service || sim.state === 'DEACTIVATED') return;
    await backend.releaseEsim({ iccid: sim.iccid });
  });
}

/** Tells the backend a profile is revoked. */
export function revokeEsimJob(db: Db, backend: ProvisioningBackend): JobHandler<{ simCardId: string }> {
  return jobHandler(esimJobSchema, async ({ simCardId }) => {
    const sim = await db.simCard.findUnique({ where: { id: simCardId }, select: { iccid: true } });
    if (sim) await backend.revokeEsim({ iccid: sim.iccid });
  });
}
