import type { Application } from '@microsoft/teams-ai';
import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { renderQuestionCard, type DataButton } from '../../cards/questionCard';
import { languages, t, type Language, type StringKey } from '../../cards/strings';
import { Verbs } from '../../cards/verbs';
import type { Reply } from '../../dialogs/reply';
import { welcomeFor } from '../../dialogs/welcome';
import type { Database } from '../../services/platform/db/database';
import { languageNamedIn, rememberLastLanguage, setPreferredLanguage } from '../../services/people/languagePreference';
import { decide, intentModel, type Understanding } from '../../dialogs/understanding/model';
import { onCardAction, send } from '../replies';
import { TURN_FACTS, factsOf, type TurnFacts } from '../turnFacts';
import type { AppTurnState } from '../turnState';
import { intentHandlers as activateSimHandlers } from './activateSim';
import { intentHandlers as addServiceHandlers } from './addService';
import { intentHandlers as bulkImportHandlers } from './bulkImport';
import { intentHandlers as helpHandlers } from './help';
import { intentHandlers as overviewHandlers } from './overview';
import { intentNames, type IntentHandler, type IntentMatch, type IntentName } from './intents';
import { intentHandlers as portingIssuesHandlers } from './portingIssues';
import { continueSupportLookup, intentHandlers as supportHandlers } from './support';
import { intentHandlers as waitingServicesHandlers } from './waitingServices';

export interface MessageDeps {
  db: Database;
  /** The simulated clock's speed: the overview counts activations overdue as the notifier does. */
  clockSpeed: number;
}

type Handlers = Partial<Record<IntentName, IntentHandler<AppTurnState>>>;

/** What each intent is called on a "did you mean" button. */
const intentLabel: Record<IntentName, StringKey> = {
  greeting: 'messages.intent.greeting',
  help: 'messages.intent.help',
  cancel: 'messages.intent.cancel',
  addService: 'messages.intent.addService',
  waitingServices: 'messages.intent.waitingServices',
  portingIssues: 'messages.intent.portingIssues',
  overview: 'messages.intent.overview',
  bulkImport: 'messages.intent.bulkImport',
  activateSim: 'messages.intent.activateSim',
  serviceStatus: 'messages.intent.serviceStatus',
  lookUpUser: 'messages.intent.lookUpUser',
  contactAdministrator: 'messages.intent.contactAdministrator',
  changeLanguage: 'messages.intent.changeLanguage',
  'troubleshoot.noNetwork': 'messages.intent.troubleshoot.noNetwork',
  'troubleshoot.mobileData': 'messages.intent.troubleshoot.mobileData',
  'troubleshoot.pin': 'messages.intent.troubleshoot.pin',
  'troubleshoot.voicemail': 'messages.intent.troubleshoot.voicemail',
  'troubleshoot.emailMissing': 'messages.intent.troubleshoot.emailMissing',
  'troubleshoot.activationTime': 'messages.intent.troubleshoot.activationTime',
  'troubleshoot.simSwap': 'messages.intent.troubleshoot.simSwap',
  'troubleshoot.linkExpired': 'messages.intent.troubleshoot.linkExpired',
  'troubleshoot.portingRefused': 'messages.intent.troubleshoot.portingRefused',
  'troubleshoot.simNumberLocation': 'messages.intent.troubleshoot.simNumberLocation',
  'troubleshoot.general': 'messages.intent.troubleshoot.general',
};

const languageName: Record<Language, StringKey> = { en: 'messages.language.en', nl: 'messages.language.nl', fr: 'messages.language.fr' };

const intentSchema = z.enum(intentNames);
const chooseIntentSchema = z.object({ intent: intentSchema, text: z.string().max(500) });
const setLanguageSchema = z.object({ language: z.enum(languages) });

/** Greeting, help, cancel and the language: what every person can say whatever features exist. */
function ownHandlers(deps: MessageDeps): Handlers {
  const welcome: IntentHandler<AppTurnState> = (context, _state, facts) => send(context, welcomeFor(facts.recognition, facts.language));
  return {
    greeting: welcome,
    help: welcome,
    cancel: async (context, state, facts) => {
      // Cancel ends every unfinished flow: the conversation state holds nothing else (bot/turnState.ts).
      for (const key of Object.keys(state.conversation)) if (key !== 'welcomed') delete (state.conversation as Record<string, unknown>)[key];
      await send(context, { kind: 'text', text: t(facts.language, 'messages.cancelled') });
    },
    changeLanguage: async (context, _state, facts, match) => {
      const wanted = languageNamedIn(match.text);
      await send(context, wanted ? await switchLanguage(deps, facts, wanted) : languageChoice(facts.language));
    },
  };
}

async function switchLanguage(deps: MessageDeps, facts: TurnFacts, language: Language): Promise<Reply> {
  if (facts.recognition.status === 'known') await setPreferredLanguage(deps.db.prisma, facts.recognition.actor, language);
  return { kind: 'text', text: t(language, 'messages.language.set') };
}

