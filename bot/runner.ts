import type { AdaptiveCard as TeamsCard, Application } from '@microsoft/teams-ai';
import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { AdaptiveCard } from '../cards/render';
import { t } from '../cards/strings';
import type { AnyFeature, CardAction, FeatureChannel, FeatureSettings, FeatureTurn, PublicAction, PublicTurn } from '../dialogs/feature';
import type { Reply } from '../dialogs/reply';
import type { IntentMatch, IntentName } from '../dialogs/understanding/intents';
import type { Database } from '../services/platform/db/database';
import { AccessDenied, refuseMalformedCard } from '../services/people/people';
import { deliverConsentedFile, fileConsentSchema, hasFiles, onFileConsent, receiveFile, sendFile } from './files';
import { speakIn } from './conversationLanguage';
import { WEB_CHAT_IDENTITY } from './identity';
import { cardActivity, replyActivity, TEAMS_CHANNEL_ID } from './replies';
import { factsOf } from './turnFacts';
import type { AppTurnState } from './turnState';
import { findConversation } from './http/webChat/conversations';

export interface RunnerDeps {
  db: Database;
  settings: FeatureSettings;
  /** Without a Teams app (the Emulator mode, tests), files may come from the host the activity came from. */
  teamsAuthenticated: boolean;
}

/** What the typed-text route asks of the features. */
export interface ServedFeatures {
  /** Answers an intent with the feature that serves it; undefined when no feature does. */
  answerIntent(context: TurnContext, state: AppTurnState, match: IntentMatch): Promise<Reply[] | undefined>;
  /** Typed text that a flow waits for, in the order the features are listed; undefined when none takes it. */
  typedInput(context: TurnContext, state: AppTurnState, text: string): Promise<Reply[] | undefined>;
  /** Forgets every unfinished flow of the conversation. */
  forgetFlows(state: AppTurnState): void;
  /** The intents some feature serves. */
  intents: ReadonlySet<IntentName>;
  /** The card verbs some feature serves: a button of a card this version no longer knows is told apart. */
  verbs: ReadonlySet<string>;
}

/** The card a Teams card button's invoke is answered with, set by `FeatureChannel.showCard`. */
const IN_PLACE = Symbol('inPlaceCard');
/** Set when a button's data was not as the card sent it: Teams' invoke is then answered 400. */
const NOT_AS_SENT = Symbol('cardDataNotAsSent');

/**
 * Registers every feature's verbs, files and consent answers once for both clients: Teams' Action.Execute (the invoke
 * is answered with the card shown in place, or the first reply, and the other replies follow as messages) and the
 * web chat's Action.Submit (every reply a message).
 */
