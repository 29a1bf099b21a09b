import type { Application } from '@microsoft/teams-ai';
import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { t } from '../cards/strings';
import { Verbs } from '../cards/verbs';
import { cancelled, didYouMean, notUnderstood } from '../dialogs/conversation';
import type { Reply } from '../dialogs/reply';
import { intentNames, type IntentMatch, type IntentName } from '../dialogs/understanding/intents';
import { decide, intentModel, type Understanding } from '../dialogs/understanding/model';
import type { Database } from '../services/platform/db/database';
import { rememberLastLanguage } from '../services/people/languagePreference';
import { send } from './replies';
import { onVerb, type ServedFeatures } from './runner';
import { TURN_FACTS, factsOf, type TurnFacts } from './turnFacts';
import type { AppTurnState } from './turnState';

const intentSchema = z.enum(intentNames);
const chooseIntentSchema = z.object({ intent: intentSchema, text: z.string().max(500) });

/**
 * Typed text: a flow waiting for typed input takes it first; otherwise the intent model says what it asks for, and
 * the feature that serves that intent answers. Unsure, it never guesses: the likeliest intents become buttons.
 */
export function registerTypedText(app: Application<AppTurnState>, features: ServedFeatures, db: Database): readonly string[] {
  // Trains now, so the first person to write does not wait for it.
  void intentModel().catch(() => undefined);

  async function dispatch(context: TurnContext, state: AppTurnState, match: IntentMatch): Promise<Reply[]> {
    if (match.intent === 'cancel') {
      features.forgetFlows(state);
      return [cancelled(factsOf(context).language)];
    }
    const replies = await features.answerIntent(context, state, match);
    if (!replies) throw new Error(`no feature serves the intent ${match.intent}`);
    return replies;
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
    if (known && understanding.languageSure) await rememberLastLanguage(db.prisma, known, understanding.language);
    return understanding;
  }

  const matchOf = (understanding: Understanding, intent: IntentName, score: number): IntentMatch => ({
    intent,
    score,
    language: understanding.language,
    text: understanding.text,
    entities: understanding.entities,
  });

  onVerb(app, Verbs.conversation.chooseIntent, async (context, state, data) => {
    const choice = chooseIntentSchema.safeParse(data);
    if (!choice.success) return [{ kind: 'text', text: t(factsOf(context).language, 'action.unknown') }];
    const understanding = await understand(context, choice.data.text);
    for (const reply of await dispatch(context, state, matchOf(understanding, choice.data.intent, 1))) await send(context, reply);
    return [];
  });

  app.message(isTypedMessage, async (context, state) => {
    const text = context.activity.text?.trim() ?? '';
    const waited = await features.typedInput(context, state, context.activity.text ?? '');
    if (waited) {
      for (const reply of waited) await send(context, reply);
      return;
    }
    if (!text) return;
    const understanding = await understand(context, text);
    const intent = intentOf(understanding, factsOf(context));
    const language = factsOf(context).language;
    let replies: Reply[];
    if (intent) replies = await dispatch(context, state, matchOf(understanding, intent.intent, intent.score));
    else {
      const candidates = decideCandidates(understanding);
      replies = [candidates.length === 0 ? notUnderstood(language) : didYouMean(language, candidates, text)];
    }
    for (const reply of replies) await send(context, reply);
  });
  return [Verbs.conversation.chooseIntent];
}

/** The intents no feature serves ("cancel" is this route's own): none, or the bot does not start. */
export function unservedIntents(features: ServedFeatures): IntentName[] {
  return intentNames.filter((intent) => intent !== 'cancel' && !features.intents.has(intent));
}

/** A card's Action.Submit comes as a message too, with no text and the verb in its value. */
export function cardSubmitVerb(context: TurnContext): string | undefined {
  const activity = context.activity;
  if (activity.type !== 'message' || activity.text) return undefined;
  const value: unknown = activity.value;
  if (typeof value !== 'object' || value === null) return undefined;
  const verb = (value as Record<string, unknown>).verb;
  return typeof verb === 'string' ? verb : undefined;
}

async function isTypedMessage(context: TurnContext): Promise<boolean> {
  return context.activity.type === 'message' && cardSubmitVerb(context) === undefined;
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
