import { CardFactory, MessageFactory, type Activity, type ConversationReference } from 'botbuilder';
import { z } from 'zod';
import { renderNotificationCard } from '../cards/notificationCard';
import { withSubmitActions } from '../cards/render';
import { isLanguage, type Language } from '../cards/strings';
import {
  digestMessage,
  notificationEmail,
  notificationMessage,
  portingPayloadSchema,
  type EscalationFacts,
  type NotificationFacts,
  type NotificationMessage,
  type PortingFacts,
  type TakeoverFacts,
  undeliverableLine,
} from '../dialogs/notifications';
import { renderServiceSummary } from '../dialogs/addService/views';
import { Role } from '../prisma/generated/enums';
import { batchedRead, byId } from '../services/platform/batchedRead';
import { conversationsOfEach } from '../services/people/conversations';
import { nameOf } from '../services/catalog/catalog';
import type { Db } from '../services/platform/db/database';
import { UNDELIVERABLE_KIND, recordDeadLetters, undeliveredUpdatesOf } from '../services/notifications/deadLetters';
import { donorOperatorName } from '../services/numbers/donorOperators';
import { escalationPayloadSchema } from '../services/lifecycle/escalation';
import { queueDeadlineNotices } from '../services/lifecycle/deadlines';
import {
  deliverDueNotifications,
  isNotificationKind,
  notificationAudiences,
  type Audience,
  type DeliveryOptions,
  type OutboxNotification,
} from '../services/notifications/notificationOutbox';
import { formatBelgianNational } from '../services/numbers/phoneNumbers';
import type { Actor } from '../services/people/people';
import { PermanentError, RetryableError, describeError } from '../services/platform/retry';
import { sendSlotTaker } from '../services/notifications/sendRateLimit';
import { serviceSummary, summaryCardOf } from '../services/addService/addService';
import { polling } from './polling';
import { sendToPerson, updateSent, type ProactiveContent, type ProactiveDeps, type Recipient } from './proactive';

/**
 * Delivers the notification outbox: what each update says comes from dialogs/notifications.ts, how it reaches the
 * person from bot/proactive.ts. Updates of one bulk operation (a `digestKey` in the payload) reach its administrator
 * as one message, updated in place. Runs in every bot process; the outbox's claims keep them from delivering a
 * notification twice.
 */

export interface NotifierOptions extends Omit<DeliveryOptions, 'now'> {
  pollIntervalMs?: number;
  /** How much faster than real time the demo runs: the two-day activation check comes this much sooner. */
  clockSpeed?: number;
  /** Multiplies Teams' rate limits (ProactiveDeps.rateLimitFactor): for `npm run bench` against a local connector only. */
  rateLimitFactor?: number;
}

export interface Notifier {
  start(): void;
  stop(): Promise<void>;
  /** One round: overdue checks, due deliveries, dead letters recorded. For tests and scripts. */
  runOnce(): Promise<void>;
}

const DIGEST_CLAIM_MS = 60_000;
/** Notifications claimed at once: a batch's reads, rate-limit slots and records are made once for all of it. */
const BATCH = 200;
const digestPayloadSchema = z.looseObject({ digestKey: z.string().min(1).max(200), digestTotal: z.number().int().positive().optional() });
/** Whom the recipient is to the notification, as its producer wrote it (services/notificationOutbox.ts). */
const audiencePayloadSchema = z.looseObject({ audience: z.string() });
/** The SIM card's last digits, which the user entered. */
const simEnteredPayloadSchema = z.looseObject({ lastDigits: z.string().max(4) });
/** A colleague's number a new service takes over (E.164), and whose service that is. */
const takeoverPayloadSchema = z.looseObject({ number: z.string().min(1).max(20), newUser: z.string().min(1) });
const undeliverablePayloadSchema = z.looseObject({ recipientId: z.uuid() });

