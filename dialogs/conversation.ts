import { z } from 'zod';
import { renderQuestionCard, type DataButton } from '../cards/questionCard';
import { languages, t, type Language } from '../cards/strings';
import { Verbs } from '../cards/verbs';
import { languageNamedIn, setPreferredLanguage } from '../services/people/languagePreference';
import { defineFeature, publicAction, type PublicTurn } from './feature';
import type { Reply } from './reply';
import type { IntentName } from './understanding/intents';
import { welcomeFor } from './welcome';

/**
 * What every person can say whatever else they do: hello, help, and the language they want. Someone the bot does not
 * know is answered "hello" by the refusal, which is their welcome.
 */
export const conversationFeature = defineFeature<true>({
  name: 'conversation',
  // The welcome card is in the conversation (sent on install, or on a first "hello"): the key bot/app.ts sets too.
  state: { key: 'welcomed', schema: z.literal(true) },
  refusal: (language, recognition) => welcomeFor(recognition, language),
  intents: {
    // A second "hello" is a greeting, not a request for the menu: a short answer that says where the menu is.
    greeting: async (turn) => {
      if (turn.state) return [{ kind: 'text', text: t(turn.language, 'welcome.again', { name: turn.actor.displayName }) }];
      turn.keep(true);
      return [welcomeFor(turn.recognition, turn.language)];
    },
  },
  publicIntents: {
    help: async (turn) => [welcomeFor(turn.recognition, turn.language)],
    changeLanguage: async (turn, match) => {
      const wanted = languageNamedIn(match.text);
      return [wanted ? await switchLanguage(turn, wanted) : languageChoice(turn.language)];
    },
  },
  publicActions: {
    [Verbs.conversation.setLanguage]: publicAction(z.object({ language: z.enum(languages) }), async (turn, data) => [await switchLanguage(turn, data.language)]),
  },
});

/** "Speak Dutch": the conversation's answers and what the bot sends unasked. */
async function switchLanguage(turn: PublicTurn, language: Language): Promise<Reply> {
  if (turn.recognition.status === 'known') await setPreferredLanguage(turn.db, turn.recognition.actor, language);
  turn.speakIn(language);
  return { kind: 'text', text: t(language, 'messages.language.set') };
}

function languageChoice(language: Language): Reply {
  const buttons: DataButton[] = languages.map((choice) => ({ title: t(choice, `messages.language.${choice}`), verb: Verbs.conversation.setLanguage, data: { language: choice } }));
  return { kind: 'card', card: renderQuestionCard({ title: '', text: t(language, 'messages.language.choose'), buttons }) };
}

/** Every unfinished flow ended. */
export const cancelled = (language: Language): Reply => ({ kind: 'text', text: t(language, 'messages.cancelled') });

export const notUnderstood = (language: Language): Reply => ({ kind: 'text', text: t(language, 'messages.notUnderstood') });

/** Unsure what the text asks, the bot never guesses: the likeliest requests become buttons, the text goes along. */
export function didYouMean(language: Language, candidates: readonly IntentName[], text: string): Reply {
  const buttons: DataButton[] = candidates.map((candidate) => ({
    title: t(language, `messages.intent.${candidate}`),
    verb: Verbs.conversation.chooseIntent,
    data: { intent: candidate, text: text.slice(0, 500) },
  }));
  return { kind: 'card', card: renderQuestionCard({ title: '', text: t(language, 'messages.choose'), buttons }) };
}
