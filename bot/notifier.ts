import type { ConversationReference } from 'botbuilder';
import {
  currentSummaryCard,
  digestNotification,
  languageOf,
  notificationEmail,
  notificationFactsOf,
  notificationMessage,
  notificationReply,
  type NotificationFacts,
} from '../dialogs/notifications';
import type { Reply } from '../dialogs/reply';
import { recordDeadLetters } from '../services/notifications/deadLetters';
import { claimDigest, digestPosted, digestTally, recordDigestPosted, supersededInDigest } from '../services/notifications/digests';
import { notificationReads, summaryCardToUpdate, type NotifiedPerson } from '../services/notifications/notificationSubjects';
import { queueDeadlineNotices } from '../services/lifecycle/deadlines';
import { claimDueNotifications, deliverClaimed, type Claim, type DeliveryOptions, type OutboxNotification } from '../services/notifications/notificationOutbox';
import { PermanentError, describeError } from '../services/platform/retry';
import { sendSlotTaker } from '../services/notifications/sendRateLimit';
import { polling } from './polling';
import { sendInChat, sendToPerson, updateSent, type ProactiveContent, type ProactiveDeps, type Recipient } from './proactive';
import { cardActivity, replyActivity } from './replies';

/**
 * Delivers the notification outbox: what an update is about comes from the domain (services/notifications/), what it
 * says from dialogs/notifications.ts, how it reaches the person from bot/proactive.ts. Updates of one bulk operation (a `digestKey` in the payload) reach its administrator
 * as one message, updated in place. Runs in every bot process; the outbox's claims keep them from delivering a
 * notification twice.
 */