export function createNotifier(deps: ProactiveDeps, options: NotifierOptions = {}): Notifier {
  const { pollIntervalMs = 1_000, clockSpeed = 1, rateLimitFactor = deps.rateLimitFactor, batch = BATCH, ...rest } = options;
  const delivery = { ...rest, batch };
  const sending = { ...deps, rateLimitFactor, takeSlot: deps.takeSlot ?? sendSlotTaker(deps.db) };

  async function runOnce(): Promise<void> {
    await queueDeadlineNotices(deps.db, { clockSpeed });
    // While some are due, go on at once rather than after the interval (a batch takes few of one recipient's).
    while ((await deliverDueNotifications(deps.db, deliverer(sending), delivery)).claimed > 0);
    await recordDeadLetters(deps.db);
  }

  const loop = polling(runOnce, { intervalMs: pollIntervalMs, logger: deps.logger, what: 'notification round' });
  return {
    start: loop.start,
    stop: loop.stop,
    runOnce,
  };
}

/**
 * The outbox's delivery function for one batch: one notification to one person, or a digest update. The batch's
 * deliveries run side by side, so their reads of people, services, service types and conversations go as one query
 * each.
 */
function deliverer(batchDeps: ProactiveDeps) {
  const conversations = batchedRead((ids: string[]) => conversationsOfEach(batchDeps.db, ids));
  const deps: ProactiveDeps = { ...batchDeps, conversationsOf: async (personId) => (await conversations(personId)) ?? [] };
  const people = batchedRead(async (ids: string[]) => byId(await deps.db.person.findMany({ where: { id: { in: ids } }, include: { organisation: true } })));
  const services = batchedRead(async (ids: string[]) =>
    byId(await deps.db.service.findMany({ where: { id: { in: ids } }, include: { user: true, organisation: true, fixedNumber: true, simCard: true } })));
  const serviceTypes = batchedRead(async (codes: string[]) => {
    const rows = await deps.db.serviceType.findMany({ where: { code: { in: codes } }, select: { code: true, name: true, translations: true } });
    return new Map(rows.map((row) => [row.code, row]));
  });
  return async (notification: OutboxNotification): Promise<{ via: string }> => {
    const recipient = await people(notification.recipientId);
    if (!recipient) throw new PermanentError('the recipient no longer exists');
    // An escalation from someone without a service has none; its words come from its payload.
    const service = notification.serviceId ? await services(notification.serviceId) : undefined;
    if (notification.serviceId && !service) throw new PermanentError('the service no longer exists');
    const serviceType = service ? await serviceTypes(service.serviceTypeCode) : undefined;
    if (service && !serviceType) throw new PermanentError('the service type no longer exists');
    const language = languageOf(recipient);
    const to: Recipient = {
      id: recipient.id,
      email: recipient.email,
      aadObjectId: recipient.aadObjectId,
      tenantId: recipient.organisation.tenantId,
      language,
    };
    const { kind, payload } = notification;
    const audience = audienceFrom(notification, recipient, service);
    const simEntered = simEnteredPayloadSchema.safeParse(payload);
    const facts: NotificationFacts = {
      kind,
      audience,
      language,
      ...(service && serviceType
        ? {
            service: {
              user: service.user.displayName,
              service: nameOf(serviceType)[language],
              organisation: service.organisation.name,
              ...(service.fixedNumber ? { fixedNumber: formatBelgianNational(service.fixedNumber.e164) } : {}),
              ...(service.simCard ? { simEnding: service.simCard.iccid.slice(-4) } : {}),
              ...(service.failureReason ? { failureReason: service.failureReason } : {}),
              ...(simEntered.success ? { simEnding: simEntered.data.lastDigits } : {}),
            },
          }
        : {}),
      porting: kind.startsWith('porting.') ? await portingFacts(deps.db, payload) : undefined,
      // Only the payloads of the kinds that need them parse; the words take what they name.
      takeover: takeoverFacts(payload),
      escalation: escalationFacts(payload),
      unreachable: kind === UNDELIVERABLE_KIND ? await unreachableName(deps.db, payload) : undefined,
    };

    const digest = digestPayloadSchema.safeParse(payload);
    let via: string;
    if (digest.success && audience === 'administrator') {
      ({ via } = await deliverDigest(deps, notification, to, digest.data.digestKey, digest.data.digestTotal));
    } else {
      const message = notificationMessage(facts);
      // Nothing to say is a fault of the producer or of the words, never a delivery: dead, for someone to look at.
      if (!message) throw new PermanentError(`no words for a ${kind} notification to its ${audience} with the facts at hand`);
      ({ via } = await sendToPerson(deps, to, contentOf(message, notificationEmail(facts, message))));
    }
    if (audience === 'administrator' && service) await refreshSummaryCard(deps, recipient, to, service.id);
    return { via };
  };
}

