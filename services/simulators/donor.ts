import { z } from 'zod';
import type { DonorLine, PortingRequest } from '../../prisma/generated/client';
import { HolderKind, LineType, PortingState } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import { enqueue, jobHandler, type JobHandler } from '../platform/jobQueue';
import type { DonorOperators } from '../lifecycle/gateways';
import {
  applyPortingEvent,
  submitPorting,
  type ApplyResult,
  type InTransaction,
  type PortingEvent,
  type RefusalCode,
} from '../numbers/portingEvents';
import { earliestPortingDate } from '../numbers/portingDetails';
import { RetryableError } from '../platform/retry';
import { normaliseVat } from '../numbers/vatNumber';
import { brusselsInstant, isWorkingDay, nextWorkingDay, toCalendarDate, type CalendarDate } from '../platform/workingDays';

/**
 * The simulated donor operators: they look the number up in their registry (DonorLine) and answer as a real donor
 * would, after delays that count working days and run `clockSpeed` times faster than real time. The decisions are
 * pure functions; `advancePorting` applies the next due one through the same `applyPortingEvent` the webhook uses.
 */

/** Real-time delays of a donor, before the clock speed divides them. */
export const DONOR_DELAYS = {
  /** From submission to the donor's acceptance or refusal. */
  answerMs: 30 * 60 * 1000,
  /** From acceptance to the announced date and window. */
  scheduleMs: 15 * 60 * 1000,
} as const;

/** The time window, Brussels time, in which numbers switch on the porting date. */
export const PORTING_WINDOW = { start: '08:00', end: '10:00' } as const;

type RequestDetails = Pick<
  PortingRequest,
  'e164' | 'donorOperator' | 'holderKind' | 'holderName' | 'holderVat' | 'lineType' | 'customerNumber' | 'currentSimNumber'
>;

export type DonorDecision = { to: typeof PortingState.ACCEPTED } | { to: typeof PortingState.REFUSED; code: RefusalCode };

// Legal forms say nothing about who the company is: "Demo Company NV" and "Demo Company" are the same holder.
const DONOR_KNOWN_STATES: PortingState[] = [PortingState.SUBMITTED, PortingState.ACCEPTED, PortingState.SCHEDULED];

const legalForms = /\b(nv|sa|bv|srl|bvba|sprl|cv|sc|vzw|asbl|comm\s?v|scs|ag|gmbh|ltd)\b/g;

export function sameHolderName(a: string, b: string): boolean {
  const norm = (name: string) =>
    name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9 ]+/g, ' ').replace(legalForms, ' ').replace(/\s+/g, ' ').trim();
  return norm(a) === norm(b);
}

const compact = (value: string | null) => (value ?? '').replace(/[\s./-]+/g, '').toUpperCase();

/**
 * The donor's answer to a submitted request. Checked in the order a donor does: is the number ours, can it leave,
 * does the requester prove to know the line (SIM card for prepaid, customer number for a subscription), and for a
 * company line, is it the company that holds it.
 */
export function decideDonorAnswer(request: RequestDetails, line: DonorLine | null, otherPortingInProgress: boolean): DonorDecision {
  const refuse = (code: RefusalCode): DonorDecision => ({ to: PortingState.REFUSED, code });
  if (!line) return refuse('NUMBER_UNKNOWN');
  if (line.operatorCode !== request.donorOperator) return refuse('NUMBER_AT_OTHER_OPERATOR');
  if (!line.active) return refuse('LINE_INACTIVE');
  if (otherPortingInProgress) return refuse('PORTING_IN_PROGRESS');
  if (line.lineType !== request.lineType) return refuse('WRONG_LINE_TYPE');
  if (line.lineType === LineType.PREPAID && compact(line.simNumber) !== compact(request.currentSimNumber)) return refuse('WRONG_SIM_NUMBER');
  if (line.lineType === LineType.SUBSCRIPTION && compact(line.customerNumber) !== compact(request.customerNumber)) {
    return refuse('WRONG_CUSTOMER_NUMBER');
  }
  if (line.holderKind !== request.holderKind) return refuse('HOLDER_MISMATCH');
  if (line.holderKind === HolderKind.COMPANY) {
    if (!sameHolderName(line.holderName, request.holderName)) return refuse('HOLDER_MISMATCH');
    if (!request.holderVat || normaliseVat(line.holderVat ?? '') !== normaliseVat(request.holderVat)) return refuse('VAT_MISMATCH');
  }
  return { to: PortingState.ACCEPTED };
}