export function registerFeatures(app: Application<AppTurnState>, features: readonly AnyFeature[], deps: RunnerDeps): ServedFeatures {
  const intents = new Map<IntentName, (context: TurnContext, state: AppTurnState, match: IntentMatch) => Promise<Reply[]>>();
  const verbs = new Set<string>();
  // One feature per verb and per intent: a second one is a mistake that stops the bot at start.
  const claim = (claimed: { has(key: string): boolean }, key: string, feature: AnyFeature) => {
    if (claimed.has(key)) throw new Error(`${key} is served twice (again by ${feature.name})`);
  };

  for (const feature of features) {
    for (const [verb, action] of Object.entries(feature.actions ?? {})) {
      claim(verbs, verb, feature);
      verbs.add(verb);
      onVerb(app, verb, (context, state, data) => serve(deps, feature, context, state, verb, (turn) => runAction(deps, context, turn, verb, action, data)));
    }
    for (const [verb, action] of Object.entries(feature.publicActions ?? {})) {
      claim(verbs, verb, feature);
      verbs.add(verb);
      onVerb(app, verb, (context, state, data) => runPublicAction(deps, context, state, action, data));
    }
    for (const [intent, answer] of Object.entries(feature.intents ?? {}) as [IntentName, NonNullable<AnyFeature['intents']>[IntentName]][]) {
      claim(intents, intent, feature);
      intents.set(intent, (context, state, match) => serve(deps, feature, context, state, undefined, (turn) => answer!(turn, match)));
    }
    for (const [intent, answer] of Object.entries(feature.publicIntents ?? {}) as [IntentName, NonNullable<AnyFeature['publicIntents']>[IntentName]][]) {
      claim(intents, intent, feature);
      intents.set(intent, (context, state, match) => answer!(publicTurn(deps, context, state), match));
    }
    const files = feature.files;
    if (files) {
      // Before typed text, which a file message also is: a file comes with no words to understand.
      app.addRoute(
        async (context) => hasFiles(context.activity),
        async (context, state) => {
          const replies = await serve(deps, feature, context, state, undefined, (turn) =>
            files(turn, () => receiveFile(context.activity, { trustServiceUrlHost: !deps.teamsAuthenticated })));
          await sendReplies(context, state, replies);
        },
      );
    }
    const consent = feature.fileConsent;
    if (consent) {
      onFileConsent(app, consent.kind, async (context, state) => {
        const parsed = fileConsentSchema(z.object({ kind: z.literal(consent.kind) }).loose()).safeParse(context.activity.value);
        const replies = await serve(deps, feature, context, state, undefined, async (turn) => {
          if (!parsed.success) throw new AccessDenied('malformed file consent');
          const { action, context: consentContext, uploadInfo } = parsed.data;
          return consent.answer(turn, {
            accepted: action === 'accept',
            context: consentContext,
            canDeliver: uploadInfo !== undefined,
            deliver: (file) => (uploadInfo ? deliverConsentedFile(context, uploadInfo, file) : Promise.resolve(false)),
          });
        });
        await sendReplies(context, state, replies);
      });
    }
  }

  const typed = features.filter((feature) => feature.typedInput);
  return {
    intents: new Set(intents.keys()),
    verbs,
    answerIntent: async (context, state, match) => intents.get(match.intent)?.(context, state, match),
    typedInput: async (context, state, text) => {
      for (const feature of typed) {
        const replies = await serve(deps, feature, context, state, undefined, (turn) => feature.typedInput!(turn, text).then((answer) => answer ?? NOT_MINE), true);
        if (replies !== NOT_MINE) return replies;
      }
      return undefined;
    },
    forgetFlows: (state) => {
      for (const feature of features) if (feature.state) delete state.conversation[feature.state.key];
    },
  };
}

/** A typed-input handler's "not for me", told apart from an answer of no replies. */
const NOT_MINE: Reply[] = [];

/**
 * Runs `work` for the person of this turn if the feature may serve them, with the feature's state; someone it may not
 * serve gets its refusal, and a refusal by the domain its `denied` answer. `quiet`: someone it may not serve is
 * not answered at all (typed input that was maybe not for this feature).
 */
async function serve(
  deps: RunnerDeps,
  feature: AnyFeature,
  context: TurnContext,
  state: AppTurnState,
  verb: string | undefined,
  work: (turn: FeatureTurn<unknown>) => Promise<Reply[]>,
  quiet = false,
): Promise<Reply[]> {
  const { recognition, language } = factsOf(context);
  const actor = recognition.status === 'known' ? recognition.actor : undefined;
  if (!actor || (feature.mayUse && !feature.mayUse(actor))) return quiet ? NOT_MINE : [feature.refusal(language, recognition)];
  const stored = feature.state;
  const read = () => {
    if (!stored) return undefined;
    const parsed = stored.schema.safeParse(state.conversation[stored.key]);
    return parsed.success ? parsed.data : undefined;
  };
  const turn: FeatureTurn<unknown> = {
    ...publicTurn(deps, context, state),
    actor,
    get state() {
      return read() as never;
    },
    keep: (next) => {
      if (!stored) throw new Error(`${feature.name} keeps no state`);
      if (next === undefined) delete state.conversation[stored.key];
      else state.conversation[stored.key] = next;
    },
    settings: deps.settings,
  };
  try {
    return await work(turn);
  } catch (error) {
    if (!(error instanceof AccessDenied)) throw error;
    return [feature.denied ? feature.denied(language, actor, verb) : feature.refusal(language, recognition)];
  }
}

