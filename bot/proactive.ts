import type { TeamsAdapter } from '@microsoft/teams-ai';
import { TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import type { Language } from '../cards/strings';
import { conversationsOf, saveConversationReference, type StoredConversation } from '../services/people/conversations';
import type { Db } from '../services/platform/db/database';
import type { Mailer } from '../services/notifications/mail';
import { PermanentError, RetryableError, httpStatusError } from '../services/platform/retry';
import { takeSendSlot, type RateLimit, type SlotResult } from '../services/notifications/sendRateLimit';
import type { Logger } from './logger';
import { TEAMS_CHANNEL_ID } from './replies';
import { findConversation } from './http/webChat/conversations';
import { WEB_CHAT_CHANNEL_ID, type WebChatAdapter } from './http/webChat/webChatAdapter';

/**
 * Writing to a person without them asking: in their most recent conversation (Teams or an open web chat), in a new
 * Teams personal chat when the bot has an app id and knows their tenant and AAD object id, by email otherwise.
 */

export interface ProactiveDeps {
  db: Db;
  teams: TeamsAdapter;
  webChat: WebChatAdapter;
  /** The bot's Microsoft app id; without one, no conversation can be opened in Teams. */
  appId?: string;
  mailer: Mailer;
  logger: Logger;
  /** Longest wait for a rate-limit slot inside one delivery before handing the wait to the outbox. */
  maxSlotWaitMs?: number;
  /**
   * Multiplies Teams' rate limits; 1 (the default) is Teams' own. Raised only to measure delivery against a local
   * connector (`npm run bench`): Teams itself would answer 429 above its limits.
   */
  rateLimitFactor?: number;
  /** Takes a rate-limit slot; the notifier's takes the slots of concurrent deliveries together (sendSlotTaker). */
  takeSlot?: (limits: readonly RateLimit[]) => Promise<SlotResult>;
  /** Reads a person's conversations; the notifier's reads those of a batch's recipients together. */
  conversationsOf?: (personId: string) => Promise<StoredConversation[]>;
}

export interface Recipient {
  id: string;
  email: string;
  aadObjectId: string | null;
  tenantId: string;
  language: Language;
}

/** What to say, for a chat (`activity`, built for the channel) and for email. */
export interface ProactiveContent {
  activity(channelId: string): Partial<Activity>;
  email: { subject: string; paragraphs: string[] };
}

export type Delivery =
  | { via: 'teams' | 'webchat'; reference: Partial<ConversationReference>; activityId: string | undefined }
  | { via: 'email' };

const TEAMS_SCOPE = 'https://api.botframework.com';
/** Where Teams serves bots in Europe, for a first conversation with a tenant the bot has never heard from. */
const DEFAULT_TEAMS_SERVICE_URL = 'https://smba.trafficmanager.net/emea/';

const SECOND = 1_000;

/** Teams' limits per conversation and per app and tenant (learn.microsoft.com, "Rate limiting for bots"). */
function teamsLimits(deps: ProactiveDeps, conversationId: string, tenantId: string): RateLimit[] {
  const factor = deps.rateLimitFactor ?? 1;
  const window = (limit: number, perMs: number) => ({ limit: limit * factor, perMs });
  return [
    {
      key: `teams:conversation:${conversationId}`,
      windows: [window(7, SECOND), window(8, 2 * SECOND), window(60, 30 * SECOND), window(1_800, 3_600 * SECOND)],
    },
    { key: `teams:tenant:${tenantId}`, windows: [window(50, SECOND)] },
  ];
}

/** Sends `content` to the person through the first channel that reaches them. */
export async function sendToPerson(deps: ProactiveDeps, recipient: Recipient, content: ProactiveContent): Promise<Delivery> {
  const inChat = await sendInChat(deps, recipient, content);
  if (inChat) return inChat;
  await deps.mailer.send({
    to: recipient.email,
    subject: content.email.subject,
    text: content.email.paragraphs.join('\n\n'),
    html: content.email.paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`).join('\n'),
    language: recipient.language,
  });
  return { via: 'email' };
}

/** Sends `content` in the first chat that reaches the person; undefined when none does. */
export async function sendInChat(deps: ProactiveDeps, recipient: Recipient, content: ProactiveContent): Promise<Delivery | undefined> {
  for (const conversation of await (deps.conversationsOf ? deps.conversationsOf(recipient.id) : conversationsOf(deps.db, recipient.id))) {
    try {
      const sent = await sendInConversation(deps, recipient, conversation.reference, content);
      if (sent) return sent;
    } catch (error) {
      // A conversation that is gone for good (uninstalled, blocked): try the next way; anything else is retried.
      if (!(error instanceof PermanentError)) throw error;
      deps.logger.info({ recipientId: recipient.id, channelId: conversation.channelId, error: error.message }, 'conversation unreachable');
    }
  }
  return openTeamsConversation(deps, recipient, content);
}

/** Sends in a stored conversation; undefined when it no longer reaches the person (a closed web chat). */
async function sendInConversation(
  deps: ProactiveDeps,
  recipient: Recipient,
  reference: Partial<ConversationReference>,
  content: ProactiveContent,
): Promise<Delivery | undefined> {
  const channelId = reference.channelId ?? '';
  if (channelId === WEB_CHAT_CHANNEL_ID) {
    const open = reference.conversation?.id ? await findConversation(deps.db, reference.conversation.id) : null;
    if (!open || open.expiresAt <= new Date()) return undefined;
    const activityId = await continueWith(deps.webChat, '', reference, (context) => context.sendActivity(content.activity(channelId)));
    return { via: 'webchat', reference, activityId };
  }
  await waitForSlot(deps, teamsLimits(deps, reference.conversation?.id ?? '', recipient.tenantId));
  const activityId = await continueWith(deps.teams, deps.appId ?? '', reference, (context) => context.sendActivity(content.activity(channelId)));
  return { via: 'teams', reference, activityId };
}

/** Replaces an activity sent earlier (a digest, a service card) with new content. */
export async function updateSent(
  deps: ProactiveDeps,
  recipient: Recipient,
  reference: Partial<ConversationReference>,
  activityId: string,
  activity: ProactiveContent['activity'],
): Promise<void> {
  const channelId = reference.channelId ?? '';
  const update = (context: TurnContext) => context.updateActivity({ ...activity(channelId), id: activityId });
  if (channelId === WEB_CHAT_CHANNEL_ID) {
    await continueWith(deps.webChat, '', reference, update);
    return;
  }
  await waitForSlot(deps, teamsLimits(deps, reference.conversation?.id ?? '', recipient.tenantId));
  await continueWith(deps.teams, deps.appId ?? '', reference, update);
}

/**
 * Opens a personal chat in Teams (the app must be installed for the person, which Teams checks). The new
 * conversation is stored, so the next message goes there directly.
 */
async function openTeamsConversation(deps: ProactiveDeps, recipient: Recipient, content: ProactiveContent): Promise<Delivery | undefined> {
  if (!deps.appId || !recipient.aadObjectId) return undefined;
  const serviceUrl = (await teamsServiceUrlOfTenant(deps.db, recipient.tenantId)) ?? DEFAULT_TEAMS_SERVICE_URL;
  let delivery: Delivery | undefined;
  let failed: unknown;
  try {
    await deps.teams.createConversationAsync(
      deps.appId,
      TEAMS_CHANNEL_ID,
      serviceUrl,
      TEAMS_SCOPE,
      {
        isGroup: false,
        bot: { id: `28:${deps.appId}`, name: '' },
        members: [{ id: recipient.aadObjectId, name: '' }],
        tenantId: recipient.tenantId,
        channelData: { tenant: { id: recipient.tenantId } },
        // Typed as required, but optional on the wire: the message is sent into the new chat below, so its id is known.
        activity: undefined as unknown as Activity,
      },
      async (context) => {
        // As in continueWith: an error thrown from here would be swallowed by the adapter's turn-error handler.
        try {
          const reference = TurnContext.getConversationReference(context.activity);
          await saveConversationReference(deps.db, {
            channelId: TEAMS_CHANNEL_ID,
            conversationId: context.activity.conversation.id,
            personId: recipient.id,
            reference: { ...reference },
          });
          await waitForSlot(deps, teamsLimits(deps, context.activity.conversation.id, recipient.tenantId));
          const sent = await context.sendActivity(content.activity(TEAMS_CHANNEL_ID));
          delivery = { via: 'teams', reference, activityId: sent?.id };
        } catch (error) {
          failed = error;
        }
      },
    );
  } catch (error) {
    failed = error;
  }
  if (failed !== undefined) {
    const failure = asDeliveryError(failed);
    // Not installed for this person, or not allowed: email will do.
    if (failure instanceof PermanentError) return undefined;
    throw failure;
  }
  return delivery;
}

/** The service URL Teams used for someone in this tenant: the region that serves it. */
async function teamsServiceUrlOfTenant(db: Db, tenantId: string): Promise<string | undefined> {
  const organisation = await db.organisation.findUnique({ where: { tenantId }, select: { id: true } });
  if (!organisation) return undefined;
  const row = await db.conversationReference.findFirst({
    where: { channelId: TEAMS_CHANNEL_ID, person: { organisationId: organisation.id } },
    orderBy: { updatedAt: 'desc' },
  });
  const reference = row?.reference as StoredConversation['reference'] | undefined;
  return typeof reference?.serviceUrl === 'string' ? reference.serviceUrl : undefined;
}

/** Runs `logic` in the conversation and returns the id of what it sent; channel errors become retry decisions. */
async function continueWith(
  adapter: TeamsAdapter | WebChatAdapter,
  appId: string,
  reference: Partial<ConversationReference>,
  logic: (context: TurnContext) => Promise<{ id?: string } | undefined | void>,
): Promise<string | undefined> {
  let activityId: string | undefined;
  let failure: unknown;
  try {
    await adapter.continueConversationAsync(appId, reference, async (context) => {
      // Caught here, not thrown: the adapter's turn-error handler would swallow it and apologise to the person.
      try {
        activityId = (await logic(context))?.id;
      } catch (error) {
        failure = error;
      }
    });
  } catch (error) {
    failure = error;
  }
  if (failure !== undefined) throw asDeliveryError(failure);
  return activityId;
}

/** An HTTP failure of the Bot Connector as the outbox understands it: retry (with Retry-After) or give up. */
function asDeliveryError(error: unknown): unknown {
  const status = (error as { statusCode?: unknown })?.statusCode;
  if (typeof status !== 'number') return error;
  const headers = (error as { response?: { headers?: { get?(name: string): string | undefined } } }).response?.headers;
  return httpStatusError(status, headers?.get?.('retry-after'));
}

/** Waits (briefly) for a slot under Teams' limits; a longer wait is the outbox's, so no delivery holds a worker. */
async function waitForSlot(deps: ProactiveDeps, limits: RateLimit[]): Promise<void> {
  const maxWaitMs = deps.maxSlotWaitMs ?? 5 * SECOND;
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const slot = await (deps.takeSlot ? deps.takeSlot(limits) : takeSendSlot(deps.db, limits));
    if (slot.taken) return;
    if (Date.now() + slot.retryAfterMs > deadline) {
      throw new RetryableError('Teams rate limit reached', { retryAfterMs: slot.retryAfterMs });
    }
    // A little jitter, so that senders woken by the same slot do not all ask for it at once.
    await new Promise((resolve) => setTimeout(resolve, slot.retryAfterMs + Math.floor(Math.random() * 50)));
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[c]};`);
}
