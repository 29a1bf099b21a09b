import { z } from 'zod';
import type { Prisma } from '../../prisma/generated/client';
import { ServiceStatus, SimForm, SimState } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import { applyServiceEvent } from '../lifecycle/engine';
import { notifyAdministrators } from '../notifications/notificationOutbox';
import type { DbClient } from '../platform/jobQueue';
import { serviceFor } from '../lifecycle/serviceAccess';

import { Role, type Actor } from '../people/people';

/**
 * eSIM profiles: the operator's stock of downloadable SIMs, each an ICCID and an activation code (GSMA SGP.22,
 * `LPA:1$<SM-DP+ address>$<matching id>`, optionally a confirmation code the phone asks for). A profile is reserved
 * when a service is saved, sent to the service's user when it starts, installed on the phone (the backend reports it),
 * and revoked when a replacement is asked for. The activation code is secret: only the service's user is given it.
 */



/** A host name of the SM-DP+ server: labels of letters, digits and dashes. */
const SMDP_ADDRESS = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
/** The matching id the SM-DP+ knows the profile by. */
const MATCHING_ID = /^[A-Za-z0-9-]{1,64}$/;
/** Optional fields after the matching id: the SM-DP+ OID, then "1" when a confirmation code is required. */
const SMDP_OID = /^(?:[0-9]{1,9}(?:\.[0-9]{1,9}){0,20})?$/;

export type ActivationCodeProblem = 'format' | 'smdpAddress' | 'matchingId';

/** Reads an activation code: its SM-DP+ address and matching id, or what is wrong with it. */
export function readActivationCode(input: string):
  | { ok: true; code: string; smdpAddress: string; matchingId: string; confirmationRequired: boolean }
  | { ok: false; problem: ActivationCodeProblem } {
  const code = input.trim();
  if (code.length > 400 || !code.startsWith('LPA:1$')) return { ok: false, problem: 'format' };
  const [smdpAddress = '', matchingId = '', oid, flag, ...rest] = code.slice('LPA:1$'.length).split('$');
  if (rest.length > 0 || (oid !== undefined && !SMDP_OID.test(oid)) || (flag !== undefined && flag !== '1')) return { ok: false, problem: 'format' };
  if (!SMDP_ADDRESS.test(smdpAddress)) return { ok: false, problem: 'smdpAddress' };
  if (!MATCHING_ID.test(matchingId)) return { ok: false, problem: 'matchingId' };
  return { ok: true, code, smdpAddress, matchingId, confirmationRequired: flag === '1' };
}

/** Why an activation code is refused, in the words the operator's import report uses. */
export const activationCodeMessages: Record<ActivationCodeProblem, string> = {
  format: 'the activation code must read LPA:1$<SM-DP+ address>$<matching id>',
  smdpAddress: "the activation code's SM-DP+ address is not a host name",
  matchingId: "the activation code's matching id must be 1 to 64 letters, digits or dashes",
};

export const confirmationCodeSchema = z.string().trim().regex(/^[0-9]{4,8}$/, { error: 'a confirmation code is 4 to 8 digits' });

/** How many eSIM profiles the organisation has left to give. */
export function esimsInStock(db: Db | Prisma.TransactionClient, organisationId: string): Promise<number> {
  return db.simCard.count({ where: { organisationId, form: SimForm.ESIM, state: SimState.IN_STOCK, service: { is: null } } });
}

/** The eSIM a service's user installs: shown only to them, only until it is installed or replaced. */
export interface EsimToInstall {
  serviceId: string;
  iccid: string;
  activationCode: string;
  confirmationCode: string | null;
}

/**
 * The eSIM profile the service's user still has to install, or null when there is none to show (a physical SIM, not
 * sent yet, installed, or revoked). Nobody but the service's user is ever given it, whatever their role.
 */