/**
 * Replaces the service's summary card (where the add-service wizard ended) with its current state, and whom an
 * update could not reach. The message itself has gone out: a card that cannot be updated now is only logged, and
 * the next change tries again.
 */
async function refreshSummaryCard(deps: ProactiveDeps, administrator: Actor, to: Recipient, serviceId: string): Promise<void> {
  try {
    const place = await summaryCardOf(deps.db, serviceId);
    if (!place) return;
    const stored = await deps.db.conversationReference.findUnique({
      where: { channelId_conversationId: { channelId: place.channelId, conversationId: place.conversationId } },
    });
    if (!stored) return;
    const card = renderServiceSummary(to.language, await serviceSummary(deps.db, administrator, serviceId), { offerAnother: true });
    const unreached = await undeliveredUpdatesOf(deps.db, administrator, serviceId);
    if (unreached.length > 0) {
      const names = [...new Set(unreached.map((update) => update.recipientName))];
      card.body.push({ type: 'TextBlock', text: undeliverableLine(to.language, names), color: 'Attention', wrap: true });
    }
    await updateSent(deps, to, stored.reference as Partial<ConversationReference>, place.activityId, (channelId) =>
      MessageFactory.attachment(CardFactory.adaptiveCard(channelId === 'msteams' ? card : withSubmitActions(card))),
    );
  } catch (error) {
    deps.logger.warn({ serviceId, error: describeError(error) }, 'summary card not updated');
  }
}

