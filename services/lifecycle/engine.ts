import type { Prisma, Service } from '../../prisma/generated/client';
import { LinkPurpose, NumberKind, NumberOption, NumberState, PortingState, ServiceStatus, SimForm, SimState } from '../../prisma/generated/enums';
import { EsimJobs } from '../simCards/esimJobs';
import { takeEsimFromStock } from '../simCards/esimStock';
import { hashToken, newToken } from '../people/accessLinks';
import { enqueue } from '../platform/jobQueue';
import { queueNotifications, type Audience, type NewNotification, type NotificationKind } from '../notifications/notificationOutbox';
import { ActivationJobs, type Digest } from './jobs';
import { transitionFor, transitions, type Effect, type LifecycleEvent, type ServiceFacts } from './table';

/**
 * Applies a lifecycle event to a service: looks the transition up in the table (services/lifecycle/table.ts), moves
 * the status, writes the timeline entry and runs the transition's effects, all in the caller's transaction and under
 * the service row's lock, so that a double click, a retried job or a second process changes nothing more.
 */

type Tx = Prisma.TransactionClient;

export const DEFAULT_ACTIVATION_LINK_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface EventOptions {
  now: Date;
  /** Who caused it; null for the backend, a donor or time. */
  actorId?: string | null;
  /** What the timeline entry records besides its kind. */
  detail?: Prisma.InputJsonObject;
  /** Columns that change with the status: the SIM card entered, the backend's reason. */
  data?: Prisma.ServiceUncheckedUpdateInput;
  /** How long a new activation link stays valid (ACTIVATION_LINK_DAYS). */
  linkDays?: number;
  /** One service of a bulk start: its administrator hears of it in that operation's one message. */
  digest?: Digest;
}

export type EventResult =
  | { applied: true; from: ServiceStatus; service: Service }
  | { applied: false; reason: 'not-found' }
  | { applied: false; reason: 'not-allowed'; status: ServiceStatus; service: Service };

export async function applyServiceEvent(tx: Tx, serviceId: string, event: LifecycleEvent, options: EventOptions): Promise<EventResult> {
  // The row lock orders concurrent events on one service: the second one sees where the first left it.
  const [service] = await tx.$queryRaw<Service[]>`SELECT * FROM "Service" WHERE id = ${serviceId}::uuid FOR UPDATE`;
  if (!service) return { applied: false, reason: 'not-found' };
  const candidates = transitions.filter((row) => row.from === service.status && row.on === event);
  // The facts cost reads: only conditional rows need them.
  const facts = candidates.some((row) => row.when) ? await factsOf(tx, { ...service, simCardId: simCardIdAfter(service, options) }) : NO_FACTS;
  const transition = transitionFor(service.status, event, facts);
  if (!transition) return { applied: false, reason: 'not-allowed', status: service.status, service };
  const { now } = options;
  const to = transition.to;
  const updated = await tx.service.update({
    where: { id: serviceId },
    data: {
      ...options.data,
      status: to,
      ...(event === 'start' ? { scheduledStartAt: null } : {}),
      // A transition that keeps the status (an eSIM replaced) starts no new attempt and keeps the activation date.
      ...(to === ServiceStatus.ACTIVATING && service.status !== to ? { activationStartedAt: now, failureReason: null } : {}),
      ...(to === ServiceStatus.ACTIVE && service.status !== to ? { activatedAt: now, failureReason: null } : {}),
      ...(to === ServiceStatus.ENDED ? { endedAt: now } : {}),
    },
  });
  await tx.serviceEvent.create({
    data: { serviceId, kind: transition.timeline, detail: options.detail ?? {}, actorId: options.actorId ?? null, createdAt: now },
  });
  // The transition's notifications are written together at the end: one statement for all of them.
  const notices: NewNotification[] = [];
  // A bulk start's administrator hears of each service in the operation's one message: this notice, first, takes the
  // key of the effects' own "started" notice to them.
  if (options.digest && options.actorId) {
    notices.push(...noticesFor(updated, 'activation.started', { digestKey: options.digest.key, digestTotal: options.digest.total }, {
      recipients: [options.actorId],
      occurrence: String(now.getTime()),
    }));
  }
  for (const effect of transition.effects) await effects[effect](tx, updated, options, notices);
  await queueNotifications(tx, notices);
  return { applied: true, from: service.status, service: updated };
}

