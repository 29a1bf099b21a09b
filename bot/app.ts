import { Application, type TeamsAdapter } from '@microsoft/teams-ai';
import { TurnContext, type Storage } from 'botbuilder';
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
import { registerFeatures } from './runner';
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
  app.addRoute(
    async (context) => isUnknownExecute(context, knownVerbs),
    async (context) => {
      await context.sendActivity({
        type: 'invokeResponse',
        value: {
          status: 200,
          body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: t(factsOf(context).language, 'action.unknown') },
        },
      });
    },
    true,
  );

  async function run(context: TurnContext): Promise<void> {
    const startedAt = Date.now();
    try {
      context.turnState.set(TURN_FACTS, await settleTurn(deps.db, context, logger));
      await app.run(context);
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

function isUnknownExecute(context: TurnContext, known: ReadonlySet<string>): boolean {
  const activity = context.activity;
  if (activity.type !== 'invoke' || activity.name !== 'adaptiveCard/action') return false;
  const verb: unknown = activity.value?.action?.verb;
  return typeof verb !== 'string' || !known.has(verb);
}

/** The bot joined a conversation (web chat, group chat) or was installed (Teams). */
async function isBotInstalled(context: TurnContext): Promise<boolean> {
  const activity = context.activity;
  if (activity.type === 'installationUpdate') return activity.action === 'add';
  if (activity.type !== 'conversationUpdate') return false;
  return (activity.membersAdded ?? []).some((member) => member.id === activity.recipient?.id);
}