async function runAction(
  deps: RunnerDeps,
  context: TurnContext,
  turn: FeatureTurn<unknown>,
  verb: string,
  action: CardAction<unknown>,
  data: unknown,
): Promise<Reply[]> {
  if (!action.data) return action.run(turn, undefined as never);
  const parsed = action.data.safeParse(data ?? {});
  if (parsed.success) return action.run(turn, parsed.data as never);
  context.turnState.set(NOT_AS_SENT, true);
  if (action.malformed === 'audit') return refuseMalformedCard(deps.db.prisma, turn.actor, verb);
  throw new AccessDenied(`card data of ${verb} not as sent`);
}

async function runPublicAction(deps: RunnerDeps, context: TurnContext, state: AppTurnState, action: PublicAction, data: unknown): Promise<Reply[]> {
  const parsed = action.data.safeParse(data ?? {});
  if (!parsed.success) {
    context.turnState.set(NOT_AS_SENT, true);
    return [{ kind: 'text', text: t(factsOf(context).language, 'action.unknown') }];
  }
  return action.run(publicTurn(deps, context, state), parsed.data as never);
}

function publicTurn(deps: RunnerDeps, context: TurnContext, state: AppTurnState): PublicTurn {
  const { recognition, language } = factsOf(context);
  return { db: deps.db.prisma, recognition, language, channel: channelOf(deps, context, state), speakIn: (chosen) => speakIn(context, state, chosen) };
}

/**
 * Teams names the message whose button was pressed (replyToId); the web chat does not. There a card whose buttons
 * carry a `cardKey` is remembered by that key when shown, so that its answer can replace it.
 */
const SHOWN_CARDS = 'shownCards';
const SHOWN_CARDS_KEPT = 30;
const shownCardsSchema = z.array(z.tuple([z.string(), z.string()])).max(SHOWN_CARDS_KEPT).catch([]);
const cardKeySchema = z.object({ cardKey: z.string().max(64) });

function cardKeyOf(node: unknown): string | undefined {
  if (Array.isArray(node)) return node.map(cardKeyOf).find(Boolean);
  if (node === null || typeof node !== 'object') return undefined;
  const key = cardKeySchema.safeParse((node as { data?: unknown }).data);
  return key.success ? key.data.cardKey : Object.values(node).map(cardKeyOf).find(Boolean);
}

function rememberCard(state: AppTurnState, card: AdaptiveCard, activityId: string | undefined): void {
  const key = cardKeyOf(card);
  if (!key || !activityId) return;
  const shown = shownCardsSchema.parse(state.conversation[SHOWN_CARDS]).filter(([known]) => known !== key);
  state.conversation[SHOWN_CARDS] = [...shown, [key, activityId]].slice(-SHOWN_CARDS_KEPT);
}

/** Sends replies as messages; in the web chat, a card whose buttons carry a `cardKey` is remembered by it. */
export async function sendReplies(context: TurnContext, state: AppTurnState, replies: readonly Reply[]): Promise<void> {
  for (const reply of replies) {
    const sent = await context.sendActivity(replyActivity(context.activity.channelId, reply));
    if (reply.kind === 'card' && context.activity.channelId !== TEAMS_CHANNEL_ID) rememberCard(state, reply.card, sent?.id);
  }
}

function pressedCardOf(context: TurnContext, state: AppTurnState): string | undefined {
  if (context.activity.replyToId) return context.activity.replyToId;
  const pressed = cardKeySchema.safeParse(context.activity.value);
  return pressed.success ? shownCardsSchema.parse(state.conversation[SHOWN_CARDS]).find(([key]) => key === pressed.data.cardKey)?.[1] : undefined;
}