const NO_FACTS: ServiceFacts = { needsSim: true, simKnown: false, esim: false, method: 'EMAIL', portingOpen: false };

function simCardIdAfter(service: Service, options: EventOptions): string | null {
  const simCardId = options.data?.simCardId;
  return typeof simCardId === 'string' ? simCardId : service.simCardId;
}

async function factsOf(tx: Tx, service: Service): Promise<ServiceFacts> {
  const [type, porting, sim] = await Promise.all([
    tx.serviceType.findUnique({ where: { code: service.serviceTypeCode }, select: { hasSim: true } }),
    service.numberOption === NumberOption.PORT ? latestPorting(tx, service.id) : Promise.resolve(null),
    service.simCardId ? tx.simCard.findUnique({ where: { id: service.simCardId }, select: { form: true } }) : Promise.resolve(null),
  ]);
  return {
    needsSim: type?.hasSim ?? true,
    simKnown: service.simCardId !== null,
    esim: sim?.form === SimForm.ESIM,
    method: service.activationMethod,
    portingOpen: service.numberOption === NumberOption.PORT && porting?.state !== PortingState.COMPLETED,
  };
}

function latestPorting(tx: Tx, serviceId: string) {
  return tx.portingRequest.findFirst({ where: { serviceId }, orderBy: { attempt: 'desc' }, select: { id: true, state: true } });
}

// ---------------------------------------------------------------------------------------------------------------
// Notifications

/**
 * Tells the service's user and the administrator who created it. The key names the kind, the service and the person
 * (plus `occurrence` for what can happen again, like a second activation attempt), so writing it twice is harmless.
 */
export async function notifyAll(
  tx: Tx,
  service: Pick<Service, 'id' | 'userId' | 'createdById'>,
  kind: NotificationKind,
  payload: Prisma.InputJsonObject,
  options: NoticeOptions = {},
): Promise<void> {
  await queueNotifications(tx, noticesFor(service, kind, payload, options));
}

interface NoticeOptions {
  recipients?: Array<string | null>;
  occurrence?: string;
}

function noticesFor(service: Pick<Service, 'id' | 'userId' | 'createdById'>, kind: NotificationKind, payload: Prisma.InputJsonObject, options: NoticeOptions = {}): NewNotification[] {
  const recipients = options.recipients ?? [service.userId, service.createdById];
  return [...new Set(recipients.filter((id): id is string => !!id))].map((recipientId) => ({
    idempotencyKey: [kind, service.id, options.occurrence, recipientId].filter(Boolean).join(':'),
    recipientId,
    serviceId: service.id,
    kind,
    audience: recipientId === service.userId ? 'user' : 'administrator',
    payload: { serviceId: service.id, ...payload },
  }));
}

/** One notice to one person about a service that is not theirs to act on, such as the colleague losing a number. */
function noticeTo(kind: NotificationKind, recipientId: string, audience: Audience, serviceId: string, key: string, payload: Prisma.InputJsonObject): NewNotification {
  return { idempotencyKey: `${kind}:${key}:${recipientId}`, recipientId, serviceId, kind, audience, payload };
}

// ---------------------------------------------------------------------------------------------------------------
// Effects

/** An effect's notifications go into `notices`, written once the transition's effects have all run. */
type EffectRun = (tx: Tx, service: Service, options: EventOptions, notices: NewNotification[]) => Promise<unknown>;

