import { z } from 'zod';
import type { Organisation, Person, PhoneNumber, PortingRequest, Service, SimCard } from '../../prisma/generated/client';
import { Role } from '../../prisma/generated/enums';
import { summaryCardOf } from '../addService/summaryCard';
import { codeAsName, productNames, type Localised } from '../catalog/catalog';
import { batchedRead, byId } from '../platform/batchedRead';
import type { Db } from '../platform/db/database';
import { PermanentError } from '../platform/retry';
import { conversationsOfEach, type StoredConversation } from '../people/conversations';
import { refusalCodeSchema, type RefusalCode } from '../numbers/portingEvents';
import { esimToInstall, type EsimToInstall } from '../simCards/esimProfiles';
import { UNDELIVERABLE_KIND } from './deadLetters';
import { isNotificationKind, notificationAudiences, type Audience, type OutboxNotification } from './notificationOutbox';

/**
 * What a notification is about, read for its delivery: its recipient, its service and service type, whom the
 * recipient is to it, the porting request or the unreachable person it names, the digest it belongs to, the eSIM it
 * brings its user. The words are the dialogs' (dialogs/notifications.ts); the sending is the bot's (bot/notifier.ts).
 * A notification whose subject is gone cannot be worded: PermanentError, so that it is dead at once.
 */

export type NotifiedPerson = Person & { organisation: Organisation };
export type NotifiedService = Service & { user: Person; organisation: Organisation; fixedNumber: PhoneNumber | null; simCard: SimCard | null };
export interface NotifiedServiceType {
  code: string;
  name: string;
  translations: unknown;
}

export interface NotificationSubject {
  notification: OutboxNotification;
  recipient: NotifiedPerson;
  audience: Audience;
  /** Absent for an escalation from someone without a service; its words come from its payload. */
  service?: NotifiedService;
  serviceType?: NotifiedServiceType;
  /** For a porting notification: its request, and the refusal its payload states. */
  porting?: { request: PortingRequest; refusalCode?: RefusalCode };
  /** For an undeliverable update: whom it did not reach. */
  unreachableName?: string;
  /** A bulk operation's update (a `digestKey` in the payload): its administrator hears of it in one message. */
  digest?: { key: string; total?: number };
  /** For the eSIM sent to its user: the profile to install, as long as it is still the one announced. */
  esim?: NotifiedEsim;
}

/** The eSIM profile an `esim.sent` brings its user, and what names the service it is for. */
export interface NotifiedEsim extends EsimToInstall {
  product: Localised;
  /** The service's mobile number (E.164), else the one being transferred to it; null before it has one. */
  number: string | null;
}

const digestPayloadSchema = z.looseObject({ digestKey: z.string().min(1).max(200), digestTotal: z.number().int().positive().optional() });
/** Whom the recipient is to the notification, as its producer wrote it (notificationOutbox.ts). */
const audiencePayloadSchema = z.looseObject({ audience: z.string() });
const undeliverablePayloadSchema = z.looseObject({ recipientId: z.uuid() });
/** The profile an `esim.sent` announced (services/lifecycle/engine.ts writes it); never its code. */
const esimPayloadSchema = z.looseObject({ simCardId: z.uuid() });
/** The porting details a porting notification's payload carries (services/numbers/portingEvents.ts writes them). */
const portingPayloadSchema = z.looseObject({
  requestId: z.uuid(),
  refusalCode: refusalCodeSchema.optional(),
});

export interface NotificationReads {
  subjectOf(notification: OutboxNotification): Promise<NotificationSubject>;
  /** A recipient's conversations, most recently used first. */
  conversationsOf(personId: string): Promise<StoredConversation[]>;
}

/**
 * The reads of one delivery batch: its deliveries run side by side, so their reads of people, services, service
 * types and conversations go as one query each.
 */
export function notificationReads(db: Db): NotificationReads {
  const conversations = batchedRead((ids: string[]) => conversationsOfEach(db, ids));
  const people = batchedRead(async (ids: string[]) => byId(await db.person.findMany({ where: { id: { in: ids } }, include: { organisation: true } })));
  const services = batchedRead(async (ids: string[]) =>
    byId(await db.service.findMany({ where: { id: { in: ids } }, include: { user: true, organisation: true, fixedNumber: true, simCard: true } })));
  const serviceTypes = batchedRead(async (codes: string[]) => {
    const rows = await db.serviceType.findMany({ where: { code: { in: codes } }, select: { code: true, name: true, translations: true } });
    return new Map(rows.map((row) => [row.code, row]));
  });
  return {
    conversationsOf: async (personId) => (await conversations(personId)) ?? [],
    async subjectOf(notification) {
      const recipient = await people(notification.recipientId);
      if (!recipient) throw new PermanentError('the recipient no longer exists');
      // The operator ended the organisation's use of the bot: its people are no longer contacted.
      if (recipient.organisation.deactivatedAt) throw new PermanentError('the recipient\'s organisation is deactivated');
      const service = notification.serviceId ? await services(notification.serviceId) : undefined;
      if (notification.serviceId && !service) throw new PermanentError('the service no longer exists');
      const serviceType = service ? await serviceTypes(service.serviceTypeCode) : undefined;
      if (service && !serviceType) throw new PermanentError('the service type no longer exists');
      const { kind, payload } = notification;
      const audience = audienceFrom(notification, recipient, service);
      const porting = kind.startsWith('porting.') ? await portingOf(db, payload) : undefined;
      const unreachableName = kind === UNDELIVERABLE_KIND ? await unreachableNameOf(db, payload) : undefined;
      const digest = digestPayloadSchema.safeParse(payload);
      const esim = kind === 'esim.sent' && audience === 'user' && service ? await esimOf(db, notification, service) : undefined;
      return {
        notification,
        recipient,
        audience,
        ...(service ? { service } : {}),
        ...(serviceType ? { serviceType } : {}),
        ...(porting ? { porting } : {}),
        ...(unreachableName !== undefined ? { unreachableName } : {}),
        ...(digest.success ? { digest: { key: digest.data.digestKey, total: digest.data.digestTotal } } : {}),
        ...(esim ? { esim } : {}),
      };
    },
  };
}

