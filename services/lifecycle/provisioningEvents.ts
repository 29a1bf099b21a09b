import { z } from 'zod';
import { storableString } from '../platform/text';
import { activationResultSchema, recordActivationResult } from './activationResult';
import type { Db } from '../platform/db/database';
import { applyPortingEvent, portingEventSchema } from '../numbers/portingEvents';
import { recordEsimInstalled } from '../simCards/esimProfiles';

/**
 * Status callbacks from a real provisioning backend and number-portability exchange (POST /api/provisioning/events,
 * HMAC-checked in bot/). After that boundary they run the same code as the simulators: applyPortingEvent and
 * recordActivationResult. Each event id is applied at most once.
 */

const eventId = storableString().trim().min(1).max(200);

export const provisioningEventSchema = z.discriminatedUnion('type', [
  z.object({ eventId, type: z.literal('porting'), requestId: z.uuid(), event: portingEventSchema }),
  z.object({ eventId, type: z.literal('activation'), serviceId: z.uuid(), result: activationResultSchema }),
  // The SM-DP+ server's report that a phone installed an eSIM profile, named by its ICCID.
  z.object({ eventId, type: z.literal('esim'), iccid: z.string().regex(/^\d{19,20}$/, { error: 'an ICCID is 19 or 20 digits' }), event: z.literal('installed') }),
]);
export type ProvisioningEvent = z.infer<typeof provisioningEventSchema>;

export type ProvisioningOutcome =
  | { status: 'applied' }
  /** The change had already happened (the simulator or an earlier event took that step). */
  | { status: 'already' }
  /** This event id was applied before: a replay. */
  | { status: 'duplicate' }
  | { status: 'not-found' }
  /** The lifecycle does not allow this step from where the request or service is now. */
  | { status: 'conflict'; state: string };

/**
 * Applies one event unless its id was seen. The id is claimed first and given back when the event changed nothing,
 * so that a refused event leaves no trace and a concurrent replay of the same id waits for no lock: it is a duplicate.
 */
export async function applyProvisioningEvent(db: Db, event: ProvisioningEvent, now = new Date()): Promise<ProvisioningOutcome> {
  const subjectId = event.type === 'porting' ? event.requestId : event.type === 'esim' ? event.iccid : event.serviceId;
  const claimed = await db.provisioningEvent.createMany({
    data: [{ eventId: event.eventId, kind: event.type, subjectId, receivedAt: now }],
    skipDuplicates: true,
  });
  if (claimed.count === 0) return { status: 'duplicate' };
  let outcome: ProvisioningOutcome;
  try {
    outcome = await apply(db, event, now);
  } catch (error) {
    await release(db, event.eventId);
    throw error;
  }
  if (outcome.status !== 'applied') await release(db, event.eventId);
  return outcome;
}

async function apply(db: Db, event: ProvisioningEvent, now: Date): Promise<ProvisioningOutcome> {
  if (event.type === 'porting') {
    const result = await applyPortingEvent(db, event.requestId, event.event, { now });
    if (result.applied) return { status: 'applied' };
    if (result.reason === 'not-found') return { status: 'not-found' };
    return result.reason === 'already' ? { status: 'already' } : { status: 'conflict', state: result.state };
  }
  if (event.type === 'esim') {
    const result = await recordEsimInstalled(db, event.iccid, { now });
    if (result.applied) return { status: 'applied' };
    if (result.reason === 'not-found') return { status: 'not-found' };
    if (result.reason === 'already') return { status: 'already' };
    return { status: 'conflict', state: result.reason === 'revoked' ? 'REVOKED' : result.status };
  }
  const result = await recordActivationResult(db, event.serviceId, event.result, { now });
  if (result.applied) return { status: 'applied' };
  if (result.reason === 'not-found') return { status: 'not-found' };
  return result.reason === 'already' ? { status: 'already' } : { status: 'conflict', state: result.status };
}

async function release(db: Db, id: string): Promise<void> {
  await db.provisioningEvent.deleteMany({ where: { eventId: id } });
}