const effects: Record<Effect, EffectRun> = {
  activationEmail: (tx, service, { now, linkDays, digest }) => queueActivationEmail(tx, service, now, linkDays ?? DEFAULT_ACTIVATION_LINK_DAYS, digest),
  provision: (tx, service, { now }) =>
    enqueue(tx, {
      kind: ActivationJobs.provision,
      payload: { serviceId: service.id },
      runAt: now,
      singletonKey: `${ActivationJobs.provision}:${service.id}:${now.getTime()}`,
    }),
  async submitPorting(tx, service, { now }) {
    const porting = await latestPorting(tx, service.id);
    // A job, committed with the start, so that the submission happens even if this process stops right after.
    if (porting?.state !== PortingState.REQUESTED) return;
    await enqueue(tx, { kind: ActivationJobs.submitPorting, payload: { requestId: porting.id }, runAt: now, singletonKey: `${ActivationJobs.submitPorting}:${porting.id}` });
  },
  async announceTakeovers(tx, service, _options, notices) {
    const user = await tx.person.findUniqueOrThrow({ where: { id: service.userId }, select: { displayName: true } });
    if (service.numberOption === NumberOption.MOVE && service.movedFromServiceId) {
      const from = await tx.service.findUnique({ where: { id: service.movedFromServiceId }, select: { id: true, userId: true, mobileNumber: { select: { e164: true } } } });
      if (from?.mobileNumber) {
        notices.push(noticeTo('number.movePlanned', from.userId, 'previousUser', from.id, service.id, { number: from.mobileNumber.e164, newUser: user.displayName }));
      }
    }
    const holder = await fixedNumberHolder(tx, service);
    if (holder) {
      notices.push(noticeTo('fixedNumber.takePlanned', holder.userId, 'previousUser', holder.id, service.id, { number: holder.e164, newUser: user.displayName }));
    }
  },
  simActive: (tx, service) => (service.simCardId ? tx.simCard.update({ where: { id: service.simCardId }, data: { state: SimState.ACTIVE } }) : Promise.resolve()),
  simDeactivated: (tx, service) => (service.simCardId ? tx.simCard.update({ where: { id: service.simCardId }, data: { state: SimState.DEACTIVATED } }) : Promise.resolve()),
  async releaseEsim(tx, service, { now }) {
    if (!service.simCardId) return;
    await enqueue(tx, { kind: EsimJobs.release, payload: { simCardId: service.simCardId }, runAt: now, singletonKey: `${EsimJobs.release}:${service.simCardId}` });
  },
  async esimInstalled(tx, service, { now }) {
    if (!service.simCardId) return;
    // A replacement installed on a line that already works is that line's SIM from now on.
    const lineWorks = service.status === ServiceStatus.ACTIVE || service.status === ServiceStatus.WAITING_FOR_PORTING;
    await tx.simCard.updateMany({ where: { id: service.simCardId, installedAt: null }, data: { installedAt: now, ...(lineWorks ? { state: SimState.ACTIVE } : {}) } });
  },
  async replaceEsim(tx, service, { now }) {
    // The old profile stops first: a lost phone's eSIM never works alongside its replacement.
    const old = service.simCardId;
    // Earlier personal links showed the old profile: they stop; the replacement goes out with a new one.
    await tx.accessLink.updateMany({ where: { serviceId: service.id, purpose: LinkPurpose.ACTIVATION, revokedAt: null }, data: { revokedAt: now } });
    if (old) {
      await tx.service.update({ where: { id: service.id }, data: { simCardId: null } });
      await tx.simCard.update({ where: { id: old }, data: { state: SimState.DEACTIVATED } });
      await enqueue(tx, { kind: EsimJobs.revoke, payload: { simCardId: old }, runAt: now, singletonKey: `${EsimJobs.revoke}:${old}` });
    }
    const next = await takeEsimFromStock(tx, service.organisationId);
    if (!next) throw new Error('no eSIM profile in stock for a replacement');
    // The service's row as the next effects read it.
    service.simCardId = next;
    await tx.service.update({ where: { id: service.id }, data: { simCardId: next } });
  },
  async resumeHeldPorting(tx, service, { now }) {
    const porting = await latestPorting(tx, service.id);
    if (porting?.state !== PortingState.HELD) return;
    await enqueue(tx, { kind: ActivationJobs.resumePorting, payload: { requestId: porting.id }, runAt: now, singletonKey: `${ActivationJobs.resumePorting}:${porting.id}:${now.getTime()}` });
  },
  async numberInUse(tx, service) {
    const { mobileNumberId } = await tx.service.findUniqueOrThrow({ where: { id: service.id }, select: { mobileNumberId: true } });
    if (mobileNumberId) await tx.phoneNumber.update({ where: { id: mobileNumberId }, data: { state: NumberState.IN_USE, reservedUntil: null } });
  },
  takeMovedNumber: (tx, service, options) => takeMovedNumber(tx, service, options.now),
  takePlannedFixedNumber: (tx, service, { now }, notices) => takePlannedFixedNumber(tx, service, now, notices),
  notifyStarted: async (_tx, service, { now }, notices) => notices.push(...noticesFor(service, 'activation.started', {}, { occurrence: String(now.getTime()) })),
  async notifySimEntered(_tx, service, { actorId, detail }, notices) {
    // The administrator learns that the user did their part; not of what they did themselves.
    if (service.createdById && service.createdById !== actorId) {
      const lastDigits = typeof detail?.lastDigits === 'string' ? detail.lastDigits : undefined;
      notices.push(...noticesFor(service, 'activation.simEntered', lastDigits ? { lastDigits } : {}, { recipients: [service.createdById] }));
    }
  },
  notifyEsimSent: async (_tx, service, { now }, notices) =>
    notices.push(...noticesFor(service, 'esim.sent', { simCardId: service.simCardId }, { occurrence: String(now.getTime()) })),
  notifyProvisioned: async (_tx, service, _options, notices) => notices.push(...noticesFor(service, 'activation.provisioned', {})),
  notifyActive: async (_tx, service, _options, notices) => notices.push(...noticesFor(service, 'activation.completed', {})),
  notifyFailed: async (_tx, service, { now }, notices) =>
    notices.push(...noticesFor(service, 'activation.failed', { reason: service.failureReason }, { occurrence: String(now.getTime()) })),
  async notifyNumberMovedAway(_tx, service, { detail }, notices) {
    const newUser = typeof detail?.newUser === 'string' ? detail.newUser : '';
    const number = typeof detail?.number === 'string' ? detail.number : '';
    notices.push(noticeTo('number.moved', service.userId, 'previousUser', service.id, service.id, { number, newUser }));
    if (service.createdById && service.createdById !== service.userId) {
      notices.push(noticeTo('number.moved', service.createdById, 'administrator', service.id, service.id, { number, newUser }));
    }
  },
};

