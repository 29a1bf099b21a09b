import { Application, type TeamsAdapter } from '@microsoft/teams-ai';
import { TurnContext, type Activity, type Storage } from 'botbuilder';
import { languageOfLocale, t } from '../cards/strings';
import { allVerbs, Verbs, welcomeVerbs, type WelcomeVerb } from '../cards/verbs';
import { notAvailableYet, welcomeFor } from '../dialogs/welcome';
import { saveConversationReference } from '../services/people/conversations';
import type { Database } from '../services/platform/db/database';
import { replyLanguage } from '../services/people/languagePreference';
import { recognise, type Recognition } from '../services/people/people';
import type { Config } from './config';
import { channelIdentityOf } from './identity';
import type { Logger } from './logger';
import { send } from './replies';
import { continueActivateSim, registerActivateSimRoutes } from './routes/activateSim';
import { continueAddService, registerAddServiceRoutes } from './routes/addService';
import { registerBulkImportRoutes } from './routes/bulkImport';
import { registerHelpRoutes } from './routes/help';
import { createMessageRoute } from './routes/messages';
import { registerSupportRoutes } from './routes/support';
import { registerWaitingServicesRoutes } from './routes/waitingServices';
import { registerPortingIssuesRoutes } from './routes/portingIssues';
import { registerOverviewRoutes } from './routes/overview';
import { answerTurnError, logTurn } from './turnLog';
import { TURN_FACTS, factsOf, type TurnFacts } from './turnFacts';
import { newTurnState, type AppTurnState } from './turnState';

export interface BotDeps {
  storage: Storage;
  /** Only for proactive sending; turns themselves may come from any BotAdapter (the web chat has its own). */
  adapter?: TeamsAdapter;
  db: Database;
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

  app.addRoute(isBotInstalled, async (context, state) => {
    if (state.conversation.welcomed) return;
    const { recognition, language } = factsOf(context);
    await send(context, welcomeFor(recognition, language));
    state.conversation.welcomed = true;
  });

  // A file sent: before typed text, which a file message also is.
  registerBulkImportRoutes(app, { db, teamsAuthenticated: Boolean(deps.config.teams) });

  // Typed text: a flow waiting for typed input first, then the intent model and the feature serving the intent.
  const routeTypedMessage = createMessageRoute(app, { db, clockSpeed: deps.config.clockSpeed });
  app.message(isTypedMessage, async (context, state) => {
    if (await continueActivateSim({ db }, context, state)) return;
    if (await continueAddService({ db }, context, state)) return;
    await routeTypedMessage(context, state);
  });
  registerHelpRoutes(app, { db });
  registerSupportRoutes(app, { db, linkDays: deps.config.activationLinkDays });

  registerActivateSimRoutes(app, { db });
  registerAddServiceRoutes(app, { db });
  registerWaitingServicesRoutes(app, { db, config: deps.config });
  registerPortingIssuesRoutes(app, { db, clockSpeed: deps.config.clockSpeed });
  registerOverviewRoutes(app, { db, clockSpeed: deps.config.clockSpeed, linkDays: deps.config.activationLinkDays });
  const served: readonly string[] = [Verbs.welcome.addService, Verbs.welcome.activateSim, Verbs.welcome.waitingServices, Verbs.welcome.portingIssues, Verbs.welcome.getHelp, Verbs.welcome.lookUpUser, Verbs.welcome.overview];
  registerNotYetAvailable(app, welcomeVerbs.filter((verb) => !served.includes(verb)));

  // A button from a card whose verb this version no longer knows (a stale message).
  app.addRoute(isUnknownSubmit, async (context) => {
    await context.sendActivity(t(factsOf(context).language, 'action.unknown'));
  });
  app.addRoute(
    isUnknownExecute,
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
      context.turnState.set(TURN_FACTS, await settleTurn(deps.db, context));
      await app.run(context);
      logTurn(logger, context, startedAt, 'ok');
    } catch (error) {
      logTurn(logger, context, startedAt, 'failed');
      await answerTurnError(logger, context, error);
    }
  }

  return { app, run };
}

/** Recognises the writer, keeps their conversation reference fresh, and picks the reply language. */
async function settleTurn(db: Database, context: TurnContext): Promise<TurnFacts> {
  const recognition = await recognise(db.prisma, channelIdentityOf(context));
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
  return { recognition, language: replyLanguage(known, languageOfLocale(activity.locale)) };
}

/** Teams and the web chat get the same welcome buttons; only the feature behind them is still missing. */
function registerNotYetAvailable(app: Application<AppTurnState>, verbs: readonly WelcomeVerb[]): void {
  for (const verb of verbs) {
    app.adaptiveCards.actionExecute(verb, async (context) => {
      const reply = notAvailableYet(verb, factsOf(context).language);
      return reply.kind === 'text' ? reply.text : reply.card;
    });
    app.adaptiveCards.actionSubmit(verb, async (context) => {
      await send(context, notAvailableYet(verb, factsOf(context).language));
    });
  }
}

function cardSubmitVerb(activity: Activity): string | undefined {
  if (activity.type !== 'message' || activity.text) return undefined;
  const value: unknown = activity.value;
  if (typeof value !== 'object' || value === null) return undefined;
  const verb = (value as Record<string, unknown>).verb;
  return typeof verb === 'string' ? verb : undefined;
}

async function isTypedMessage(context: TurnContext): Promise<boolean> {
  return context.activity.type === 'message' && cardSubmitVerb(context.activity) === undefined;
}

async function isUnknownSubmit(context: TurnContext): Promise<boolean> {
  const verb = cardSubmitVerb(context.activity);
  return verb !== undefined && !allVerbs.includes(verb);
}

async function isUnknownExecute(context: TurnContext): Promise<boolean> {
  const activity = context.activity;
  if (activity.type !== 'invoke' || activity.name !== 'adaptiveCard/action') return false;
  const verb: unknown = activity.value?.action?.verb;
  return typeof verb !== 'string' || !allVerbs.includes(verb);
}

/** The bot joined a conversation (web chat, group chat) or was installed (Teams). */
async function isBotInstalled(context: TurnContext): Promise<boolean> {
  const activity = context.activity;
  if (activity.type === 'installationUpdate') return activity.action === 'add';
  if (activity.type !== 'conversationUpdate') return false;
  return (activity.membersAdded ?? []).some((member) => member.id === activity.recipient?.id);
}
