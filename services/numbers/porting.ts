import { z } from 'zod';
import { Prisma, type PortingRequest } from '../../prisma/generated/client';
import { HolderKind, LineType, NumberKind, NumberState, PortingState, Role, ServiceStatus } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import { applyServiceEvent } from '../lifecycle/engine';
import { canPortingMove, openPortingStates, portingMayComplete } from '../lifecycle/table';
import { notificationAudiences, queueNotifications, type NotificationKind } from '../notifications/notificationOutbox';
import { donorOperatorName, isDonorOperatorCode, type DonorOperatorCode } from './donorOperators';
import { AccessDenied, canSeeOrganisation, refuse, requireRole, type Actor } from '../people/people';
import { checkBelgianMobile } from './phoneNumbers';
import { checkIccid } from '../simCards/simNumber';
import { checkBelgianVat } from './vatNumber';
import {
  addWorkingDays,
  brusselsDate,
  fromCalendarDate,
  isCalendarDate,
  isWeekend,
  publicHolidayName,
  toCalendarDate,
  type CalendarDate,
} from '../platform/workingDays';

/**
 * Porting a number from another Belgian operator: the details an administrator gives, the checks that can be made
 * before the donor sees them, and the request's lifecycle. Donor answers (simulated or from the real exchange's
 * webhook) all go through `applyPortingEvent`, which writes the change, the timeline entry and the notifications in
 * one transaction.
 */

// ---------------------------------------------------------------------------------------------------------------
// Details and pre-check

/** The porting form as submitted: shape only, so that the pre-check can explain every problem at once. */
export const portingDetailsSchema = z.object({
  number: z.string().trim().max(40),
  donorOperator: z.string().trim().max(40),
  holderKind: z.enum(HolderKind),
  holderName: z.string().trim().max(200),
  holderVat: z.string().trim().max(40).optional(),
  lineType: z.enum(LineType),
  currentSimNumber: z.string().trim().max(40).optional(),
  customerNumber: z.string().trim().max(40).optional(),
  /** YYYY-MM-DD, a date in Belgium. */
  wishDate: z.string().trim().max(10).optional(),
});
export type PortingDetailsInput = z.input<typeof portingDetailsSchema>;

export type PortingField = keyof z.output<typeof portingDetailsSchema>;

/** The details as stored on a PortingRequest. */
export interface PortingDetails {
  e164: string;
  donorOperator: DonorOperatorCode;
  holderKind: HolderKind;
  holderName: string;
  holderVat: string | null;
  lineType: LineType;
  currentSimNumber: string | null;
  customerNumber: string | null;
  wishDate: CalendarDate | null;
}

export type PrecheckCode =
  | 'number-invalid'
  | 'number-already-ours'
  | 'porting-in-progress'
  | 'operator-unknown'
  | 'holder-name-missing'
  | 'company-without-vat'
  | 'vat-invalid'
  | 'prepaid-customer-number'
  | 'prepaid-sim-missing'
  | 'sim-number-invalid'
  | 'subscription-sim-number'
  | 'subscription-customer-missing'
  | 'customer-number-invalid'
  | 'wish-date-invalid'
  | 'wish-date-past'
  | 'wish-date-not-working-day'
  | 'wish-date-too-soon';

export interface PrecheckWarning {
  code: PrecheckCode;
  field: PortingField;
  message: string;
  /** A blocking warning means the donor would refuse; the others only tell what will happen. */
  blocking: boolean;
}

/** What only the database knows about the number. */
export interface PrecheckContext {
  now: Date;
  numberIsOurs: boolean;
  portingInProgress: boolean;
}

export type PrecheckResult =
  | { ok: true; details: PortingDetails; warnings: PrecheckWarning[] }
  | { ok: false; warnings: PrecheckWarning[] };

/** Working days a donor needs: a person's number ports within one, a company's within three. */
export function portingWorkingDays(holderKind: HolderKind): number {
  return holderKind === HolderKind.COMPANY ? 3 : 1;
}

