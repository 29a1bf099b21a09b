import { z } from 'zod';
import { storableString } from '../platform/text';
import { ServiceStatus } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import { applyServiceEvent } from './engine';

/** The provisioning backend's answer for an activating service, from a simulator's job or the real backend's webhook. */

export const activationResultSchema = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('ACTIVE') }),
  z.object({ outcome: z.literal('FAILED'), reason: storableString().trim().min(1).max(500).optional() }),
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