export interface NotifierOptions extends Omit<DeliveryOptions, 'now' | 'busyRecipients'> {
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

/**
 * Notifications claimed at once, and at most under way together: a batch's reads, rate-limit slots and records are
 * made together for all of it.
 */
const BATCH = 200;

export function createNotifier(deps: ProactiveDeps, options: NotifierOptions = {}): Notifier {
  const { pollIntervalMs = 1_000, clockSpeed = 1, rateLimitFactor = deps.rateLimitFactor, batch = BATCH, ...rest } = options;
  const delivery = { ...rest, batch };
  const sending = { ...deps, rateLimitFactor, takeSlot: deps.takeSlot ?? sendSlotTaker(deps.db) };

  async function runOnce(): Promise<void> {
    await queueDeadlineNotices(deps.db, { clockSpeed });
    await deliverWhileDue(sending, delivery, pollIntervalMs);
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
 * Claims and delivers until nothing is due and nothing is under way. A batch is not waited for: as its notifications
 * settle, more are claimed in their place, so one conversation that is slow to answer holds only its own recipient's
 * notifications (left out of the next claims until theirs settle, to keep them in order), never everyone else's.
 */
async function deliverWhileDue(deps: ProactiveDeps, delivery: Omit<DeliveryOptions, 'now'>, pollIntervalMs: number): Promise<void> {
  const batch = delivery.batch ?? BATCH;
  const underWay = new Map<string, number>(); // recipient → their notifications claimed and not settled
  let unsettled = 0;
  const runs = new Set<Promise<void>>();
  const failures: unknown[] = [];
  let wake = () => {};

  function start(claim: Claim): void {
    const settling = new Set(claim.rows);
    for (const row of claim.rows) underWay.set(row.recipientId, (underWay.get(row.recipientId) ?? 0) + 1);
    unsettled += claim.rows.length;
    const settle = (row: Claim['rows'][number]) => {
      if (!settling.delete(row)) return;
      unsettled--;
      const left = underWay.get(row.recipientId)! - 1;
      if (left === 0) underWay.delete(row.recipientId);
      else underWay.set(row.recipientId, left);
      wake();
    };
    const run: Promise<void> = deliverClaimed(deps.db, claim, deliverer(deps), settle)
      .then(
        () => undefined,
        (error: unknown) => void failures.push(error),
      )
      .finally(() => {
        settling.forEach(settle);
        runs.delete(run);
      });
    runs.add(run);
  }

  try {
    for (;;) {
      const room = batch - unsettled;
      // Claimed by half batches at least, so that a busy outbox is still read and recorded in batches, not one by one.
      const claim = room * 2 >= batch ? await claimDueNotifications(deps.db, { ...delivery, batch: room, busyRecipients: [...underWay.keys()] }) : undefined;
      if (claim && claim.rows.length > 0) {
        start(claim);
        continue; // while some are due, go on at once rather than after the interval
      }
      if (runs.size === 0) break;
      // Something settling makes room (or frees a recipient); what falls due meanwhile is looked for every interval.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollIntervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = () => {};
    }
  } finally {
    // After a failed claim, the deliveries under way finish first: the next round must not claim their recipients'.
    await Promise.all(runs);
  }
  if (failures.length > 0) throw failures[0];
}

/**
 * The outbox's delivery function for one batch: one notification to one person, or a digest update. The batch's
 * deliveries run side by side and read together (notificationReads).
 */
function deliverer(batchDeps: ProactiveDeps) {
  const reads = notificationReads(batchDeps.db);
  const deps: ProactiveDeps = { ...batchDeps, conversationsOf: reads.conversationsOf };
  return async (notification: OutboxNotification): Promise<{ via: string }> => {
    const subject = await reads.subjectOf(notification);
    const { recipient, audience, service } = subject;
    const language = languageOf(recipient);
    const to: Recipient = {
      id: recipient.id,
      email: recipient.email,
      aadObjectId: recipient.aadObjectId,
      tenantId: recipient.organisation.tenantId,
      language,
    };
    const facts = notificationFactsOf(subject, language);

    let via: string;
    if (subject.digest && audience === 'administrator') {
      ({ via } = await deliverDigest(deps, notification, to, subject.digest));
    } else if (notification.kind === 'esim.sent' && audience === 'user') {
      ({ via } = await deliverEsim(deps, to, facts));
    } else {
      const message = notificationMessage(facts);
      // Nothing to say is a fault of the producer or of the words, never a delivery: dead, for someone to look at.
      if (!message) throw new PermanentError(`no words for a ${notification.kind} notification to its ${audience} with the facts at hand`);
      ({ via } = await sendToPerson(deps, to, contentOf(notificationReply(message), notificationEmail(facts, message))));
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
async function refreshSummaryCard(deps: ProactiveDeps, administrator: NotifiedPerson, to: Recipient, serviceId: string): Promise<void> {
  try {
    const place = await summaryCardToUpdate(deps.db, serviceId);
    if (!place) return;
    const card = await currentSummaryCard(deps.db, administrator, to.language, serviceId);
    await updateSent(deps, to, place.reference as Partial<ConversationReference>, place.activityId, (channelId) => cardActivity(channelId, card));
  } catch (error) {
    deps.logger.warn({ serviceId, error: describeError(error) }, 'summary card not updated');
  }
}

/**
 * The eSIM to its user, as its card, in a chat only: the activation email carries the same code, so someone without a
 * chat gets no second email with it. Installed or replaced before this went out, there is no card and nothing is sent
 * (a replacement's own update brings the new code). The sentence is the card's summary, which Teams shows in its
 * notification.
 */
async function deliverEsim(deps: ProactiveDeps, to: Recipient, facts: NotificationFacts): Promise<{ via: string }> {
  const message = notificationMessage(facts);
  if (!message?.card) return { via: 'superseded' };
  const content = contentOf(notificationReply(message), notificationEmail(facts, message));
  const sent = await sendInChat(deps, to, { ...content, activity: (channelId) => ({ ...content.activity(channelId), summary: message.lines.join(' ') }) });
  return { via: sent?.via ?? 'activation-email' };
}

/** A reply as a chat activity for the channel it goes to, and as an email. */
function contentOf(reply: Reply, email: ProactiveContent['email']): ProactiveContent {
  return { email, activity: (channelId: string) => replyActivity(channelId, reply) };
}

/**
 * One bulk operation's updates to its administrator: the first posts the digest card, the next ones update it. An
 * update that a later one of the same digest will make anyway is skipped, so 200 updates are far fewer requests.
 */
async function deliverDigest(
  deps: ProactiveDeps,
  notification: OutboxNotification,
  to: Recipient,
  digest: { key: string; total?: number },
): Promise<{ via: string }> {
  if (await supersededInDigest(deps.db, notification.id, to.id, digest.key)) return { via: 'digest' };

  const { reply, email } = digestNotification(to.language, await digestTally(deps.db, to.id, digest.key), digest.total);
  const content = contentOf(reply, email);

  const existing = await digestPosted(deps.db, to.id, digest.key);
  if (existing?.activityId && existing.reference) {
    await updateSent(deps, to, existing.reference as Partial<ConversationReference>, existing.activityId, content.activity);
    return { via: 'digest-update' };
  }
  if (existing?.activityId) return { via: 'digest' }; // posted by email: one email per operation is enough
  await claimDigest(deps.db, to.id, digest.key, existing?.claimedAt);
  const sent = await sendToPerson(deps, to, content);
  await recordDigestPosted(deps.db, to.id, digest.key, sent);
  return { via: sent.via };
}