/**
 * Creates the activation link row and the job that emails it. The token itself is only made by the job, just before
 * sending: no readable token ever sits in the database, not even in a job payload.
 */
export async function queueActivationEmail(tx: Tx, service: Service, now: Date, linkDays: number, digest?: Digest): Promise<string> {
  const link = await tx.accessLink.create({
    data: {
      tokenHash: hashToken(newToken()),
      purpose: LinkPurpose.ACTIVATION,
      personId: service.userId,
      serviceId: service.id,
      expiresAt: new Date(now.getTime() + linkDays * DAY_MS),
      createdAt: now,
    },
  });
  await enqueue(tx, {
    kind: ActivationJobs.sendEmail,
    payload: { serviceId: service.id, linkId: link.id, ...(digest ? { digest } : {}) },
    runAt: now,
    singletonKey: `${ActivationJobs.sendEmail}:${link.id}`,
  });
  return link.id;
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers taken from colleagues, when the new service activates

/**
 * "Port an existing Dstny service": the colleague's service lets go of its number first (a number belongs to one
 * service at a time), the new one takes it, and the colleague's service ends through the lifecycle's own event.
 */
async function takeMovedNumber(tx: Tx, service: Service, now: Date): Promise<void> {
  if (service.numberOption !== NumberOption.MOVE || !service.movedFromServiceId) return;
  const old = await tx.service.findUnique({ where: { id: service.movedFromServiceId }, include: { mobileNumber: true } });
  if (!old?.mobileNumberId || old.organisationId !== service.organisationId || old.status !== ServiceStatus.ACTIVE) return;
  const numberId = old.mobileNumberId;
  const user = await tx.person.findUniqueOrThrow({ where: { id: service.userId }, select: { displayName: true } });
  await tx.service.update({ where: { id: old.id }, data: { mobileNumberId: null } });
  await tx.service.update({ where: { id: service.id }, data: { mobileNumberId: numberId } });
  await tx.serviceEvent.createMany({
    data: [
      { serviceId: service.id, kind: 'number_moved_in', detail: { fromServiceId: old.id }, createdAt: now },
      { serviceId: old.id, kind: 'number_moved_out', detail: { toServiceId: service.id }, createdAt: now },
    ],
  });
  await applyServiceEvent(tx, old.id, 'numberMovedAway', {
    now,
    detail: { reason: 'number_moved', toServiceId: service.id, number: old.mobileNumber?.e164 ?? '', newUser: user.displayName },
  });
}

/** The active service that holds the fixed number `service` is to take over, if any. */
async function fixedNumberHolder(tx: Tx, service: Service) {
  if (!service.plannedFixedNumberId) return null;
  const number = await tx.phoneNumber.findUnique({
    where: { id: service.plannedFixedNumberId },
    select: { e164: true, fixedOf: { select: { id: true, userId: true, createdById: true } } },
  });
  return number?.fixedOf ? { ...number.fixedOf, e164: number.e164 } : null;
}

/**
 * The seed's step 7, option 2: the active fixed number is removed from the colleague it is linked to and added to the
 * new service, now that the new service works; the colleague and the administrator are told.
 */
async function takePlannedFixedNumber(tx: Tx, service: Service, now: Date, notices: NewNotification[]): Promise<void> {
  const numberId = service.plannedFixedNumberId;
  if (!numberId || service.fixedNumberId) return;
  const holder = await fixedNumberHolder(tx, service);
  const number = await tx.phoneNumber.findUnique({ where: { id: numberId }, select: { kind: true, organisationId: true, e164: true } });
  if (!number || number.kind !== NumberKind.FIXED || number.organisationId !== service.organisationId) return;
  if (holder) await tx.service.update({ where: { id: holder.id }, data: { fixedNumberId: null } });
  await tx.service.update({ where: { id: service.id }, data: { fixedNumberId: numberId, plannedFixedNumberId: null } });
  await tx.phoneNumber.update({ where: { id: numberId }, data: { state: NumberState.IN_USE, reservedUntil: null } });
  await tx.serviceEvent.create({ data: { serviceId: service.id, kind: 'fixed_number_assigned', detail: holder ? { fromServiceId: holder.id } : {}, createdAt: now } });
  if (!holder) return;
  await tx.serviceEvent.create({ data: { serviceId: holder.id, kind: 'fixed_number_taken', detail: { toServiceId: service.id }, createdAt: now } });
  const user = await tx.person.findUniqueOrThrow({ where: { id: service.userId }, select: { displayName: true } });
  const payload = { number: number.e164, newUser: user.displayName };
  notices.push(noticeTo('fixedNumber.taken', holder.userId, 'previousUser', holder.id, holder.id, payload));
  if (service.createdById) notices.push(noticeTo('fixedNumber.taken', service.createdById, 'administrator', service.id, holder.id, payload));
}
