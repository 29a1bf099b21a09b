import crypto from 'node:crypto';
import { z } from 'zod';
import { recordEsimInstalled } from '../simCards/esimProfiles';
import { recordActivationResult } from '../lifecycle/activationResult';
import type { ProvisioningBackend } from '../lifecycle/gateways';
import type { Db } from '../platform/db/database';
import { enqueue, jobHandler, type JobHandler } from '../platform/jobQueue';
import { ActivationJobs, serviceJobSchema } from '../lifecycle/jobs';

/**
 * The simulated provisioning backend: it takes an activating service's order and reports the line working after
 * about an hour, occasionally up to two days, as the operator's help page says. Times are divided by the clock speed
 * (SIM_CLOCK_SPEED) so that a demo hour takes seconds. A real backend answers through the webhook, which calls
 * recordActivationResult just like the completion job here.
 */

const MINUTE_MS = 60_000;

/**
 * How long the simulated backend takes for a service, in real time: 45 to 75 minutes, and for one service in ten
 * between one and two days. Derived from the service id so that a retried job keeps the same due time.
 */
export function simulatedActivationMs(serviceId: string): number {
  const [slow, spread] = crypto.createHash('sha256').update(serviceId).digest();
  const fraction = spread! / 255;
  return slow! % 10 === 0 ? (24 + 24 * fraction) * 60 * MINUTE_MS : (45 + 30 * fraction) * MINUTE_MS;
}

/**
 * How long after its release the simulated user installs an eSIM, in real time: 5 to 35 minutes, derived from the
 * ICCID like the activation's time.
 */
export function simulatedEsimInstallMs(iccid: string): number {
  const [spread] = crypto.createHash('sha256').update(iccid).digest();
  return (5 + 30 * (spread! / 255)) * MINUTE_MS;
}

/**
 * The simulated backend as the domain's provisioning backend (services/lifecycle/gateways.ts): it takes an order and
 * schedules its answer. bot/background.ts gives it.
 */
export function simulatedProvisioning(db: Db, clockSpeed: number): ProvisioningBackend {
  return {
    async order({ serviceId, activationStartedAt }) {
      const startedAt = activationStartedAt.getTime();
      await enqueue(db, {
        kind: ActivationJobs.complete,
        payload: { serviceId },
        runAt: new Date(startedAt + simulatedActivationMs(serviceId) / clockSpeed),
        // Once per activation attempt, however often the order is given.
        singletonKey: `${ActivationJobs.complete}:${serviceId}:${startedAt}`,
      });
    },
    // The demo has no phone: the simulated SM-DP+ reports the profile installed a little after it was released.
    async releaseEsim({ iccid }) {
      await enqueue(db, {
        kind: SimulatorJobs.esimInstalled,
        payload: { iccid },
        runAt: new Date(Date.now() + simulatedEsimInstallMs(iccid) / clockSpeed),
        singletonKey: `${SimulatorJobs.esimInstalled}:${iccid}`,
      });
    },
    // A revoked profile's pending install report finds it revoked and changes nothing (recordEsimInstalled).
    async revokeEsim() {},
  };
}

/** The simulated backend's own jobs. */
export const SimulatorJobs = { esimInstalled: 'simulator.esimInstalled' } as const;

/** The simulated phone installed the profile. */
export function esimInstalledJob(db: Db): JobHandler<{ iccid: string }> {
  return jobHandler(z.object({ iccid: z.string().regex(/^\d{19,20}$/) }), async ({ iccid }) => {
    await recordEsimInstalled(db, iccid);
  });
}

/** The backend's answer: the line works. */
export function completeJob(db: Db): JobHandler<{ serviceId: string }> {
  return jobHandler(serviceJobSchema, async ({ serviceId }) => {
    await recordActivationResult(db, serviceId, { outcome: 'ACTIVE' });
  });
}
