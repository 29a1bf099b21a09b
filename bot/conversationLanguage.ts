import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { languages, type Language } from '../cards/strings';
import { TURN_FACTS, factsOf } from './turnFacts';
import type { AppTurnState } from './turnState';

/** A conversation left this long starts again from the client's language, as a new one would. */
const QUIET_HOURS = 4;

const conversationLanguageSchema = z.object({
  language: z.enum(languages),
  /** The client's locale when it was set: a person who switches their Teams (or browser) language starts afresh. */
  locale: z.string().max(40).nullable(),
  at: z.iso.datetime(),
});

/**
 * The language the conversation is in, as its state keeps it: the last one the person clearly wrote in, or chose;
 * none once the client's language changed or after a quiet spell.
 */
export function conversationLanguageOf(state: AppTurnState, context: TurnContext, now = new Date()): Language | undefined {
  const stored = conversationLanguageSchema.safeParse(state.conversation.language);
  if (!stored.success) return undefined;
  const { language, locale, at } = stored.data;
  if (locale !== (context.activity.locale ?? null)) return undefined;
  if (now.getTime() - Date.parse(at) > QUIET_HOURS * 3_600_000) return undefined;
  return language;
}

/**
 * From now on the conversation is in `language`: this turn's answers, and the next turns' answers to a card button
 * or to a text that says nothing of its language.
 */
export function speakIn(context: TurnContext, state: AppTurnState, language: Language, now = new Date()): void {
  state.conversation.language = { language, locale: context.activity.locale ?? null, at: now.toISOString() } satisfies z.input<typeof conversationLanguageSchema>;
  context.turnState.set(TURN_FACTS, { ...factsOf(context), language });
}
