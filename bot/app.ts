import { Application, type TeamsAdapter } from '@microsoft/teams-ai';
import { INVOKE_RESPONSE_KEY, TurnContext, type Storage } from 'botbuilder';
import { languageOfLocale, t } from '../cards/strings';
import { features } from '../dialogs/features';
import { welcomeFor } from '../dialogs/welcome';
import { saveConversationReference } from '../services/people/conversations';
import type { DonorOperators } from '../services/lifecycle/gateways';
import type { Database } from '../services/platform/db/database';
import { replyLanguage } from '../services/people/languagePreference';
import { recognise, type Recognition } from '../services/people/people';
import type { Config } from './config';
import { conversationLanguageOf } from './conversationLanguage';
import { channelIdentityOf } from './identity';
import { recogniseTeamsWriter } from './teamsAccounts';
import type { Logger } from './logger';
import { send } from './replies';
import { answerInvoke, registerFeatures } from './runner';
import { cardSubmitVerb, registerTypedText, unservedIntents } from './typedText';
import { answerTurnError, logTurn } from './turnLog';
import { TURN_FACTS, factsOf, type TurnFacts } from './turnFacts';
import { newTurnState, type AppTurnState } from './turnState';

export interface BotDeps {
  storage: Storage;
  /** Only for proactive sending; turns themselves may come from any BotAdapter (the web chat has its own). */
  adapter?: TeamsAdapter;
  db: Database;
  /** The donor operators the domain sends porting requests to (services/lifecycle/gateways.ts). */
  donors: DonorOperators;
  config: Config;
  logger: Logger;
}

export interface Bot {
  app: Application<AppTurnState>;
  /** Runs one turn, whichever adapter produced the context. */
  run(context: TurnContext): Promise<void>;
}

export function createBot(deps: BotDeps): Bot {
  const { db, logger } = deps;
  const app = new Application<AppTurnState>({
    storage: deps.storage,
    adapter: deps.adapter,
    botAppId: deps.config.teams?.appId ?? '',
    // The library's typing timer lives on the Application and is shared by concurrent turns.
    startTypingTimer: false,
    turnStateFactory: newTurnState,
  });

  // Answers follow the language the conversation is in, once there is one (bot/conversationLanguage.ts).
  app.turn('beforeTurn', async (context, state) => {
    const language = conversationLanguageOf(state, context);
    if (language) context.turnState.set(TURN_FACTS, { ...factsOf(context), language } satisfies TurnFacts);
    return true;
  });

  app.addRoute(isBotInstalled, async (context, state) => {
    if (state.conversation.welcomed) return;
    const { recognition, language } = factsOf(context);
    await send(context, welcomeFor(recognition, language));
    state.conversation.welcomed = true;
  });

  // A card action that is no Action.Execute (a forged or foreign client): no verb's route may take it, as they would fail.
  app.addRoute(async (context) => isCardAction(context) && !isExecute(context), (context) => answerStale(context), true);

  // Every feature's verbs, files and consent answers, then typed text (a file message is one too, so files first).
  const served = registerFeatures(app, features, {
    db,
    settings: { clockSpeed: deps.config.clockSpeed, linkDays: deps.config.activationLinkDays, donors: deps.donors },
    teamsAuthenticated: Boolean(deps.config.teams),
  });
  const unserved = unservedIntents(served);
  if (unserved.length > 0) throw new Error(`no feature serves the intents ${unserved.join(', ')}`);
  const knownVerbs = new Set([...served.verbs, ...registerTypedText(app, served, db)]);

  // A button from a card whose verb this version no longer knows (a stale message).
  app.addRoute(async (context) => isUnknownSubmit(context, knownVerbs), async (context) => {
    await context.sendActivity(t(factsOf(context).language, 'action.unknown'));
  });
  app.addRoute(async (context) => isCardAction(context) && !knownVerbs.has(context.activity.value.action.verb), (context) => answerStale(context), true);

  async function run(context: TurnContext): Promise<void> {
    const startedAt = Date.now();
    try {
      context.turnState.set(TURN_FACTS, await settleTurn(deps.db, context, logger));
      await app.run(context);
      // An invoke no route answered (a name this bot does not serve) is a bad request, not "not implemented" (501).
      if (context.activity.type === 'invoke' && !context.turnState.get(INVOKE_RESPONSE_KEY)) await answerStale(context);
      logTurn(logger, context, startedAt, 'ok');
    } catch (error) {
      logTurn(logger, context, startedAt, 'failed');
      await answerTurnError(logger, context, error);
    }
  }

  return { app, run };
}

/**
 * Recognises the writer, keeps their conversation reference fresh, and picks the reply language before the
 * conversation's state is read: the client's (Teams' locale, the browser's), else the one stored for the person.
 */
async function settleTurn(db: Database, context: TurnContext, logger: Logger): Promise<TurnFacts> {
  const { recognition, linkedBy } = await recogniseTeamsWriter(db.prisma, context, await recognise(db.prisma, channelIdentityOf(context)), logger);
  const activity = context.activity;
  const known = recognition.status === 'known' ? recognition.actor : undefined;
  if (known) {
    await saveConversationReference(db.prisma, {
      channelId: activity.channelId,
      conversationId: activity.conversation.id,
      personId: known.id,
      reference: { ...TurnContext.getConversationReference(activity) },
    });
  }
  const language = replyLanguage({ client: languageOfLocale(activity.locale), person: known });
  if (known && linkedBy) {
    await context.sendActivity(t(language, 'welcome.linkedByEmail', { address: linkedBy, name: known.displayName, organisation: known.organisation.name }));
  }
  return { recognition, language };
}

function isUnknownSubmit(context: TurnContext, known: ReadonlySet<string>): boolean {
  const verb = cardSubmitVerb(context);
  return verb !== undefined && !known.has(verb);
}

function isCardAction(context: TurnContext): boolean {
  return context.activity.type === 'invoke' && context.activity.name === 'adaptiveCard/action';
}

/** An Action.Execute with a verb: what the verbs' routes may read. */
function isExecute(context: TurnContext): boolean {
  const action: unknown = context.activity.value?.action;
  return typeof action === 'object' && action !== null && (action as { type?: unknown }).type === 'Action.Execute' && typeof (action as { verb?: unknown }).verb === 'string';
}

/** An invoke from a card this version does not know, or with what no card sends: 400, and a sentence saying so. */
async function answerStale(context: TurnContext): Promise<void> {
  await answerInvoke(context, 400, { kind: 'text', text: t(factsOf(context).language, 'action.unknown') });
}

/** The bot joined a conversation (web chat, group chat) or was installed (Teams). */
async function isBotInstalled(context: TurnContext): Promise<boolean> {
  const activity = context.activity;
  if (activity.type === 'installationUpdate') return activity.action === 'add';
  if (activity.type !== 'conversationUpdate') return false;
  return (activity.membersAdded ?? []).some((member) => member.id === activity.recipient?.id);
}