export interface PortingSlot {
  date: CalendarDate;
  scheduledAt: Date;
  windowEndsAt: Date;
}

/**
 * The porting date a donor announces when it accepts at `acceptedAt`: a person's number ("simple" porting) within
 * one working day, a company's ("complex") within three, or the wish date if it is a later working day.
 */
export function portingSlot(holderKind: HolderKind, acceptedAt: Date, wishDate: CalendarDate | null): PortingSlot {
  const earliest = earliestPortingDate(holderKind, acceptedAt);
  let date = wishDate && wishDate > earliest ? wishDate : earliest;
  if (!isWorkingDay(date)) date = nextWorkingDay(date);
  return { date, scheduledAt: brusselsInstant(date, PORTING_WINDOW.start), windowEndsAt: brusselsInstant(date, PORTING_WINDOW.end) };
}

/**
 * When the donor's next step for a request is due, in real time. `since` is when the request entered its state;
 * a scheduled porting completes when its window opens, that wait shortened by the clock speed too.
 */
export function nextStepDueAt(request: Pick<PortingRequest, 'state' | 'updatedAt' | 'scheduledAt'>, clockSpeed: number): Date | null {
  if (!(clockSpeed > 0)) throw new Error('clockSpeed must be a positive number');
  const since = request.updatedAt.getTime();
  switch (request.state) {
    case PortingState.SUBMITTED:
      return new Date(since + DONOR_DELAYS.answerMs / clockSpeed);
    case PortingState.ACCEPTED:
      return new Date(since + DONOR_DELAYS.scheduleMs / clockSpeed);
    case PortingState.SCHEDULED:
      return new Date(since + Math.max(0, (request.scheduledAt?.getTime() ?? since) - since) / clockSpeed);
    default:
      return null;
  }
}

export type AdvanceResult =
  | { status: 'applied'; from: PortingState; to: PortingState; nextDueAt: Date | null }
  | { status: 'not-due'; dueAt: Date }
  | { status: 'idle'; state: PortingState }
  | { status: 'not-found' };

/**
 * Applies the donor's next step for one request if it is due: the answer to a submission, the announced date after
 * an acceptance, the switch when the window opens; the step after it is scheduled in the same transaction. Acts as
 * the system; calling it again for a step already taken does nothing, so the job queue may retry it freely. With
 * `onlyFrom`, a request that has meanwhile left that state (a webhook moved it) is left alone.
 */
export async function advancePorting(
  db: Db,
  requestId: string,
  now: Date,
  clockSpeed: number,
  onlyFrom?: PortingState,
): Promise<AdvanceResult> {
  const request = await db.portingRequest.findUnique({ where: { id: requestId } });
  if (!request) return { status: 'not-found' };
  if (onlyFrom && request.state !== onlyFrom) return { status: 'idle', state: request.state };
  const dueAt = nextStepDueAt(request, clockSpeed);
  if (!dueAt) return { status: 'idle', state: request.state };
  if (dueAt > now) return { status: 'not-due', dueAt };

  const event = await donorStep(db, request, now);
  const scheduleNext = scheduleDonorStep(clockSpeed);
  const result = await applyPortingEvent(db, requestId, event, {
    now,
    expectedFrom: request.state,
    alsoInTransaction: async (tx, moved) => {
      // The number has left the donor: its registry no longer holds it.
      if (moved.state === PortingState.COMPLETED) {
        await tx.donorLine.deleteMany({ where: { e164: moved.e164, operatorCode: moved.donorOperator } });
      }
      await scheduleNext(tx, moved);
    },
  });
  if (!result.applied) {
    return result.reason === 'not-found' ? { status: 'not-found' } : { status: 'idle', state: result.state };
  }
  return { status: 'applied', from: result.from, to: result.request.state, nextDueAt: nextStepDueAt(result.request, clockSpeed) };
}