/** The first date a porting can happen if requested at `now`. */
export function earliestPortingDate(holderKind: HolderKind, now: Date): CalendarDate {
  return addWorkingDays(brusselsDate(now), portingWorkingDays(holderKind));
}

// Customer numbers differ per operator (digits, sometimes letters and dashes); only the shape is checked.
const customerNumberPattern = /^[A-Za-z0-9][A-Za-z0-9 ./-]{3,30}$/;

/** Checks porting details against everything that can be known before the donor answers. */
export function precheckPorting(input: PortingDetailsInput, context: PrecheckContext): PrecheckResult {
  const details = portingDetailsSchema.parse(input);
  const warnings: PrecheckWarning[] = [];
  const warn = (code: PrecheckCode, field: PortingField, message: string, blocking = true) =>
    warnings.push({ code, field, message, blocking });

  const number = checkBelgianMobile(details.number);
  if (!number.ok) {
    warn('number-invalid', 'number', number.message);
  } else if (context.numberIsOurs) {
    warn('number-already-ours', 'number',
      'This number is already a Dstny number: choose "Port an existing Dstny service" to move it within your organisation.');
  } else if (context.portingInProgress) {
    warn('porting-in-progress', 'number',
      'A transfer of this number is already in progress: a number can only be transferred once at a time. Wait for it to finish or be refused.');
  }

  const operator = isDonorOperatorCode(details.donorOperator) ? details.donorOperator : null;
  if (!operator) warn('operator-unknown', 'donorOperator', 'Please choose the operator the number is with today from the list.');
  const operatorName = operator ? donorOperatorName(operator) : 'the current operator';

  if (details.holderName === '') {
    warn('holder-name-missing', 'holderName', details.holderKind === HolderKind.COMPANY
      ? 'Please give the name of the company that holds the number, as on its invoices.'
      : 'Please give the name of the person who holds the number.');
  }
  let vat: string | null = null;
  if (details.holderVat) {
    const checked = checkBelgianVat(details.holderVat);
    if (checked.ok) vat = checked.vat;
    else warn('vat-invalid', 'holderVat', checked.message);
  } else if (details.holderKind === HolderKind.COMPANY) {
    warn('company-without-vat', 'holderVat',
      `A number held by a company needs the company's VAT number: ${operatorName} checks it before letting the number go.`);
  }

  let sim: string | null = null;
  let customer: string | null = null;
  if (details.lineType === LineType.PREPAID) {
    if (!details.currentSimNumber) {
      if (details.customerNumber) {
        warn('prepaid-customer-number', 'currentSimNumber',
          'A prepaid number needs the current SIM card\'s number, not a customer number. It is printed on the SIM card that is in the phone now (19 or 20 digits, starting with 89).');
      } else {
        warn('prepaid-sim-missing', 'currentSimNumber',
          'A prepaid number needs the number of the SIM card that is in the phone now: 19 or 20 digits printed on the card, starting with 89.');
      }
    } else {
      const checked = checkIccid(details.currentSimNumber);
      if (checked.ok) sim = checked.iccid;
      else warn('sim-number-invalid', 'currentSimNumber', checked.message);
    }
  } else if (!details.customerNumber) {
    if (details.currentSimNumber) {
      warn('subscription-sim-number', 'customerNumber',
        `A subscription needs the customer number at ${operatorName}, not the SIM card's number. It is on every ${operatorName} invoice.`);
    } else {
      warn('subscription-customer-missing', 'customerNumber',
        `A subscription needs the customer number at ${operatorName}: it is on every ${operatorName} invoice.`);
    }
  } else if (!customerNumberPattern.test(details.customerNumber)) {
    warn('customer-number-invalid', 'customerNumber',
      `This does not look like a customer number: copy it from a ${operatorName} invoice (letters and digits, at least 4).`);
  } else {
    customer = details.customerNumber.replace(/\s+/g, '');
  }

  const wishDate = details.wishDate ? checkWishDate(details.wishDate, details.holderKind, context.now, warn) : null;

  const blocked = warnings.some((w) => w.blocking);
  if (blocked || !number.ok || !operator) return { ok: false, warnings };
  return {
    ok: true,
    warnings,
    details: {
      e164: number.e164,
      donorOperator: operator,
      holderKind: details.holderKind,
      holderName: details.holderName,
      holderVat: vat,
      lineType: details.lineType,
      currentSimNumber: sim,
      customerNumber: customer,
      wishDate,
    },
  };
}