/** The audience the payload states, one of its kind's; derived for rows written before payloads stated it. */
function audienceFrom(
  { kind, payload }: OutboxNotification,
  recipient: { id: string; role: Role },
  service: { userId: string; createdById: string | null } | undefined,
): Audience {
  const stated = audiencePayloadSchema.safeParse(payload);
  if (!stated.success) return audienceOf(recipient, service, kind);
  const audiences: readonly Audience[] = isNotificationKind(kind) ? notificationAudiences[kind] : [];
  const audience = audiences.find((known) => known === stated.data.audience);
  if (!audience) throw new PermanentError(`a ${kind} notification does not go to the audience its payload states`);
  return audience;
}

function audienceOf(
  recipient: { id: string; role: Role },
  service: { userId: string; createdById: string | null } | undefined,
  kind: string,
): Audience {
  // The number has left this user's service: they are its previous user.
  if (kind === 'fixedNumber.taken' && recipient.id === service?.userId) return 'previousUser';
  if (recipient.id === service?.createdById) return 'administrator';
  if (recipient.id === service?.userId) return 'user';
  if (recipient.role === Role.SUPPORT) return 'support';
  return recipient.role === Role.ADMINISTRATOR ? 'administrator' : 'user';
}

async function portingOf(db: Db, payload: unknown): Promise<NotificationSubject['porting']> {
  const parsed = portingPayloadSchema.safeParse(payload);
  if (!parsed.success) throw new PermanentError('a porting notification without its request');
  const request = await db.portingRequest.findUnique({ where: { id: parsed.data.requestId } });
  if (!request) throw new PermanentError('the porting request no longer exists');
  const refusalCode = parsed.data.refusalCode;
  return { request, ...(refusalCode ? { refusalCode } : {}) };
}

async function unreachableNameOf(db: Db, payload: unknown): Promise<string | undefined> {
  const parsed = undeliverablePayloadSchema.safeParse(payload);
  if (!parsed.success) return undefined;
  const person = await db.person.findUnique({ where: { id: parsed.data.recipientId }, select: { displayName: true } });
  return person?.displayName;
}

/**
 * The eSIM an `esim.sent` announced, read at its delivery through the one read that gives a code, so that no code
 * waits in the outbox: only while its user still has that very profile to install. Installed or replaced meanwhile,
 * there is none; a replacement's own notification brings the new one.
 */
async function esimOf(db: Db, notification: OutboxNotification, service: NotifiedService): Promise<NotifiedEsim | undefined> {
  const announced = esimPayloadSchema.safeParse(notification.payload);
  if (!announced.success || service.simCardId !== announced.data.simCardId) return undefined;
  const esim = await esimToInstall(db, notification.recipientId, service.id);
  // Read after the service: a replacement in between gives another profile than the one announced.
  if (!esim || esim.iccid !== service.simCard?.iccid) return undefined;
  const [products, numbers] = await Promise.all([
    productNames(db, [service.productTypeCode]),
    db.service.findUniqueOrThrow({
      where: { id: service.id },
      select: { mobileNumber: { select: { e164: true } }, portingRequests: { orderBy: { attempt: 'desc' }, take: 1, select: { e164: true } } },
    }),
  ]);
  return {
    ...esim,
    product: products.get(service.productTypeCode) ?? codeAsName(service.productTypeCode),
    number: numbers.mobileNumber?.e164 ?? numbers.portingRequests[0]?.e164 ?? null,
  };
}

/** Where the service's summary card is (where the add-service wizard ended), if the bot can still reach it there. */
export async function summaryCardToUpdate(db: Db, serviceId: string): Promise<{ reference: unknown; activityId: string } | null> {
  const place = await summaryCardOf(db, serviceId);
  if (!place) return null;
  const stored = await db.conversationReference.findUnique({
    where: { channelId_conversationId: { channelId: place.channelId, conversationId: place.conversationId } },
  });
  return stored ? { reference: stored.reference, activityId: place.activityId } : null;
}
