import type { Prisma } from '../../prisma/generated/client';
import { PortingState, Role, ServiceStatus } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import { ESCALATION_KIND } from './escalation';
import { queueNotifications, type Audience, type NotificationKind } from '../notifications/notificationOutbox';
import { addWorkingDays, brusselsDate, fromCalendarDate } from '../platform/workingDays';
import { ACTIVATION_MAX_MS, finalStates } from './table';

/**
 * Nothing stuck in silence: whatever waits longer than it may is told, once, to whoever can unblock it.
 *  - An activation still running two days after it started (the operator's help page: an hour, at most two days):
 *    its administrator (what to do), support, and its user (reassured).
 *  - A porting whose window passed without the number switching, or held back for over a day because the new line
 *    did not work: the administrator who created the service, or the organisation's administrators.
 *  - A request for help no administrator marked handled within a working day: the organisation's administrators.
 * The demo's clock runs `clockSpeed` times faster, and so do these waits. A failed activation and a locked activation
 * link are told when they happen, by their own notifications.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

export interface DeadlineOptions {
  clockSpeed: number;
  now?: Date;
}

/** How many of each were told in this run. */
export interface DeadlineReport {
  activations: number;
  portings: number;
  escalations: number;
}

/** One deadline passed: whom to tell and what, and the line it adds to its service's timeline. */
interface Overdue {
  kind: NotificationKind;
  /** Names this passing of the deadline: the notices' keys are `<kind>:<occurrence>:<recipient>`. */
  occurrence: string;
  serviceId: string | null;
  recipients: Array<{ id: string; audience: Audience }>;
  /** What the notices carry; read only for a deadline not told yet. */
  payload: () => Promise<Prisma.InputJsonObject | null>;
  timeline: { kind: string; detail: Prisma.InputJsonObject };
}

/** Runs in every notifier round of every process; what was told before is not told again, whichever process told it. */
export async function queueDeadlineNotices(db: Db, options: DeadlineOptions): Promise<DeadlineReport> {
  const now = options.now ?? new Date();
  const scaled = (ms: number) => ms / options.clockSpeed;
  return {
    activations: await tell(db, await overdueActivations(db, now, scaled), now),
    portings: await tell(db, await overduePortings(db, now, scaled), now),
    escalations: await tell(db, await unhandledEscalations(db, now, scaled), now),
  };
}

/**
 * Writes the notices of each deadline none of whose recipients was told yet, with its timeline line. Two processes
 * finding the same deadline at once both try: the notices' keys let one write them, and only that one writes the line.
 */
async function tell(db: Db, overdue: Overdue[], now: Date): Promise<number> {
  const keyOf = (item: Overdue, recipientId: string) => `${item.kind}:${item.occurrence}:${recipientId}`;
  const keys = overdue.flatMap((item) => item.recipients.map((recipient) => keyOf(item, recipient.id)));
  if (keys.length === 0) return 0;
  const written = await db.notification.findMany({ where: { idempotencyKey: { in: keys } }, select: { idempotencyKey: true } });
  const told = new Set(written.map((notification) => notification.idempotencyKey));
  let count = 0;
  for (const item of overdue) {
    if (item.recipients.length === 0 || item.recipients.some((recipient) => told.has(keyOf(item, recipient.id)))) continue;
    const payload = await item.payload();
    if (!payload) continue;
    const wrote = await db.$transaction(async (tx) => {
      const queued = await queueNotifications(tx, item.recipients.map((recipient) => ({
        idempotencyKey: keyOf(item, recipient.id),
        recipientId: recipient.id,
        serviceId: item.serviceId ?? undefined,
        kind: item.kind,
        audience: recipient.audience,
        payload,
      })));
      if (queued === 0) return false;
      if (item.serviceId) await tx.serviceEvent.create({ data: { serviceId: item.serviceId, kind: item.timeline.kind, detail: item.timeline.detail, createdAt: now } });
      return true;
    });
    if (wrote) count++;
  }
  return count;
}

/** Each person once, as the first role they have here (the user before the administrator before support). */
function recipientsOf(...groups: Array<{ ids: Array<string | null>; audience: Audience }>): Overdue['recipients'] {
  const recipients = new Map<string, Audience>();
  for (const { ids, audience } of groups) {
    for (const id of ids) if (id && !recipients.has(id)) recipients.set(id, audience);
  }
  return [...recipients].map(([id, audience]) => ({ id, audience }));
}

/** The people of `role` who look after each organisation: its own, and for support those with it in scope. */
async function peopleFor(db: Db, role: Role, organisationIds: string[]): Promise<(organisationId: string) => string[]> {
  if (organisationIds.length === 0) return () => [];
  const scoped = role === Role.SUPPORT ? [{ supportScopes: { some: { organisationId: { in: organisationIds } } } }] : [];
  const people = await db.person.findMany({
    where: { role, OR: [{ organisationId: { in: organisationIds } }, ...scoped] },
    select: { id: true, organisationId: true, supportScopes: { select: { organisationId: true } } },
    orderBy: { id: 'asc' },
  });
  return (organisationId) => people
    .filter((person) => person.organisationId === organisationId || (role === Role.SUPPORT && person.supportScopes.some((scope) => scope.organisationId === organisationId)))
    .map((person) => person.id);
}

const unique = (values: string[]) => [...new Set(values)];