function checkWishDate(
  date: string,
  holderKind: HolderKind,
  now: Date,
  warn: (code: PrecheckCode, field: PortingField, message: string, blocking?: boolean) => void,
): CalendarDate | null {
  if (!isCalendarDate(date)) {
    warn('wish-date-invalid', 'wishDate', 'Please choose the wish date from the calendar.');
    return null;
  }
  if (date < brusselsDate(now)) {
    warn('wish-date-past', 'wishDate', 'The wish date is in the past: choose a working day from tomorrow on, or leave it empty for the earliest date.');
    return null;
  }
  const holiday = publicHolidayName(date);
  if (isWeekend(date) || holiday) {
    warn('wish-date-not-working-day', 'wishDate', holiday
      ? `The wish date is a public holiday (${holiday}): numbers are only transferred on working days.`
      : 'The wish date falls in a weekend: numbers are only transferred on working days (Monday to Friday).');
    return null;
  }
  const earliest = earliestPortingDate(holderKind, now);
  if (date < earliest) {
    const kind = holderKind === HolderKind.COMPANY ? 'a company\'s number takes three working days' : 'a person\'s number takes one working day';
    warn('wish-date-too-soon', 'wishDate', `The wish date is too soon: transferring ${kind}, so the earliest date is ${earliest}. The transfer will happen then.`, false);
    return earliest;
  }
  return date;
}

const ACTIVE_STATES: PortingState[] = [...openPortingStates];
/** A transfer the donor refused or its holder cancelled: only the administrator's corrected request moves it on. */
const STOPPED_STATES: PortingState[] = [PortingState.REFUSED, PortingState.CANCELLED];

/** Whether a request in `state` waits for the administrator's correction ("Fix"). */
export function needsCorrection(state: PortingState): boolean {
  return STOPPED_STATES.includes(state);
}

/** Is a porting of `e164` under way (another than `exceptRequestId`)? */
export async function portingInProgress(db: Db | Prisma.TransactionClient, e164: string, exceptRequestId?: string): Promise<boolean> {
  const found = await db.portingRequest.findFirst({
    where: { e164, state: { in: ACTIVE_STATES }, ...(exceptRequestId ? { id: { not: exceptRequestId } } : {}) },
    select: { id: true },
  });
  return found !== null;
}

/** The pre-check with what the database knows: whether the number is already Dstny's or being ported. */
export async function precheckPortingFor(db: Db, actor: Actor, input: PortingDetailsInput, now = new Date()): Promise<PrecheckResult> {
  requireRole(actor, Role.ADMINISTRATOR, Role.SUPPORT);
  const details = portingDetailsSchema.parse(input);
  const number = checkBelgianMobile(details.number);
  const context: PrecheckContext = { now, numberIsOurs: false, portingInProgress: false };
  if (number.ok) {
    context.numberIsOurs = (await db.phoneNumber.findUnique({ where: { e164: number.e164 }, select: { id: true } })) !== null;
    context.portingInProgress = await portingInProgress(db, number.e164);
  }
  return precheckPorting(details, context);
}

// ---------------------------------------------------------------------------------------------------------------
// Refusals

/** Why a donor refuses a request (or the holder cancels it): stored as PortingRequest.refusalCode. */
export const refusalCodes = [
  'NUMBER_UNKNOWN',
  'NUMBER_AT_OTHER_OPERATOR',
  'LINE_INACTIVE',
  'PORTING_IN_PROGRESS',
  'WRONG_LINE_TYPE',
  'WRONG_SIM_NUMBER',
  'WRONG_CUSTOMER_NUMBER',
  'HOLDER_MISMATCH',
  'VAT_MISMATCH',
  'HOLDER_CANCELLED',
] as const;
export type RefusalCode = (typeof refusalCodes)[number];
export const refusalCodeSchema = z.enum(refusalCodes);