function languageOf(person: { preferredLanguage: string | null; lastLanguage: string | null }): Language {
  const language = person.preferredLanguage ?? person.lastLanguage;
  return isLanguage(language) ? language : 'en';
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

function takeoverFacts(payload: unknown): TakeoverFacts | undefined {
  const parsed = takeoverPayloadSchema.safeParse(payload);
  return parsed.success ? { number: formatBelgianNational(parsed.data.number), newUser: parsed.data.newUser } : undefined;
}

function escalationFacts(payload: unknown): EscalationFacts | undefined {
  const parsed = escalationPayloadSchema.safeParse(payload);
  if (!parsed.success) return undefined;
  const { requestedBy, user, topic, tried, service } = parsed.data;
  return {
    requester: requestedBy.name,
    user: user.name,
    forThemselves: requestedBy.id === user.id,
    topic,
    tried,
    ...(service ? { state: { status: service.status, porting: service.porting } } : {}),
  };
}

async function portingFacts(db: Db, payload: unknown): Promise<PortingFacts | undefined> {
  const parsed = portingPayloadSchema.safeParse(payload);
  if (!parsed.success) throw new PermanentError('a porting notification without its request');
  const request = await db.portingRequest.findUnique({ where: { id: parsed.data.requestId } });
  if (!request) throw new PermanentError('the porting request no longer exists');
  const refusalCode = parsed.data.refusalCode;
  return {
    number: formatBelgianNational(request.e164),
    operator: donorOperatorName(request.donorOperator),
    ...(request.scheduledAt && request.windowEndsAt ? { scheduledAt: request.scheduledAt, windowEndsAt: request.windowEndsAt } : {}),
    ...(refusalCode ? { refusalCode } : {}),
  };
}

async function unreachableName(db: Db, payload: unknown): Promise<string | undefined> {
  const parsed = undeliverablePayloadSchema.safeParse(payload);
  if (!parsed.success) return undefined;
  const person = await db.person.findUnique({ where: { id: parsed.data.recipientId }, select: { displayName: true } });
  return person?.displayName;
}

/** The message as a chat activity (a card when it has a button, for Teams or the web chat) and as an email. */
function contentOf(message: NotificationMessage, email: ProactiveContent['email'], asCard = false): ProactiveContent {
  return {
    email,
    activity(channelId: string): Partial<Activity> {
      if (!message.action && !asCard) return MessageFactory.text(message.lines.join('\n\n'));
      const [title = '', ...lines] = message.lines;
      const card = renderNotificationCard({ title, lines, actions: message.action ? [message.action] : [] });
      return MessageFactory.attachment(CardFactory.adaptiveCard(channelId === 'msteams' ? card : withSubmitActions(card)));
    },
  };
}

/**
 * One bulk operation's updates to its administrator: the first posts the digest card, the next ones update it. An
 * update that a later one of the same digest will make anyway is skipped, so 200 updates are far fewer requests.
 */
async function deliverDigest(
  deps: ProactiveDeps,
  notification: OutboxNotification,
  to: Recipient,
  digestKey: string,
  digestTotal: number | undefined,
): Promise<{ via: string }> {
  const inDigest = { recipientId: to.id, payload: { path: ['digestKey'], equals: digestKey } };
  // Written in one transaction, a bulk operation's notifications share their creation time: the id breaks the tie.
  const createdAt = await createdAtOf(deps.db, notification.id);
  const later = await deps.db.notification.count({
    where: { ...inDigest, state: 'PENDING', OR: [{ createdAt: { gt: createdAt } }, { createdAt, id: { gt: notification.id } }] },
  });
  if (later > 0) return { via: 'digest' };

  const rows = await deps.db.notification.findMany({
    where: inDigest,
    select: { kind: true, serviceId: true, service: { select: { user: { select: { displayName: true } } } } },
  });
  const count = (kind: string) => rows.filter((row) => row.kind === kind).length;
  const message = digestMessage({
    language: to.language,
    total: digestTotal ?? new Set(rows.map((row) => row.serviceId)).size,
    started: count('activation.started'),
    emailed: count('activation.emailSent'),
    completed: count('activation.completed'),
    failed: rows.filter((row) => row.kind === 'activation.failed').map((row) => row.service?.user.displayName ?? ''),
    other: rows.filter((row) => !['activation.started', 'activation.emailSent', 'activation.completed', 'activation.failed'].includes(row.kind)).length,
  });
  const content = contentOf(message, { subject: message.lines[0]!, paragraphs: message.lines }, true);

  const key = { recipientId_digestKey: { recipientId: to.id, digestKey } };
  const existing = await deps.db.notificationDigest.findUnique({ where: key });
  if (existing?.activityId && existing.reference) {
    await updateSent(deps, to, existing.reference as Partial<ConversationReference>, existing.activityId, content.activity);
    return { via: 'digest-update' };
  }
  if (existing?.activityId) return { via: 'digest' }; // posted by email: one email per operation is enough
  await claimDigest(deps.db, to.id, digestKey, existing?.claimedAt);
  const sent = await sendToPerson(deps, to, content);
  await deps.db.notificationDigest.update({
    where: key,
    data: sent.via === 'email' ? { activityId: 'email' } : { reference: { ...sent.reference } as object, activityId: sent.activityId ?? null },
  });
  return { via: sent.via };
}

async function createdAtOf(db: Db, id: string): Promise<Date> {
  return (await db.notification.findUniqueOrThrow({ where: { id }, select: { createdAt: true } })).createdAt;
}

/** Only one deliverer posts a digest's first message; another waits for it, or takes over when it stopped. */
async function claimDigest(db: Db, recipientId: string, digestKey: string, claimedAt: Date | undefined): Promise<void> {
  const now = new Date();
  if (!claimedAt) {
    const { count } = await db.notificationDigest.createMany({ data: [{ recipientId, digestKey, claimedAt: now }], skipDuplicates: true });
    if (count === 1) return;
  } else if (claimedAt.getTime() < now.getTime() - DIGEST_CLAIM_MS) {
    const { count } = await db.notificationDigest.updateMany({ where: { recipientId, digestKey, claimedAt, activityId: null }, data: { claimedAt: now } });
    if (count === 1) return;
  }
  throw new RetryableError('the digest message is being posted by another deliverer', { retryAfterMs: 1_000 });
}