function channelOf(deps: RunnerDeps, context: TurnContext, state: AppTurnState): FeatureChannel {
  const activity = context.activity;
  const teams = activity.channelId === TEAMS_CHANNEL_ID;
  const shown = (card: AdaptiveCard, activityId: string | undefined) => {
    rememberCard(state, card, activityId);
    return activityId;
  };
  return {
    teams,
    channelId: activity.channelId,
    conversationId: activity.conversation.id,
    // A Teams retry of the same message carries the same id.
    messageKey: `${activity.conversation.id}:${activity.id ?? crypto.randomUUID()}`,
    pressedCardId: pressedCardOf(context, state),
    tiedServiceId: async () => {
      // Read from the conversation's record, which the server keeps; a Teams turn has none.
      if (!context.turnState.get(WEB_CHAT_IDENTITY)) return undefined;
      return (await findConversation(deps.db.prisma, activity.conversation.id))?.serviceId ?? undefined;
    },
    showCard: async (card: AdaptiveCard, replacing?: string) => {
      if (activity.type === 'invoke') {
        context.turnState.set(IN_PLACE, card);
        return activity.replyToId;
      }
      const message = cardActivity(activity.channelId, card);
      if (replacing) {
        const updated = await context.updateActivity({ ...message, id: replacing }).then(() => true, () => false);
        if (updated) {
          // An update is this turn's answer: a concurrent press that loses the state write has nothing more to say.
          context.responded = true;
          return shown(card, replacing);
        }
      }
      return shown(card, (await context.sendActivity(message))?.id);
    },
    postCard: async (card: AdaptiveCard) => shown(card, (await context.sendActivity(cardActivity(activity.channelId, card)))?.id),
    sendFile: (file, consentContext) => sendFile(context, file, consentContext),
  };
}

/** A card button's answer, whatever the client: several replies, of which Teams shows the first in place of the card. */
export type VerbAnswer = (context: TurnContext, state: AppTurnState, data: unknown) => Promise<Reply[]>;

/**
 * Registers one verb for both clients; a card a handler shows with `FeatureChannel.showCard` answers Teams' invoke.
 * Data not as the card sent it answers the invoke 400, with the feature's sentence saying what was refused.
 */
export function onVerb(app: Application<AppTurnState>, verb: string, answer: VerbAnswer): void {
  app.adaptiveCards.actionExecute(verb, async (context, state, data) => {
    const replies = await answer(context, state, data);
    const inPlace = context.turnState.get(IN_PLACE) as AdaptiveCard | undefined;
    const [first, ...rest] = inPlace ? [{ kind: 'card', card: inPlace } satisfies Reply, ...replies] : replies;
    await sendReplies(context, state, rest);
    if (context.turnState.get(NOT_AS_SENT)) {
      await answerInvoke(context, 400, first ?? { kind: 'text', text: t(factsOf(context).language, 'action.unknown') });
      return '';
    }
    if (!first) return '';
    return first.kind === 'text' ? first.text : (first.card as unknown as TeamsCard);
  });
  app.adaptiveCards.actionSubmit(verb, async (context, state, data) => {
    await sendReplies(context, state, await answer(context, state, data));
  });
}

/** Answers a Teams invoke with `status` and a reply: a card shown in place of the one pressed, or a sentence. */
export async function answerInvoke(context: TurnContext, status: number, reply: Reply): Promise<void> {
  const body =
    reply.kind === 'text'
      ? { statusCode: status, type: 'application/vnd.microsoft.activity.message', value: reply.text }
      : { statusCode: status, type: 'application/vnd.microsoft.card.adaptive', value: reply.card };
  await context.sendActivity({ type: 'invokeResponse', value: { status, body } });
}