/** The field to mark when the administrator fixes the request. */
export const refusalField: Record<RefusalCode, PortingField | null> = {
  NUMBER_UNKNOWN: 'number',
  NUMBER_AT_OTHER_OPERATOR: 'donorOperator',
  LINE_INACTIVE: 'number',
  PORTING_IN_PROGRESS: 'number',
  WRONG_LINE_TYPE: 'lineType',
  WRONG_SIM_NUMBER: 'currentSimNumber',
  WRONG_CUSTOMER_NUMBER: 'customerNumber',
  HOLDER_MISMATCH: 'holderName',
  VAT_MISMATCH: 'holderVat',
  HOLDER_CANCELLED: null,
};

/**
 * The donor's own words, when a real exchange sends them. The person reads the sentence for the refusal code, in
 * their language; these words are kept beside it for support.
 */
const donorReasonSchema = z.string().trim().min(1).max(500).optional();

/** What happens to a request: the boundary shape for the provisioning webhook too. */
export const portingEventSchema = z.discriminatedUnion('to', [
  z.object({ to: z.literal(PortingState.SUBMITTED) }),
  z.object({ to: z.literal(PortingState.ACCEPTED) }),
  z.object({ to: z.literal(PortingState.SCHEDULED), scheduledAt: z.coerce.date(), windowEndsAt: z.coerce.date() })
    .refine((e) => e.windowEndsAt > e.scheduledAt, { message: 'the window must end after it starts', path: ['windowEndsAt'] }),
  z.object({ to: z.literal(PortingState.COMPLETED) }),
  z.object({ to: z.literal(PortingState.REFUSED), code: refusalCodeSchema, reason: donorReasonSchema }),
  z.object({ to: z.literal(PortingState.CANCELLED), code: refusalCodeSchema.optional(), reason: donorReasonSchema }),
]);
export type PortingEvent = z.infer<typeof portingEventSchema>;
/** Our own side's event, never a donor's: the switch held back because the new line does not work yet. */
type HeldEvent = { to: typeof PortingState.HELD };

export interface ApplyOptions {
  now?: Date;
  /** Apply only if the request is still in this state (the caller decided from it). */
  expectedFrom?: PortingState;
  actorId?: string;
  /** More work for the same transaction, e.g. the simulated donor dropping a line it no longer holds. */
  alsoInTransaction?: InTransaction;
}

/** Work a caller adds to the transaction that changes a request, such as scheduling the donor's next step. */
export type InTransaction = (tx: Prisma.TransactionClient, request: PortingRequest) => Promise<void>;

/**
 * What a porting notification carries, per recipient: enough for the notifier to write the message in the
 * recipient's language without reading the request again.
 */
export const portingNotificationPayloadSchema = z.object({
  requestId: z.string(),
  attempt: z.number().int(),
  operator: z.string(),
  number: z.string(),
  audience: z.enum(['user', 'administrator']),
  refusalCode: refusalCodeSchema.optional(),
  refusalReason: z.string().nullable().optional(),
  scheduledAt: z.string().optional(),
  windowEndsAt: z.string().optional(),
  /**
   * On completion, for the user: the number now works on the Dstny SIM card and the old card has stopped working,
   * so this is the moment to put the new card in (the help page's step 4).
   */
  switchSimNow: z.boolean().optional(),
});
export type PortingNotificationPayload = z.infer<typeof portingNotificationPayloadSchema>;

export type ApplyResult =
  | { applied: true; from: PortingState; request: PortingRequest }
  | { applied: false; reason: 'not-found' }
  | { applied: false; reason: 'already' | 'not-allowed'; state: PortingState };