async function donorStep(db: Db, request: PortingRequest, now: Date): Promise<PortingEvent> {
  switch (request.state) {
    case PortingState.SUBMITTED: {
      const line = await db.donorLine.findUnique({ where: { e164: request.e164 } });
      // A donor only knows the requests it was sent, not those still waiting for a service's activation.
      const other = await db.portingRequest.findFirst({
        where: { e164: request.e164, id: { not: request.id }, state: { in: DONOR_KNOWN_STATES } },
        select: { id: true },
      });
      return decideDonorAnswer(request, line, other !== null);
    }
    case PortingState.ACCEPTED: {
      // The date counts from the acceptance (when the request entered ACCEPTED), not from this later step: accepted
      // at 23:55 and announced at 00:10, it is the same date. Only a date already past when announced (the donor
      // took that long) counts from now.
      const wish = request.wishDate ? toCalendarDate(request.wishDate) : null;
      const fromAcceptance = portingSlot(request.holderKind, request.updatedAt, wish);
      const slot = fromAcceptance.windowEndsAt > now ? fromAcceptance : portingSlot(request.holderKind, now, wish);
      return { to: PortingState.SCHEDULED, scheduledAt: slot.scheduledAt, windowEndsAt: slot.windowEndsAt };
    }
    default:
      return { to: PortingState.COMPLETED };
  }
}

/**
 * The holder answers the donor's SMS to stop the transfer. Only donors that send such an SMS allow it, and only
 * until the number has switched.
 */
export async function cancelBySms(db: Db, requestId: string, now: Date): Promise<ApplyResult | { applied: false; reason: 'not-cancellable' }> {
  const request = await db.portingRequest.findUnique({ where: { id: requestId } });
  if (!request) return { applied: false, reason: 'not-found' };
  const line = await db.donorLine.findUnique({ where: { e164: request.e164 } });
  const smsSent = request.state === PortingState.ACCEPTED || request.state === PortingState.SCHEDULED;
  if (!smsSent || !line?.smsCancellable || line.operatorCode !== request.donorOperator) return { applied: false, reason: 'not-cancellable' };
  return applyPortingEvent(db, requestId, { to: PortingState.CANCELLED, code: 'HOLDER_CANCELLED' }, { now, expectedFrom: request.state });
}

/** Every request the donors still have to answer or carry out, advanced once: the job queue's sweep. */
export async function advanceDuePortings(db: Db, now: Date, clockSpeed: number): Promise<AdvanceResult[]> {
  const open = await db.portingRequest.findMany({
    where: { state: { in: DONOR_KNOWN_STATES } },
    select: { id: true },
    orderBy: { updatedAt: 'asc' },
  });
  const results: AdvanceResult[] = [];
  for (const { id } of open) results.push(await advancePorting(db, id, now, clockSpeed));
  return results;
}

// ---------------------------------------------------------------------------------------------------------------
// Running the donors on the job queue

export const DONOR_STEP_JOB = 'porting.donorStep';

const donorStepPayloadSchema = z.object({ requestId: z.uuid(), state: z.enum(PortingState) });

/**
 * Schedules the donor's next step for a request that just changed state, as a job due when the donor would act:
 * enqueued in the transaction of the change, so a request never moves without its next step, and at most once per
 * request and state.
 */
export function scheduleDonorStep(clockSpeed: number): InTransaction {
  return async (tx, request) => {
    const runAt = nextStepDueAt(request, clockSpeed);
    if (!runAt) return;
    await enqueue(tx, {
      kind: DONOR_STEP_JOB,
      payload: { requestId: request.id, state: request.state },
      runAt,
      // A state can come back (accepted again after a hold): the time it was entered tells the steps apart.
      singletonKey: `${DONOR_STEP_JOB}:${request.id}:${request.state}:${request.updatedAt.getTime()}`,
    });
  };
}

/** Sends a requested porting to its donor, whose answer then follows by itself. */
export function submitToDonor(db: Db, requestId: string, clockSpeed: number, now = new Date()): Promise<ApplyResult> {
  return submitPorting(db, requestId, now, scheduleDonorStep(clockSpeed));
}

/** The simulated donors as the domain's donor operators (services/lifecycle/gateways.ts): bot/background.ts gives them. */
export function simulatedDonors(clockSpeed: number): DonorOperators {
  return { requestSent: scheduleDonorStep(clockSpeed) };
}

/** The background work of the simulated donors: one handler per job kind, for the bot's job worker. */
export function donorJobHandlers(db: Db, clockSpeed: number): Record<string, JobHandler<unknown>> {
  return {
    [DONOR_STEP_JOB]: jobHandler(donorStepPayloadSchema, async ({ requestId, state }) => {
      const now = new Date();
      const result = await advancePorting(db, requestId, now, clockSpeed, state);
      // The worker's clock is the database's; this process's may be a little behind it.
      if (result.status === 'not-due') {
        throw new RetryableError('the donor step is not due yet', { retryAfterMs: result.dueAt.getTime() - now.getTime() });
      }
    }),
  };
}