function languageChoice(language: Language): Reply {
  const buttons: DataButton[] = languages.map((choice) => ({ title: t(choice, languageName[choice]), verb: Verbs.messages.setLanguage, data: { language: choice } }));
  return { kind: 'card', card: renderQuestionCard({ title: '', text: t(language, 'messages.language.choose'), buttons }) };
}

/**
 * Typed text: a flow waiting for typed input takes it first; otherwise the intent model says what it asks for, and
 * the feature that serves that intent answers. Unsure, it never guesses: the likeliest intents become buttons.
 */
export function createMessageRoute(app: Application<AppTurnState>, deps: MessageDeps) {
  // Trains now, so the first person to write does not wait for it.
  void intentModel().catch(() => undefined);
  const handlers: Handlers = {
    ...ownHandlers(deps),
    ...helpHandlers(deps),
    ...supportHandlers(deps),
    ...activateSimHandlers(deps),
    ...addServiceHandlers(deps),
    ...waitingServicesHandlers(deps),
    ...portingIssuesHandlers(deps),
    ...overviewHandlers(deps),
    ...bulkImportHandlers(),
  };

  async function dispatch(context: TurnContext, state: AppTurnState, match: IntentMatch): Promise<void> {
    const facts = factsOf(context);
    const handler = handlers[match.intent];
    if (handler) return handler(context, state, facts, match);
    await send(context, { kind: 'text', text: t(facts.language, 'action.notAvailable', { action: t(facts.language, intentLabel[match.intent]) }) });
  }

  /** Understands the text and settles the turn's language on the one it is written in. */
  async function understand(context: TurnContext, text: string): Promise<Understanding> {
    const facts = factsOf(context);
    const known = facts.recognition.status === 'known' ? facts.recognition.actor : undefined;
    // facts.language (bot/app.ts replyLanguage) is the hint for a short or ambiguous text.
    const understanding = await (await intentModel()).understand(text, facts.language);
    // The text's own language answers, unless the person chose one ("Speak Dutch"), which stays until they change it.
    const language = known?.preferredLanguage ?? understanding.language;
    context.turnState.set(TURN_FACTS, { ...facts, language } satisfies TurnFacts);
    if (known && understanding.languageSure) await rememberLastLanguage(deps.db.prisma, known, understanding.language);
    return understanding;
  }

  function matchOf(understanding: Understanding, intent: IntentName, score: number): IntentMatch {
    return { intent, score, language: understanding.language, text: understanding.text, entities: understanding.entities };
  }

  onCardAction(app, Verbs.messages.chooseIntent, async (context, state, data) => {
    const choice = chooseIntentSchema.safeParse(data);
    if (!choice.success) return [{ kind: 'text', text: t(factsOf(context).language, 'action.unknown') }];
    const understanding = await understand(context, choice.data.text);
    await dispatch(context, state, matchOf(understanding, choice.data.intent, 1));
    return [];
  });

  onCardAction(app, Verbs.messages.setLanguage, async (context, _state, data) => {
    const choice = setLanguageSchema.safeParse(data);
    if (!choice.success) return [{ kind: 'text', text: t(factsOf(context).language, 'action.unknown') }];
    return [await switchLanguage(deps, factsOf(context), choice.data.language)];
  });

  return async function routeTypedMessage(context: TurnContext, state: AppTurnState): Promise<void> {
    const text = context.activity.text?.trim() ?? '';
    if (!text) return;
    if (await continueSupportLookup(deps, context, state)) return;
    const understanding = await understand(context, text);
    const intent = intentOf(understanding, factsOf(context));
    if (intent) return dispatch(context, state, matchOf(understanding, intent.intent, intent.score));
    const language = factsOf(context).language;
    const candidates = decideCandidates(understanding);
    if (candidates.length === 0) return send(context, { kind: 'text', text: t(language, 'messages.notUnderstood') });
    const buttons: DataButton[] = candidates.map((candidate) => ({
      title: t(language, intentLabel[candidate]),
      verb: Verbs.messages.chooseIntent,
      data: { intent: candidate, text: text.slice(0, 500) },
    }));
    await send(context, { kind: 'card', card: renderQuestionCard({ title: '', text: t(language, 'messages.choose'), buttons }) });
  };
}

/** A bare address or number is a look-up for those who may look people up, the person's own status otherwise. */
function intentOf(understanding: Understanding, facts: TurnFacts): { intent: IntentName; score: number } | undefined {
  if (understanding.bareEntity) {
    const looksUp = facts.recognition.status === 'known' && facts.recognition.actor.role !== 'USER';
    if (looksUp) return { intent: 'lookUpUser', score: 1 };
    return { intent: understanding.entities.iccid ? 'activateSim' : 'serviceStatus', score: 1 };
  }
  const decision = decide(understanding);
  if (decision.kind !== 'intent') return undefined;
  const intent = intentSchema.safeParse(decision.intent);
  return intent.success ? { intent: intent.data, score: decision.score } : undefined;
}

function decideCandidates(understanding: Understanding): IntentName[] {
  const decision = decide(understanding);
  if (decision.kind !== 'choose') return [];
  return decision.candidates.flatMap((candidate) => {
    const intent = intentSchema.safeParse(candidate);
    return intent.success ? [intent.data] : [];
  });
}