/** States whose arrival the administrator and the user are told about. */
const NOTIFIED: PortingState[] = [PortingState.ACCEPTED, PortingState.SCHEDULED, PortingState.COMPLETED, PortingState.REFUSED, PortingState.CANCELLED, PortingState.HELD];

/**
 * Moves a request to the event's state if the lifecycle allows it from where it is, with its ServiceEvent and the
 * notifications for the service's creator and user, all in one transaction. Applying the same event again changes
 * nothing ('already'), so a retried job and a repeated webhook are harmless.
 */
export async function applyPortingEvent(db: Db, requestId: string, requested: PortingEvent | HeldEvent, options: ApplyOptions = {}): Promise<ApplyResult> {
  let event = requested;
  const now = options.now ?? new Date();
  return db.$transaction(async (tx) => {
    const request = await tx.portingRequest.findUnique({
      where: { id: requestId },
      include: { service: { select: { organisationId: true, userId: true, createdById: true, mobileNumberId: true, status: true } } },
    });
    if (!request) return { applied: false, reason: 'not-found' } as const;
    const from = request.state;
    if (from === event.to) return { applied: false, reason: 'already', state: from } as const;
    if ((options.expectedFrom && options.expectedFrom !== from) || !canPortingMove(from, event.to)) {
      return { applied: false, reason: 'not-allowed', state: from } as const;
    }
    // A number only switches onto a line that works at that moment: otherwise the switch is held back (and the donor
    // told), and resumes when the line works (services/lifecycle/table.ts).
    if (event.to === PortingState.COMPLETED && !portingMayComplete(request.service.status)) {
      event = { to: PortingState.HELD };
    }

    const code = event.to === PortingState.REFUSED || event.to === PortingState.CANCELLED ? event.code ?? null : null;
    const data: Prisma.PortingRequestUpdateManyMutationInput = {
      state: event.to,
      updatedAt: now,
      ...(event.to === PortingState.SCHEDULED ? { scheduledAt: event.scheduledAt, windowEndsAt: event.windowEndsAt } : {}),
      ...(code ? { refusalCode: code, refusalReason: 'reason' in event ? event.reason ?? null : null } : {}),
    };
    // Conditional on the state read above: of two concurrent callers, only one moves the request.
    const moved = await tx.portingRequest.updateMany({ where: { id: requestId, state: from }, data });
    if (moved.count !== 1) {
      const current = await tx.portingRequest.findUniqueOrThrow({ where: { id: requestId }, select: { state: true } });
      return { applied: false, reason: current.state === event.to ? 'already' : 'not-allowed', state: current.state } as const;
    }
    const updated = await tx.portingRequest.findUniqueOrThrow({ where: { id: requestId } });
    const detail = {
      requestId,
      attempt: updated.attempt,
      operator: updated.donorOperator,
      ...(code ? { refusalCode: code } : {}),
      ...(updated.state === PortingState.SCHEDULED ? { scheduledAt: updated.scheduledAt?.toISOString(), windowEndsAt: updated.windowEndsAt?.toISOString() } : {}),
    };
    await tx.serviceEvent.create({
      data: { serviceId: updated.serviceId, kind: `porting_${event.to.toLowerCase()}`, detail, actorId: options.actorId ?? null, createdAt: now },
    });
    if (NOTIFIED.includes(event.to)) {
      const { userId, createdById } = request.service;
      const recipients = new Map<string, PortingNotificationPayload['audience']>();
      if (createdById) recipients.set(createdById, 'administrator');
      recipients.set(userId, 'user');
      const kind = `porting.${event.to.toLowerCase()}` as NotificationKind;
      const audiences: readonly string[] = notificationAudiences[kind];
      await queueNotifications(tx, [...recipients].filter(([, audience]) => audiences.includes(audience)).map(([recipientId, audience]) => ({
        // A state can come back (accepted again after a hold): the time tells the occurrences apart.
        idempotencyKey: `${requestId}:${event.to}:${now.getTime()}:${recipientId}`,
        recipientId,
        serviceId: updated.serviceId,
        kind,
        audience,
        payload: {
          ...detail,
          number: updated.e164,
          refusalReason: updated.refusalReason,
          ...(event.to === PortingState.COMPLETED && audience === 'user' ? { switchSimNow: true } : {}),
        },
      })));
    }
    if (event.to === PortingState.COMPLETED) {
      await takeOverNumber(tx, updated, request.service);
      // The number now works on the new line: the service is active.
      await applyServiceEvent(tx, updated.serviceId, 'numberPorted', { now, detail: { requestId } });
    }
    await options.alsoInTransaction?.(tx, updated);
    return { applied: true, from, request: updated } as const;
  });
}

