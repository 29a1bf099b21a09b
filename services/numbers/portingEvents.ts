import { z } from 'zod';
import { storableString } from '../platform/text';
import { Prisma, type PortingRequest } from '../../prisma/generated/client';
import { NumberKind, NumberState, PortingState } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import { applyServiceEvent } from '../lifecycle/engine';
import { canPortingMove, openPortingStates, portingMayComplete } from '../lifecycle/table';
import { notificationAudiences, queueNotifications, type NotificationKind } from '../notifications/notificationOutbox';
import type { PortingField } from './portingDetails';

/**
 * A porting request's lifecycle once requested: its states, the donor's refusals, and the events that move it. Donor
 * answers (the donor operators the composition root gives, or the real exchange's webhook) all go through
 * `applyPortingEvent`, which writes the change, the timeline entry and the notifications in one transaction.
 */

export const ACTIVE_STATES: PortingState[] = [...openPortingStates];
/** A transfer the donor refused or its holder cancelled: only the administrator's corrected request moves it on. */
export const STOPPED_STATES: PortingState[] = [PortingState.REFUSED, PortingState.CANCELLED];

/** Whether a request in `state` waits for the administrator's correction ("Fix"). */
export function needsCorrection(state: PortingState): boolean {
  return STOPPED_STATES.includes(state);
}

/** Is a porting of `e164` under way (another than `exceptRequestId`)? */
export async function portingInProgress(
  db: Db | Prisma.TransactionClient,
  e164: string,
  only: { exceptRequestId?: string; organisationId?: string } = {},
): Promise<boolean> {
  const found = await db.portingRequest.findFirst({
    where: {
      e164,
      state: { in: ACTIVE_STATES },
      ...(only.exceptRequestId ? { id: { not: only.exceptRequestId } } : {}),
      ...(only.organisationId ? { service: { organisationId: only.organisationId } } : {}),
    },
    select: { id: true },
  });
  return found !== null;
}

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
const donorReasonSchema = storableString().trim().min(1).max(500).optional();

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
 * Sends a requested porting to the donor (when the service's activation starts). `alsoInTransaction` brings the
 * donor's answer with the submission: the donor operators' `requestSent` (services/lifecycle/gateways.ts).
 */
export function submitPorting(db: Db, requestId: string, now = new Date(), alsoInTransaction?: InTransaction): Promise<ApplyResult> {
  return applyPortingEvent(db, requestId, { to: PortingState.SUBMITTED }, { now, alsoInTransaction, expectedFrom: PortingState.REQUESTED });
}
