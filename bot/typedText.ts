import type { Application } from '@microsoft/teams-ai';
import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { t, type Language } from '../cards/strings';
import { Verbs } from '../cards/verbs';
import { cancelled, didYouMean, notUnderstood } from '../dialogs/conversation';
import type { Reply } from '../dialogs/reply';
import { MAX_REQUEST_LENGTH } from '../dialogs/understanding/entities';
import { intentNames, mayAsk, type IntentMatch, type IntentName } from '../dialogs/understanding/intents';
import { decide, intentModel, type Understanding } from '../dialogs/understanding/model';
import type { Database } from '../services/platform/db/database';
import { rememberLastLanguage } from '../services/people/languagePreference';
import { storableText } from '../services/platform/text';
import { speakIn } from './conversationLanguage';
import { send } from './replies';
import { onVerb, sendReplies, type ServedFeatures } from './runner';
import { factsOf, type TurnFacts } from './turnFacts';
import type { AppTurnState } from './turnState';

const intentSchema = z.enum(intentNames);
const chooseIntentSchema = z.object({ intent: intentSchema, text: z.string().max(500) });

/**
 * The longest typed text read as a request. Direct Line (the web chat) refuses messages over 4,000 characters and
 * Teams takes about 28,000; one cap for both channels, the web chat's: a request to this bot is a sentence or two,
 * every recogniser's work grows with the text, and an answer saying what was wrong beats a slow guess at a pasted
 * document.
 */
const MAX_TYPED_CHARACTERS = MAX_REQUEST_LENGTH;

/** Characters as people count them: an emoji is one, not its two UTF-16 halves. */
function characterCount(text: string): number {
  let count = 0;
  for (const _character of text) count++;
  return count;
}

function tooLong(language: Language, characters: number): Reply {
  const number = new Intl.NumberFormat(`${language}-BE`);
  return { kind: 'text', text: t(language, 'messages.tooLong', { count: number.format(characters), limit: number.format(MAX_TYPED_CHARACTERS) }) };
}

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

  /**
   * Settles the turn's language on the one the text is clearly written in, which the conversation is then in; a text
   * that does not say (a name, "ok", a SIM number) leaves the conversation's.
   */
  async function settleLanguage(context: TurnContext, state: AppTurnState, guess: { language: Language; sure: boolean }): Promise<void> {
    if (!guess.sure) return;
    speakIn(context, state, guess.language);
    const { recognition } = factsOf(context);
    if (recognition.status === 'known') await rememberLastLanguage(db.prisma, recognition.actor, guess.language);
  }

  /** What the text asks for; `settled`: its language already is the turn's. */
  async function understand(context: TurnContext, state: AppTurnState, text: string, settled = false): Promise<Understanding> {
    const understanding = await (await intentModel()).understand(text, factsOf(context).language);
    if (!settled) await settleLanguage(context, state, { language: understanding.language, sure: understanding.languageSure });
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
    const understanding = await understand(context, state, storableText(choice.data.text));
    await sendReplies(context, state, await dispatch(context, state, matchOf(understanding, choice.data.intent, 1)));
    return [];
  });

  app.message(isTypedMessage, async (context, state) => {
    // Without NUL bytes and unpaired surrogates before anything reads it, whichever way the activity came: every
    // feature, and whatever it stores, sees this text.
    const typed = storableText(context.activity.text ?? '');
    context.activity.text = typed;
    const text = typed.trim();
    // Too long to be a request: said so in the conversation's language, and read by nothing, no waiting flow either.
    const characters = text.length > MAX_TYPED_CHARACTERS ? characterCount(text) : 0;
    if (characters > MAX_TYPED_CHARACTERS) {
      await send(context, tooLong(factsOf(context).language, characters));
      return;
    }
    // A value a flow waits for is answered in the language it came with too.
    if (text) await settleLanguage(context, state, (await intentModel()).languageOf(text, factsOf(context).language));
    const waited = await features.typedInput(context, state, typed);
    if (waited) {
      await sendReplies(context, state, waited);
      return;
    }
    if (!text) return;
    const understanding = forWriter(await understand(context, state, text, true), factsOf(context));
    const intent = intentOf(understanding, factsOf(context));
    const language = factsOf(context).language;
    let replies: Reply[];
    if (intent) replies = await dispatch(context, state, matchOf(understanding, intent.intent, intent.score));
    else {
      const candidates = decideCandidates(understanding);
      replies = [candidates.length === 0 ? notUnderstood(language) : didYouMean(language, candidates, text)];
    }
    await sendReplies(context, state, replies);
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

/** A text reads as nothing else this person can ask for below this score: it is answered as what it reads as. */
const LIKELY = 0.1;

/**
 * The reading of the text by what the writer can ask for: a request only other roles make gives way to the likeliest
 * one this person can make, if any is likely at all; otherwise it stands, and its feature tells who can.
 */
function forWriter(understanding: Understanding, facts: TurnFacts): Understanding {
  const role = facts.recognition.status === 'known' ? facts.recognition.actor.role : undefined;
  const askable = understanding.ranking.filter((entry) => mayAsk(entry.intent, role));
  if (askable.length === understanding.ranking.length || (askable[0]?.score ?? 0) < LIKELY) return understanding;
  return { ...understanding, ranking: askable };
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