/** The ported number is Dstny's from now on, in use by the service that asked for it. */
async function takeOverNumber(
  tx: Prisma.TransactionClient,
  request: PortingRequest,
  service: { organisationId: string; mobileNumberId: string | null },
): Promise<void> {
  const number = await tx.phoneNumber.upsert({
    where: { e164: request.e164 },
    create: { e164: request.e164, kind: NumberKind.MOBILE, state: NumberState.IN_USE, organisationId: service.organisationId },
    update: { state: NumberState.IN_USE, organisationId: service.organisationId, reservedUntil: null },
  });
  if (!service.mobileNumberId) {
    await tx.service.update({ where: { id: request.serviceId }, data: { mobileNumberId: number.id } });
  }
}

/**
 * Sends a requested porting to the donor (when the service's activation starts). `alsoInTransaction` schedules the
 * donor's answer with the submission: services/simulators/donor.ts `submitToDonor` does both.
 */
export function submitPorting(db: Db, requestId: string, now = new Date(), alsoInTransaction?: InTransaction): Promise<ApplyResult> {
  return applyPortingEvent(db, requestId, { to: PortingState.SUBMITTED }, { now, alsoInTransaction, expectedFrom: PortingState.REQUESTED });
}

// ---------------------------------------------------------------------------------------------------------------
// Administrator's side: request, fix and resubmit, list the issues

async function serviceForAdministrator(db: Db, actor: Actor, serviceId: string) {
  requireRole(actor, Role.ADMINISTRATOR);
  const service = await db.service.findUnique({ where: { id: serviceId }, select: { id: true, organisationId: true, status: true } });
  if (!service || !(await canSeeOrganisation(db, actor, service.organisationId))) {
    throw new AccessDenied('no such service in this organisation');
  }
  return service;
}

export type PortingRequestResult =
  | { ok: true; request: PortingRequest; warnings: PrecheckWarning[] }
  | { ok: false; warnings: PrecheckWarning[] };

/**
 * Records a porting request for a service as its next attempt (a fix after a refusal keeps the earlier ones as
 * history). With `submit`, the donor gets it at once, as when the service's activation has already started; then
 * `alsoInTransaction` schedules the donor's answer (services/simulators/donor.ts).
 */
export async function requestPorting(
  db: Db,
  actor: Actor,
  serviceId: string,
  input: PortingDetailsInput,
  options: { submit: boolean; now?: Date; alsoInTransaction?: InTransaction },
): Promise<PortingRequestResult> {
  const now = options.now ?? new Date();
  const service = await serviceForAdministrator(db, actor, serviceId);
  const checked = await precheckPortingFor(db, actor, input, now);
  if (!checked.ok) return checked;
  const state = options.submit ? PortingState.SUBMITTED : PortingState.REQUESTED;
  const request = await recordAttempt(db, actor, service, checked.details, { state, now, alsoInTransaction: options.alsoInTransaction });
  return { ok: true, request, warnings: checked.warnings };
}

interface AttemptOptions {
  state: PortingState;
  now: Date;
  alsoInTransaction?: InTransaction;
  /** The attempt this one follows (a fix): refused when another attempt came in between. */
  after?: string;
}