/** Activations running for longer than two days; a retried one starts its own two days. */
async function overdueActivations(db: Db, now: Date, scaled: (ms: number) => number): Promise<Overdue[]> {
  const services = await db.service.findMany({
    where: { status: ServiceStatus.ACTIVATING, activationStartedAt: { lte: new Date(now.getTime() - scaled(ACTIVATION_MAX_MS)) } },
    select: { id: true, userId: true, createdById: true, organisationId: true, activationStartedAt: true },
  });
  const support = await peopleFor(db, Role.SUPPORT, unique(services.map((service) => service.organisationId)));
  return services.map((service) => {
    const startedAt = service.activationStartedAt!.toISOString();
    return {
      kind: 'activation.overdue',
      occurrence: `${service.id}:${service.activationStartedAt!.getTime()}`,
      serviceId: service.id,
      recipients: recipientsOf(
        { ids: [service.userId], audience: 'user' },
        { ids: [service.createdById], audience: 'administrator' },
        { ids: support(service.organisationId), audience: 'support' },
      ),
      payload: async () => ({ serviceId: service.id, activationStartedAt: startedAt }),
      timeline: { kind: 'activation_overdue', detail: { startedAt } },
    };
  });
}

/**
 * Portings whose window closed without the number switching, and portings held back for over a day, on services
 * still going. The window is the donor's, in simulated time: it closes as much sooner as the donor's switch comes
 * (the simulated donor's nextStepDueAt).
 */
async function overduePortings(db: Db, now: Date, scaled: (ms: number) => number): Promise<Overdue[]> {
  const requests = await db.portingRequest.findMany({
    where: {
      OR: [
        { state: PortingState.SCHEDULED, windowEndsAt: { not: null } },
        { state: PortingState.HELD, updatedAt: { lte: new Date(now.getTime() - scaled(DAY_MS)) } },
      ],
      service: { status: { notIn: [...finalStates] } },
    },
    include: { service: { select: { organisationId: true, createdById: true } } },
  });
  const windowClosed = (request: (typeof requests)[number]) =>
    request.updatedAt.getTime() + scaled(Math.max(0, request.windowEndsAt!.getTime() - request.updatedAt.getTime())) <= now.getTime();
  const overdue = requests.filter((request) => request.state === PortingState.HELD || windowClosed(request));
  const administrators = await peopleFor(db, Role.ADMINISTRATOR, unique(overdue.filter((request) => !request.service.createdById).map((request) => request.service.organisationId)));
  return overdue.map((request) => {
    const since = request.updatedAt.toISOString();
    return {
      kind: 'porting.overdue',
      occurrence: `${request.id}:${request.state}:${request.updatedAt.getTime()}`,
      serviceId: request.serviceId,
      recipients: recipientsOf({
        ids: request.service.createdById ? [request.service.createdById] : administrators(request.service.organisationId),
        audience: 'administrator',
      }),
      payload: async () => ({
        requestId: request.id,
        attempt: request.attempt,
        operator: request.donorOperator,
        number: request.e164,
        state: request.state,
        since,
        ...(request.scheduledAt && request.windowEndsAt ? { scheduledAt: request.scheduledAt.toISOString(), windowEndsAt: request.windowEndsAt.toISOString() } : {}),
      }),
      timeline: { kind: 'porting_overdue', detail: { requestId: request.id, state: request.state, since } },
    };
  });
}

/** When a request for help made at `at` has waited a working day: the same time on the next working day. */
function workingDayAfter(at: Date, scaled: (ms: number) => number): number {
  const day = brusselsDate(at);
  return at.getTime() + scaled(fromCalendarDate(addWorkingDays(day, 1)).getTime() - fromCalendarDate(day).getTime());
}

/** Requests for help still open a working day after they were made. The reminder repeats the request's own words. */
async function unhandledEscalations(db: Db, now: Date, scaled: (ms: number) => number): Promise<Overdue[]> {
  // A working day is a calendar day at least: the older ones are read, then each is measured.
  const escalations = await db.escalation.findMany({
    where: { handledAt: null, createdAt: { lte: new Date(now.getTime() - scaled(DAY_MS)) } },
    select: { id: true, organisationId: true, serviceId: true, createdAt: true },
  });
  const overdue = escalations.filter((escalation) => workingDayAfter(escalation.createdAt, scaled) <= now.getTime());
  const administrators = await peopleFor(db, Role.ADMINISTRATOR, unique(overdue.map((escalation) => escalation.organisationId)));
  return overdue.map((escalation) => ({
    kind: 'help.escalationOpen',
    occurrence: escalation.id,
    serviceId: escalation.serviceId,
    recipients: recipientsOf({ ids: administrators(escalation.organisationId), audience: 'administrator' }),
    // The request's notifications carry who asked, for whom, about what and what they tried; should none be left
    // (their recipients all gone), there is nothing to repeat, and the overview still lists the request.
    payload: async () => {
      const asked = await db.notification.findFirst({
        where: { kind: ESCALATION_KIND, payload: { path: ['escalationId'], equals: escalation.id } },
        select: { payload: true },
      });
      return asked ? (asked.payload as Prisma.InputJsonObject) : null;
    },
    timeline: { kind: 'escalation_overdue', detail: { escalationId: escalation.id } },
  }));
}
