import type { Service } from '../../prisma/generated/client';
import { NumberOption, PortingState, ServiceStatus, SimForm, SimState } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import type { DbClient } from '../platform/jobQueue';
import { applyServiceEvent } from './engine';
import { serviceFor } from './serviceAccess';
import { recordRefusal, type Actor } from '../people/people';
import { checkIccid, typoCandidates, type IccidProblem, type TypoCandidate } from '../simCards/simNumber';

/**
 * A service's activation as its user drives it: entering the SIM card number (or an administrator for them), pressing
 * Start. Each checks who may act, then applies the lifecycle's event.
 */

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
  // An eSIM profile's ICCID is never typed in: it is not a card anyone holds.
  const found = await db.simCard.findUnique({ where: { iccid } });
  const sim = found?.form === SimForm.PHYSICAL ? found : null;
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

/** Only a service whose number comes from another operator has porting requests: the others need no look-up. */
function portingPendingFor(db: Db, service: Service): Promise<boolean> {
  return service.numberOption === NumberOption.PORT ? portingPending(db, service.id) : Promise.resolve(false);
}

class ConcurrentChange extends Error {}

/** The organisation's unused card one typo away from what was typed, when exactly one is that close. */
async function nearestStockCard(db: Db, organisationId: string, typed: string): Promise<TypoCandidate | undefined> {
  const stock = await db.simCard.findMany({ where: { organisationId, state: SimState.IN_STOCK, form: SimForm.PHYSICAL }, select: { iccid: true } });
  const candidates = typoCandidates(typed, stock.map((sim) => sim.iccid));
  return candidates.length === 1 ? candidates[0] : undefined;
}

/** Is a number transfer still under way? Then the SIM works before the number moves to it. */
export async function portingPending(db: DbClient, serviceId: string): Promise<boolean> {
  const latest = await db.portingRequest.findFirst({ where: { serviceId }, orderBy: { attempt: 'desc' }, select: { state: true } });
  return latest !== null && latest.state !== PortingState.COMPLETED && latest.state !== PortingState.CANCELLED;
}