export async function esimToInstall(db: Db, personId: string, serviceId: string): Promise<EsimToInstall | null> {
  if (!z.uuid().safeParse(serviceId).success) return null;
  const service = await db.service.findUnique({ where: { id: serviceId }, select: { userId: true, status: true, simCard: true } });
  const sim = service?.simCard;
  if (!service || service.userId !== personId || !sim || sim.form !== SimForm.ESIM || !sim.activationCode) return null;
  if (sim.installedAt || sim.state === SimState.DEACTIVATED || !sentStates.includes(service.status)) return null;
  return { serviceId, iccid: sim.iccid, activationCode: sim.activationCode, confirmationCode: sim.confirmationCode };
}

/** Statuses in which a service's eSIM has been sent (the start sends it; a replacement is sent at once). */
const sentStates: ServiceStatus[] = [ServiceStatus.WAITING_FOR_ESIM_INSTALL, ServiceStatus.ACTIVATING, ServiceStatus.WAITING_FOR_PORTING, ServiceStatus.FAILED, ServiceStatus.ACTIVE];

export type ReplaceOutcome =
  | { ok: true; serviceId: string; /** This request key had replaced it already (a double press, a retry). */ repeated?: true }
  | { ok: false; problem: 'not-esim' | 'not-sent' | 'no-stock' | 'ended' };

/**
 * "My phone broke / I have a new phone": the service's eSIM profile is revoked and a new one from stock is sent to its
 * user. Asked by the user themselves or an administrator of the organisation (audited). The same `requestKey` replaces
 * once: a second press must not revoke the profile the first one just sent.
 */
export async function replaceEsim(db: Db, actor: Actor, serviceId: string, options: { now?: Date; requestKey?: string } = {}): Promise<ReplaceOutcome> {
  const now = options.now ?? new Date();
  const { requestKey } = options;
  const checked = await serviceFor(db, actor, serviceId, 'user-or-administrator', 'esim.replace');
  return db.$transaction(async (tx) => {
    // Two presses at once: the second waits for the service row here, then finds the first one's entry.
    const [service] = await tx.$queryRaw<Array<{ simCardId: string | null; status: ServiceStatus }>>`SELECT "simCardId", status FROM "Service" WHERE id = ${checked.id}::uuid FOR UPDATE`;
    if (requestKey) {
      const done = await tx.serviceEvent.findFirst({ where: { serviceId: checked.id, kind: 'esim_replaced', detail: { path: ['requestKey'], equals: requestKey } } });
      if (done) return { ok: true, serviceId: checked.id, repeated: true } as const;
    }
    const sim = service?.simCardId ? await tx.simCard.findUnique({ where: { id: service.simCardId }, select: { form: true } }) : null;
    if (!service || sim?.form !== SimForm.ESIM) return { ok: false, problem: 'not-esim' } as const;
    if (service.status === ServiceStatus.ENDED || service.status === ServiceStatus.CANCELLED) return { ok: false, problem: 'ended' } as const;
    // A replacement must be there before the old profile goes: a phone is never left without one to install.
    if ((await esimsInStock(tx, checked.organisationId)) === 0) {
      if (actor.role !== Role.ADMINISTRATOR) await tellAdministratorsOutOfStock(tx, checked, actor.id, now);
      return { ok: false, problem: 'no-stock' } as const;
    }
    const detail = { by: actor.role, ...(requestKey ? { requestKey } : {}) };
    const moved = await applyServiceEvent(tx, checked.id, 'esimReplaced', { now, actorId: actor.id, detail });
    if (!moved.applied) return { ok: false, problem: 'not-sent' } as const;
    await tx.auditEvent.create({
      data: { organisationId: checked.organisationId, actorId: actor.id, action: 'esim.replaced', subjectType: 'Service', subjectId: checked.id, after: { by: actor.role }, createdAt: now },
    });
    return { ok: true, serviceId: checked.id } as const;
  });
}