function recordAttempt(db: Db, actor: Actor, service: { id: string; organisationId: string }, checked: PortingDetails, options: AttemptOptions): Promise<PortingRequest> {
  return db.$transaction((tx) => addPortingAttempt(tx, actor, service, checked, options));
}

/**
 * recordAttempt's writes, inside the caller's transaction: so that a new service and its porting request are
 * committed together (services/addService/addService.ts).
 */
export async function addPortingAttempt(
  tx: Prisma.TransactionClient,
  actor: Actor,
  service: { id: string; organisationId: string },
  checked: PortingDetails,
  options: AttemptOptions,
): Promise<PortingRequest> {
  const { wishDate, ...details } = checked;
  const { state, now } = options;
  const serviceId = service.id;
  const previous = await tx.portingRequest.findFirst({ where: { serviceId }, orderBy: { attempt: 'desc' } });
  if (previous && ACTIVE_STATES.includes(previous.state)) {
    throw new PortingConflict('this service already has a porting request in progress');
  }
  if (options.after !== undefined && previous?.id !== options.after) {
    throw new PortingConflict('this porting request was already followed by another attempt');
  }
  const created = await tx.portingRequest.create({
    data: {
      ...details,
      serviceId,
      attempt: (previous?.attempt ?? 0) + 1,
      wishDate: wishDate ? fromCalendarDate(wishDate) : null,
      state,
      createdAt: now,
      updatedAt: now,
    },
  });
  await tx.serviceEvent.create({
    data: {
      serviceId,
      kind: `porting_${state.toLowerCase()}`,
      detail: { requestId: created.id, attempt: created.attempt, operator: created.donorOperator },
      actorId: actor.id,
      createdAt: now,
    },
  });
  await tx.auditEvent.create({
    data: {
      organisationId: service.organisationId,
      actorId: actor.id,
      action: previous ? 'porting.resubmitted' : 'porting.requested',
      subjectType: 'PortingRequest',
      subjectId: created.id,
      before: previous ? { requestId: previous.id, attempt: previous.attempt, refusalCode: previous.refusalCode } : Prisma.DbNull,
      after: { attempt: created.attempt, state, operator: created.donorOperator, lineType: created.lineType },
      createdAt: now,
    },
  });
  await options.alsoInTransaction?.(tx, created);
  return created;
}

export type ResubmitResult =
  | { status: 'resubmitted'; request: PortingRequest; warnings: PrecheckWarning[] }
  /** A repeated click (or a second administrator) after the fix went out: nothing new was sent. */
  | { status: 'already-resubmitted'; request: PortingRequest }
  | { status: 'blocked'; warnings: PrecheckWarning[] };

/**
 * "Fix" on a refused request: the corrected details go to the donor as the service's next attempt. Idempotent on the
 * refused request's id, which the fix card carries: only one attempt can follow it.
 */