/** The timeline entry of a new eSIM asked for with none in stock; an `esim_replaced` after it answers it. */
export const ESIM_AWAITS_STOCK = 'esim_awaits_stock';

/**
 * The user's new eSIM waits for stock only an administrator can order, then send: the service's timeline says so (the
 * administrators' "Needs you now" lists it until a new eSIM is sent), and the administrators are told, once a day per
 * service however often it is asked.
 */
async function tellAdministratorsOutOfStock(tx: DbClient, service: { id: string; organisationId: string }, actorId: string, now: Date): Promise<void> {
  const latest = await tx.serviceEvent.findFirst({
    where: { serviceId: service.id, kind: { in: [ESIM_AWAITS_STOCK, 'esim_replaced'] } },
    orderBy: [{ createdAt: 'desc' }, { sequence: 'desc' }],
    select: { kind: true },
  });
  if (latest?.kind !== ESIM_AWAITS_STOCK) await tx.serviceEvent.create({ data: { serviceId: service.id, kind: ESIM_AWAITS_STOCK, actorId, createdAt: now } });
  const day = now.toISOString().slice(0, 10);
  await notifyAdministrators(tx, service.organisationId, `esim.outOfStock:${service.id}:${day}`, { serviceId: service.id, kind: 'esim.outOfStock', payload: { serviceId: service.id } });
}

/**
 * The organisation's lines, not ended (a working one too: its phone is lost or new), whose user's latest ask for a new
 * eSIM found no stock and was not answered by one sent since. Read from the rare ask entries, never per service.
 */
export async function servicesAwaitingEsimStock(db: Db, organisationId: string): Promise<string[]> {
  const rows = await db.$queryRaw<Array<{ serviceId: string }>>`
    SELECT DISTINCT e."serviceId"
    FROM "ServiceEvent" e JOIN "Service" s ON s.id = e."serviceId"
    WHERE e.kind = ${ESIM_AWAITS_STOCK} AND s."organisationId" = ${organisationId}::uuid AND s.status NOT IN ('ENDED', 'CANCELLED')
      AND NOT EXISTS (
        SELECT 1 FROM "ServiceEvent" r
        WHERE r."serviceId" = e."serviceId" AND r.kind = 'esim_replaced' AND (r."createdAt", r.sequence) > (e."createdAt", e.sequence)
      )`;
  return rows.map((row) => row.serviceId);
}

export type InstalledOutcome =
  | { applied: true; status: ServiceStatus }
  | { applied: false; reason: 'not-found' }
  | { applied: false; reason: 'already' }
  | { applied: false; reason: 'revoked' }
  | { applied: false; reason: 'not-sent'; status: ServiceStatus };

/**
 * The backend reports an eSIM profile installed on a phone (the webhook, or the simulator in the demo). Reported twice,
 * it changes nothing; a revoked profile (replaced meanwhile) never moves its former service.
 */
export async function recordEsimInstalled(db: Db, iccid: string, options: { now?: Date } = {}): Promise<InstalledOutcome> {
  const now = options.now ?? new Date();
  return db.$transaction(async (tx) => {
    const sim = await tx.simCard.findUnique({ where: { iccid }, select: { id: true, form: true, state: true, installedAt: true, service: { select: { id: true } } } });
    if (!sim || sim.form !== SimForm.ESIM) return { applied: false, reason: 'not-found' } as const;
    if (sim.installedAt) return { applied: false, reason: 'already' } as const;
    if (sim.state === SimState.DEACTIVATED || !sim.service) return { applied: false, reason: 'revoked' } as const;
    const moved = await applyServiceEvent(tx, sim.service.id, 'esimInstalled', { now, detail: { lastDigits: iccid.slice(-4) } });
    if (moved.applied) return { applied: true, status: moved.service.status } as const;
    if (moved.reason === 'not-found') return { applied: false, reason: 'not-found' } as const;
    return { applied: false, reason: 'not-sent', status: moved.status } as const;
  });
}