export async function resubmitPorting(
  db: Db,
  actor: Actor,
  refusedRequestId: string,
  input: PortingDetailsInput,
  options: { now?: Date; alsoInTransaction: InTransaction },
): Promise<ResubmitResult> {
  const now = options.now ?? new Date();
  const refused = await refusedRequestFor(db, actor, refusedRequestId);
  const followUp = await attemptAfter(db, refused);
  if (followUp) return { status: 'already-resubmitted', request: followUp };
  if (!needsCorrection(refused.state)) throw new PortingConflict('this porting request was not refused');
  const checked = await precheckPortingFor(db, actor, input, now);
  if (!checked.ok) return { status: 'blocked', warnings: checked.warnings };
  try {
    const request = await recordAttempt(db, actor, refused.service, checked.details, {
      state: PortingState.SUBMITTED,
      now,
      alsoInTransaction: options.alsoInTransaction,
      after: refused.id,
    });
    return { status: 'resubmitted', request, warnings: checked.warnings };
  } catch (error) {
    // Two clicks at once: the other one created the next attempt (or hit the unique attempt number first).
    const raced = error instanceof PortingConflict || (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002');
    const next = raced ? await attemptAfter(db, refused) : null;
    if (next) return { status: 'already-resubmitted', request: next };
    throw error;
  }
}

/**
 * A request of the actor's organisation with its service and user, for "Fix". Another organisation's request reads
 * as missing; every refusal leaves an AuditEvent, since card data that gets here unowned was tampered with or replayed.
 */
export async function refusedRequestFor(db: Db, actor: Actor, requestId: string) {
  const request = await db.portingRequest.findUnique({
    where: { id: requestId },
    include: { service: { select: { id: true, organisationId: true, user: { select: { id: true, displayName: true } } } } },
  });
  const allowed = actor.role === Role.ADMINISTRATOR && request !== null && (await canSeeOrganisation(db, actor, request.service.organisationId));
  if (!request || !allowed) {
    const reason = actor.role === Role.ADMINISTRATOR ? 'no such porting request in this organisation' : `role ${actor.role} may not fix porting requests`;
    return refuse(db, actor, { action: 'porting.fix.denied', subjectType: 'PortingRequest', subjectId: requestId, reason });
  }
  return request;
}

/** The attempt that followed `request` for its service, if any: a refused request that has one is fixed already. */
export function attemptAfter(db: Db, request: Pick<PortingRequest, 'serviceId' | 'attempt'>): Promise<PortingRequest | null> {
  return db.portingRequest.findFirst({
    where: { serviceId: request.serviceId, attempt: { gt: request.attempt } },
    orderBy: { attempt: 'desc' },
  });
}

export class PortingConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PortingConflict';
  }
}

export interface PortingIssue {
  requestId: string;
  serviceId: string;
  attempt: number;
  user: { id: string; displayName: string };
  e164: string;
  donorOperator: string;
  refusalCode: RefusalCode | null;
  refusalReason: string | null;
  /** The field to mark when the form opens pre-filled. */
  field: PortingField | null;
  refusedAt: Date;
}

/** "Mobile porting issues": the organisation's services whose latest porting attempt was refused or cancelled. */
export async function listPortingIssues(db: Db, actor: Actor, organisationId: string): Promise<PortingIssue[]> {
  requireRole(actor, Role.ADMINISTRATOR, Role.SUPPORT);
  if (!(await canSeeOrganisation(db, actor, organisationId))) throw new AccessDenied('not allowed to see this organisation');
  const services = await db.service.findMany({
    where: {
      organisationId,
      status: { notIn: [ServiceStatus.CANCELLED, ServiceStatus.ENDED] },
      portingRequests: { some: { state: { in: STOPPED_STATES } } },
    },
    select: {
      id: true,
      user: { select: { id: true, displayName: true } },
      portingRequests: { orderBy: { attempt: 'desc' }, take: 1 },
    },
  });
  return services
    .flatMap(({ id, user, portingRequests: [latest] }) => {
      if (!latest || !needsCorrection(latest.state)) return [];
      const code = refusalCodeSchema.safeParse(latest.refusalCode);
      return [{
        requestId: latest.id,
        serviceId: id,
        attempt: latest.attempt,
        user,
        e164: latest.e164,
        donorOperator: latest.donorOperator,
        refusalCode: code.success ? code.data : null,
        refusalReason: latest.refusalReason,
        field: code.success ? refusalField[code.data] : null,
        refusedAt: latest.updatedAt,
      }];
    })
    .sort((a, b) => b.refusedAt.getTime() - a.refusedAt.getTime());
}

/** The stored details of a request as form input, for "Fix" to open pre-filled. */
export function portingDetailsOf(request: PortingRequest): PortingDetailsInput {
  return {
    number: request.e164,
    donorOperator: request.donorOperator,
    holderKind: request.holderKind,
    holderName: request.holderName,
    holderVat: request.holderVat ?? undefined,
    lineType: request.lineType,
    currentSimNumber: request.currentSimNumber ?? undefined,
    customerNumber: request.customerNumber ?? undefined,
    wishDate: request.wishDate ? toCalendarDate(request.wishDate) : undefined,
  };
}
